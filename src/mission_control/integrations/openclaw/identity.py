"""The device identity: an Ed25519 key pair kept in `<data dir>/identity/device.json` (0600)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

IDENTITY_DIR = "identity"
DEVICE_FILE = "device.json"
FILE_VERSION = 1
_lock = threading.Lock()


class IdentityError(RuntimeError):
    """The device identity file cannot be read or is unsafe to use."""


def b64url(raw: bytes) -> str:
    """Base64url without padding, as the gateway writes keys and signatures."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def normalize_metadata(value: str | None) -> str:
    """Platform and device family as signed: trimmed, ASCII upper case folded, empty if absent."""
    text = (value or "").strip()
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def signature_payload(
    *,
    device_id: str,
    client_id: str,
    client_mode: str,
    role: str,
    scopes: list[str],
    signed_at: int,
    token: str,
    nonce: str,
    platform: str | None,
    device_family: str | None,
) -> str:
    """The v3 string the gateway verifies: fields joined by `|`, scopes by `,`."""
    return "|".join(
        (
            "v3",
            device_id,
            client_id,
            client_mode,
            role,
            ",".join(scopes),
            str(signed_at),
            token,
            nonce,
            normalize_metadata(platform),
            normalize_metadata(device_family),
        )
    )


@dataclass(frozen=True)
class DeviceIdentity:
    """The key pair; `device_id` is the SHA-256 hex of the raw 32-byte public key."""

    private_key: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def device_id(self) -> str:
        return hashlib.sha256(self.public_raw).hexdigest()

    @property
    def public_key(self) -> str:
        return b64url(self.public_raw)

    def sign(self, payload: str) -> str:
        return b64url(self.private_key.sign(payload.encode("utf-8")))

    @classmethod
    def generate(cls) -> DeviceIdentity:
        return cls(Ed25519PrivateKey.generate())


def _seed(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def _read(path: Path) -> DeviceIdentity:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        # Someone loosened it: tighten rather than keep serving a readable private key.
        os.chmod(path, 0o600)
    try:
        data = json.loads(path.read_text("utf-8"))
        key = Ed25519PrivateKey.from_private_bytes(b64url_decode(str(data["privateKey"])))
    except (OSError, ValueError, KeyError, TypeError):
        raise IdentityError(
            f"{path} is damaged; move it away to create a new device identity "
            "(the gateway will then ask to pair the new device)"
        ) from None
    identity = DeviceIdentity(key)
    if data.get("deviceId") not in (None, identity.device_id):
        raise IdentityError(f"{path}: deviceId does not match its key")
    return identity


def _wait_until_written(path: Path) -> None:
    """Another process may have created the file a moment ago and not written it yet."""
    for _ in range(20):
        if path.stat().st_size > 0:
            return
        time.sleep(0.05)


def load_or_create(data_dir: Path) -> DeviceIdentity:
    """The identity in `<data dir>/identity/device.json`, created (0600, exclusive) on first use."""
    folder = data_dir / IDENTITY_DIR
    path = folder / DEVICE_FILE
    with _lock:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            _wait_until_written(path)
            return _read(path)
        identity = DeviceIdentity.generate()
        body = {
            "version": FILE_VERSION,
            "deviceId": identity.device_id,
            "publicKey": identity.public_key,
            "privateKey": b64url(_seed(identity.private_key)),
            "createdAt": int(time.time()),
        }
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle)
            handle.write("\n")
        return identity
