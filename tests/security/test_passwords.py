"""Passwords (security.md 6): Argon2id, old formats verified and upgraded, length rules."""

from __future__ import annotations

import hashlib
import secrets

import bcrypt
import httpx
import pytest
import sqlalchemy as sa

from mission_control.db.tables.identity import users
from mission_control.security.actor import system_actor
from mission_control.security.passwords import Passwords
from mission_control.users.service import create_user
from tests.conftest import PASSWORD, AppHarness

pytestmark = pytest.mark.anyio


def _original_scrypt(password: str, n: int) -> str:
    salt = secrets.token_hex(16)
    derived = hashlib.scrypt(
        password.encode(), salt=salt.encode(), n=n, r=8, p=1, dklen=32, maxmem=256 * 1024 * 1024
    )
    return f"{salt}:{derived.hex()}"


async def _user_with_hash(harness: AppHarness, username: str, stored: str) -> None:
    await harness.rt.db.write(
        create_user, system_actor("tests"), username=username, password_hash=stored, role="viewer"
    )


async def _stored_hash(harness: AppHarness, username: str) -> str:
    def read(conn: sa.Connection) -> str:
        return str(
            conn.execute(
                sa.select(users.c.password_hash).where(users.c.username == username)
            ).scalar_one()
        )

    return await harness.rt.db.read(read)


async def _login(harness: AppHarness, username: str, password: str) -> httpx.Response:
    return await harness.new_client().post(
        "/api/auth/login", json={"username": username, "password": password}
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda pw: bcrypt.hashpw(pw.encode(), bcrypt.gensalt(rounds=4)).decode(),
        lambda pw: _original_scrypt(pw, 16384),
        lambda pw: _original_scrypt(pw, 65536),
    ],
    ids=["bcrypt", "scrypt-16384", "scrypt-65536"],
)
async def test_old_hashes_verify_and_are_upgraded_on_login(
    harness: AppHarness, make: object
) -> None:
    stored = make(PASSWORD)  # type: ignore[operator]
    await _user_with_hash(harness, "legacy", stored)
    assert (await _login(harness, "legacy", "wrong-password-here")).status_code == 401
    assert await _stored_hash(harness, "legacy") == stored
    assert (await _login(harness, "legacy", PASSWORD)).status_code == 200
    upgraded = await _stored_hash(harness, "legacy")
    assert upgraded.startswith("$argon2id$")
    assert (await _login(harness, "legacy", PASSWORD)).status_code == 200


async def test_a_bcrypt_hash_of_a_long_password_still_verifies(harness: AppHarness) -> None:
    """Node's bcrypt hashed the first 72 bytes of a longer password; the owner types it all."""
    long_password = "a-very-long-passphrase-" * 5  # 115 bytes
    stored = bcrypt.hashpw(long_password.encode()[:72], bcrypt.gensalt(rounds=4)).decode()
    await _user_with_hash(harness, "longpass", stored)
    assert (await _login(harness, "longpass", "b" + long_password[1:])).status_code == 401
    assert (await _login(harness, "longpass", long_password)).status_code == 200
    assert (await _stored_hash(harness, "longpass")).startswith("$argon2id$")
    assert (await _login(harness, "longpass", long_password)).status_code == 200


async def test_new_hashes_are_argon2id_with_the_configured_cost(harness: AppHarness) -> None:
    await harness.create_user("fresh")
    stored = await _stored_hash(harness, "fresh")
    assert stored.startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    assert PASSWORD not in stored


def test_default_argon2_parameters_meet_owasp() -> None:
    stored = Passwords().hash_sync(PASSWORD)
    assert "$m=19456,t=2,p=1$" in stored


async def test_oversized_password_is_400_before_any_hashing(harness: AppHarness) -> None:
    calls = 0
    real = harness.rt.passwords.dummy_verify

    async def counting(password: str) -> None:
        nonlocal calls
        calls += 1
        await real(password)

    harness.rt.passwords.dummy_verify = counting  # type: ignore[method-assign]
    huge = await _login(harness, "whoever", "x" * 1025)
    assert huge.status_code == 400
    assert calls == 0
    # An unknown user still costs one (dummy) hash, like a known one.
    await harness.create_user("somebody")
    unknown = await _login(harness, "nobody-at-all", "x" * 20)
    assert unknown.status_code in (401,)
    assert unknown.json() == {"error": "Invalid credentials"}
    assert calls == 1


async def test_unknown_user_and_wrong_password_look_the_same(harness: AppHarness) -> None:
    await harness.create_user("known")
    wrong = await _login(harness, "known", "wrong-password-here")
    unknown = await _login(harness, "unknown-person", "wrong-password-here")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"error": "Invalid credentials"}


@pytest.mark.parametrize("password", ["short-pass", "password1234", "x" * 1025])
async def test_weak_passwords_are_refused_everywhere(
    harness: AppHarness, admin: httpx.AsyncClient, password: str
) -> None:
    setup_client = harness.new_client()
    created = await admin.post(
        "/api/auth/users", json={"username": "weakling", "password": password}
    )
    assert created.status_code == 400
    me = (await admin.get("/api/auth/me")).json()["user"]
    reset = await admin.put("/api/auth/users", json={"id": me["id"], "password": password})
    assert reset.status_code == 400
    change = await admin.patch(
        "/api/auth/me", json={"current_password": PASSWORD, "new_password": password}
    )
    assert change.status_code == 400
    assert (await setup_client.get("/api/setup")).json() == {"needsSetup": False}
    listed = (await admin.get("/api/auth/users")).json()["users"]
    assert "weakling" not in {u["username"] for u in listed}


async def test_setup_refuses_a_short_password(harness: AppHarness) -> None:
    short = await harness.client.post("/api/setup", json={"username": "boss", "password": "short"})
    assert short.status_code == 400
    assert (await harness.client.get("/api/setup")).json() == {"needsSetup": True}


async def test_no_password_or_hash_in_any_user_answer(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    await harness.create_user("hidden")
    text = (await admin.get("/api/auth/users")).text + (await admin.get("/api/auth/me")).text
    assert "$argon2" not in text and "password_hash" not in text
