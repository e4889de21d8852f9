"""Real answers of the audit and security routes validate against their declared models."""

from __future__ import annotations

import time

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.audit.schemas import AuditPage, ChainCheck, SecurityAuditOut, SecurityScanOut
from mission_control.db.tables import audit_log
from mission_control.security.audit import purge_before
from mission_control.security.security_events import record_security_event
from tests.audit.conftest import AddRow
from tests.conftest import AppHarness
from tests.shapes import assert_shape


async def test_audit_log_and_chain(
    harness: AppHarness, admin: httpx.AsyncClient, add_audit_row: AddRow
) -> None:
    now = int(time.time())
    await add_audit_row("ancient", now=now - 400 * 86400)
    await add_audit_row("widget_poke", target_type="widget", target_id=7, detail={"n": 1})
    page = assert_shape(await admin.get("/api/audit"), AuditPage)
    assert page["events"]
    assert assert_shape(await admin.get("/api/audit/verify"), ChainCheck)["checkpoint"] is None

    await harness.rt.db.write(purge_before, now - 365 * 86400)
    kept = assert_shape(await admin.get("/api/audit/verify"), ChainCheck)
    assert kept["ok"] is True and kept["checkpoint"] is not None

    def tamper(conn: Connection) -> None:
        conn.execute(
            sa.update(audit_log).where(audit_log.c.action == "widget_poke").values(actor="x")
        )

    await harness.rt.db.write(tamper)
    broken = assert_shape(await admin.get("/api/audit/verify"), ChainCheck)
    assert broken["ok"] is False and broken["broken_at"] and broken["reason"]


async def test_security_audit_and_scan(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    refused = await harness.new_client().post(
        "/api/auth/login", json={"username": "root-admin", "password": "wrong password"}
    )
    assert refused.status_code == 401

    def record(conn: Connection) -> None:
        for _ in range(3):
            record_security_event(conn, "csrf_denied", ip="203.0.113.9", agent_name="bot")

    await harness.rt.db.write(record)
    for timeframe in ("hour", "month"):
        answer = await admin.get(f"/api/security-audit?timeframe={timeframe}")
        overview = assert_shape(answer, SecurityAuditOut)
        assert overview["top_ips"] and overview["recent"] and overview["posture"]["reasons"]
        assert overview["failed_logins"]["total"] == 1
    scan = assert_shape(await admin.get("/api/security-scan"), SecurityScanOut)
    assert scan["items"] and set(scan["summary"]) == {"pass", "warn", "fail"}
