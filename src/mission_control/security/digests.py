"""Token generation, digests and constant-time comparison of secrets."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets, via digests so lengths do not leak."""
    return hmac.compare_digest(sha256_hex(given).encode(), sha256_hex(expected).encode())


def new_key(prefix: str) -> str:
    """`<prefix>` + 48 hex characters (24 random bytes)."""
    return prefix + secrets.token_hex(24)


def new_session_token() -> str:
    """32 random bytes as hex: the value of the session cookie."""
    return secrets.token_hex(32)


def key_prefix(key: str) -> str:
    """What may be shown of a key after creation: its kind and first characters."""
    return key[:12]
