"""Secrets encrypted at rest with Fernet; the key comes from MC_SECRET_KEY or a 0600 key file."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mission_control.settings import Settings

KEY_FILE_NAME = "secret.key"
_lock = threading.Lock()
_boxes: dict[tuple[str, str], SecretBox] = {}
_purpose_keys: dict[tuple[str, str, str], bytes] = {}


class SecretBoxError(RuntimeError):
    """A stored secret cannot be decrypted (wrong or rotated key, damaged value)."""


class SecretBox:
    """Encrypts and decrypts short text secrets (tokens, TOTP seeds, API keys)."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, plaintext: str, at: int | None = None) -> str:
        """The sealed text; `at` stamps it with that issue time instead of now."""
        data = plaintext.encode("utf-8")
        token = self._fernet.encrypt(data) if at is None else self._fernet.encrypt_at_time(data, at)
        return token.decode("ascii")

    def decrypt(self, token: str, max_age_s: int | None = None) -> str:
        """The plaintext; with `max_age_s`, refused when sealed longer ago than that."""
        try:
            return self._fernet.decrypt(token.encode("ascii"), ttl=max_age_s).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError):
            raise SecretBoxError("stored secret cannot be decrypted with the current key") from None


def _derive(secret: str) -> bytes:
    """Any MC_SECRET_KEY text becomes a Fernet key via SHA-256 (no length rules on the text)."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode("utf-8")).digest())


def _key_file(data_dir: Path) -> bytes:
    """Read `<data dir>/secret.key`, creating it (mode 0600, exclusive) on first use."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = data_dir / KEY_FILE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes().strip()
        Fernet(key)  # refuse a damaged key file loudly rather than lose secrets later
        return key
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


def _marker(settings: Settings) -> tuple[str, str]:
    if settings.secret_key:
        return ("env", settings.secret_key)
    return ("file", str(settings.data_dir))


def _root_key(settings: Settings) -> bytes:
    if settings.secret_key:
        return _derive(settings.secret_key)
    return _key_file(settings.data_dir)


def secret_box(settings: Settings) -> SecretBox:
    """The box for these settings (built once per key source)."""
    marker = _marker(settings)
    with _lock:
        box = _boxes.get(marker)
        if box is None:
            box = _boxes[marker] = SecretBox(_root_key(settings))
        return box


def purpose_key(settings: Settings, purpose: str) -> bytes:
    """A Fernet key for one kind of secret, derived from the root key (HKDF-SHA256): a
    process given it can open that kind and nothing else sealed here."""
    cache_key = (*_marker(settings), purpose)
    with _lock:
        key = _purpose_keys.get(cache_key)
        if key is None:
            root = base64.urlsafe_b64decode(_root_key(settings))
            derived = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=None,
                info=f"mission-control/{purpose}".encode(),
            ).derive(root)
            key = _purpose_keys[cache_key] = base64.urlsafe_b64encode(derived)
        return key
