"""Password hashing (Argon2id), legacy verification (bcrypt, original scrypt) and policy.

Hashing is CPU- and memory-heavy on purpose, so it runs in threads under a small
semaphore: a flood of bad logins queues behind it instead of starving the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
from dataclasses import dataclass

import anyio.to_thread
import bcrypt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_BYTES = 1024
BCRYPT_MAX_BYTES = 72  # what the bcrypt algorithm reads of a password

COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "password12345",
        "123456789012",
        "1234567890123",
        "qwertyuiop12",
        "qwerty123456",
        "changeme1234",
        "letmein12345",
        "administrator",
        "welcome12345",
        "iloveyou1234",
        "passw0rd1234",
        "adminadmin12",
        "admin1234567",
        "111111111111",
        "000000000000",
        "abcdefghijkl",
        "mission-control",
        "missioncontrol",
        "password!234",
        "p@ssw0rd1234",
        "trustno11234",
        "1q2w3e4r5t6y",
        "zaq12wsxcde3",
        "football1234",
    }
)

_SCRYPT_RE = re.compile(r"^([0-9a-f]{32}):([0-9a-f]{64})$")
_SCRYPT_COSTS = (65536, 16384)


class PasswordPolicyError(ValueError):
    """The password breaks the policy; the message says how."""


def check_length(password: str) -> None:
    """Refuse oversized input before any hashing happens."""
    if len(password.encode("utf-8")) > MAX_BYTES:
        raise PasswordPolicyError(f"Password must be at most {MAX_BYTES} bytes")


def check_policy(password: str) -> None:
    check_length(password)
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(f"Password must be at least {MIN_LENGTH} characters")
    if password.lower() in COMMON_PASSWORDS:
        raise PasswordPolicyError("Password is too common; choose another")


@dataclass(frozen=True)
class Verification:
    ok: bool
    needs_upgrade: bool = False


class Passwords:
    """Hashes and verifies passwords off the event loop, a few at a time."""

    def __init__(
        self,
        *,
        memory_kib: int = 19456,
        time_cost: int = 2,
        parallelism: int = 1,
        concurrency: int = 2,
    ) -> None:
        self._hasher = PasswordHasher(
            memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism
        )
        self._concurrency = concurrency
        self._semaphore: asyncio.Semaphore | None = None
        self._dummy_hash = self._hasher.hash("mission-control-dummy-password")

    def _gate(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._concurrency)
        return self._semaphore

    # -- synchronous core --
    def hash_sync(self, password: str) -> str:
        check_length(password)
        return self._hasher.hash(password)

    def verify_sync(self, stored: str, password: str) -> Verification:
        if len(password.encode("utf-8")) > MAX_BYTES or not stored:
            return Verification(False)
        if stored.startswith("$argon2"):
            try:
                self._hasher.verify(stored, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return Verification(False)
            return Verification(True, self._hasher.check_needs_rehash(stored))
        if stored.startswith(("$2a$", "$2b$", "$2y$")):
            try:
                # bcrypt reads 72 bytes; the hashes it made ignored the rest (bcrypt 5 refuses
                # longer input instead), so an imported account with a longer password works.
                secret = password.encode("utf-8")[:BCRYPT_MAX_BYTES]
                ok = bcrypt.checkpw(secret, stored.encode("ascii"))
            except ValueError:
                return Verification(False)
            return Verification(ok, ok)
        match = _SCRYPT_RE.match(stored)
        if match:
            salt = match.group(1).encode("ascii")  # the original used the hex text as salt
            expected = bytes.fromhex(match.group(2))
            for cost in _SCRYPT_COSTS:
                derived = hashlib.scrypt(
                    password.encode("utf-8"),
                    salt=salt,
                    n=cost,
                    r=8,
                    p=1,
                    dklen=32,
                    maxmem=256 * 1024 * 1024,
                )
                if hmac.compare_digest(derived, expected):
                    return Verification(True, True)
        return Verification(False)

    def dummy_verify_sync(self, password: str) -> None:
        """Spend the time of one real verification for a user that does not exist."""
        self.verify_sync(self._dummy_hash, password)

    # -- async wrappers, bounded --
    async def hash(self, password: str) -> str:
        check_length(password)
        async with self._gate():
            return await anyio.to_thread.run_sync(self.hash_sync, password)

    async def verify(self, stored: str, password: str) -> Verification:
        async with self._gate():
            return await anyio.to_thread.run_sync(self.verify_sync, stored, password)

    async def dummy_verify(self, password: str) -> None:
        async with self._gate():
            await anyio.to_thread.run_sync(self.dummy_verify_sync, password)
