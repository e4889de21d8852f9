"""An audit row is written in the same transaction as the change it records: neither is
kept without the other."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import audit_log, users
from mission_control.security import audit as audit_module
from mission_control.users import service as users_service
from tests.conftest import PASSWORD, AppHarness


class AuditStoreDown(RuntimeError):
    pass


def _rows(conn: Connection, username: str) -> tuple[int, int]:
    """(users named `username`, user_create audit rows about that name)."""
    made = conn.execute(
        sa.select(sa.func.count()).select_from(users).where(users.c.username == username)
    ).scalar_one()
    audited = sum(
        1
        for detail in conn.execute(
            sa.select(audit_log.c.detail).where(audit_log.c.action == "user_create")
        ).scalars()
        if isinstance(detail, dict) and detail.get("username") == username
    )
    return int(made), audited


async def _create(admin: httpx.AsyncClient, username: str) -> httpx.Response:
    return await admin.post(
        "/api/auth/users", json={"username": username, "password": PASSWORD, "role": "viewer"}
    )


async def test_a_failing_audit_write_leaves_no_user(
    harness: AppHarness, admin: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_audit(*_args: Any, **_kwargs: Any) -> None:
        raise AuditStoreDown("audit log unavailable")

    monkeypatch.setattr(users_service, "audit", broken_audit)
    refused = await _create(admin, "unrecorded")
    assert refused.status_code == 500
    assert await harness.rt.db.read(_rows, "unrecorded") == (0, 0)


async def test_a_change_that_fails_after_its_audit_row_leaves_neither(
    harness: AppHarness, admin: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def audit_then_fail(conn: Connection, *args: Any, **kwargs: Any) -> None:
        audit_module.audit(conn, *args, **kwargs)
        assert _rows(conn, "half-done") == (1, 1)  # both were written, in this transaction
        raise AuditStoreDown("the change failed after its audit row")

    monkeypatch.setattr(users_service, "audit", audit_then_fail)
    refused = await _create(admin, "half-done")
    assert refused.status_code == 500
    assert await harness.rt.db.read(_rows, "half-done") == (0, 0)


async def test_a_refused_change_writes_no_audit_row(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    assert (await _create(admin, "twin")).status_code == 201
    duplicate = await _create(admin, "twin")
    assert duplicate.status_code == 409
    assert await harness.rt.db.read(_rows, "twin") == (1, 1)
    verified = await admin.get("/api/audit/verify")
    assert verified.status_code == 200 and verified.json()["ok"] is True
