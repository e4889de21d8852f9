"""The audit hash chain stays one unbroken chain when two server processes on the same
database write audit rows at the same moment."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import sqlalchemy as sa

from mission_control.db.tables import audit_log
from tests.conftest import PASSWORD, TEST_API_KEY
from tests.security.conftest import ServerFactory

pytestmark = pytest.mark.server

FAILED_LOGINS = 16  # per server
NEW_USERS = 6  # per server: under the per-actor identity limit


async def _fail_login(client: httpx.AsyncClient, n: int) -> int:
    # Each from its own forwarded address, so the login throttle lets every one be recorded.
    response = await client.post(
        "/api/auth/login",
        json={"username": f"intruder{n}", "password": "not-the-password-1"},
        headers={"x-forwarded-for": f"198.51.100.{n % 250 + 1}"},
    )
    return response.status_code


async def _create_user(client: httpx.AsyncClient, name: str) -> int:
    response = await client.post(
        "/api/auth/users", json={"username": name, "password": PASSWORD, "role": "viewer"}
    )
    return response.status_code


async def test_two_processes_writing_audit_rows_at_once_keep_one_chain(
    server_factory: ServerFactory, db_engine: sa.Engine
) -> None:
    env = {
        "API_KEY": TEST_API_KEY,
        "AUTH_USER": "chief",
        "AUTH_PASS": PASSWORD,
        "MC_TRUSTED_PROXIES": "127.0.0.1",
    }
    servers = [server_factory(**env), server_factory(**env)]
    anonymous = [s.client() for s in servers]
    keyed = [s.client(headers={"x-api-key": TEST_API_KEY}) for s in servers]
    try:
        logins = [_fail_login(anonymous[n % 2], n) for n in range(FAILED_LOGINS * 2)]
        creations = [_create_user(keyed[n % 2], f"member{n}") for n in range(NEW_USERS * 2)]
        statuses = await asyncio.gather(*logins, *creations)
        verified = await keyed[0].get("/api/audit/verify")
    finally:
        for client in anonymous + keyed:
            await client.aclose()
    assert statuses == [401] * (FAILED_LOGINS * 2) + [201] * (NEW_USERS * 2)
    with db_engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit_log.c.action, audit_log.c.prev_hash, audit_log.c.hash).order_by(
                audit_log.c.id
            )
        ).all()
    written = [r.action for r in rows]
    assert written.count("login_failed") == FAILED_LOGINS * 2
    assert written.count("user_create") == NEW_USERS * 2
    # One chain: every row links to the one before it, so no two rows share a predecessor.
    assert len({r.prev_hash for r in rows}) == len(rows)
    assert verified.status_code == 200, verified.text
    assert verified.json()["ok"] is True, verified.json()
    assert verified.json()["checked"] == len(rows)
