"""GET/POST /api/cleanup and the retention job: old rows go, the audit chain survives."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from mission_control.db.tables import (
    activities,
    audit_log,
    events,
    notifications,
    pipeline_runs,
    security_events,
    token_usage,
    user_sessions,
    workflow_pipelines,
)
from mission_control.security.audit import verify_chain, write_audit
from tests.conftest import AppHarness

DAY = 86400


def _seed(conn: Any, now: int) -> None:
    old, fresh = now - 400 * DAY, now - DAY
    for ts in (old, fresh):
        conn.execute(
            sa.insert(activities).values(
                type="t", entity_type="task", actor="a", description="d", created_at=ts
            )
        )
        conn.execute(
            sa.insert(notifications).values(recipient="r", type="t", title="x", created_at=ts)
        )
        conn.execute(sa.insert(token_usage).values(model="m", session_id="a:cli", created_at=ts))
        conn.execute(sa.insert(security_events).values(event_type="auth_failure", created_at=ts))
        conn.execute(
            sa.insert(events).values(workspace_id=1, type="x", data={}, created_at_ms=ts * 1000)
        )
        write_audit(conn, "login", actor="someone", now=ts)
    pid = conn.execute(
        sa.insert(workflow_pipelines).values(name="p", steps=[], created_at=old, updated_at=old)
    ).inserted_primary_key[0]
    conn.execute(
        sa.insert(pipeline_runs).values(
            pipeline_id=pid, status="completed", steps_snapshot=[], created_at=old
        )
    )
    conn.execute(
        sa.insert(pipeline_runs).values(
            pipeline_id=pid, status="running", steps_snapshot=[], created_at=old
        )
    )
    user_id = conn.execute(sa.text("SELECT min(id) FROM users")).scalar()
    if user_id is not None:
        conn.execute(
            sa.insert(user_sessions).values(
                token_hash="f" * 64,
                user_id=user_id,
                expires_at=now - 10,
                last_seen_at=now - 100,
                created_at=now - 1000,
            )
        )


async def test_preview_then_cleanup(harness: AppHarness, admin: Any) -> None:
    now = int(time.time())
    await harness.rt.db.write(_seed, now)
    preview = await admin.get("/api/cleanup")
    assert preview.status_code == 200
    body = preview.json()
    by_table = {r["table"]: r for r in body["results"]}
    assert body["dry_run"] is True
    for table in ("activities", "notifications", "token_usage", "security_events", "events"):
        assert by_table[table]["deleted"] == 1, table
    assert by_table["pipeline_runs"]["deleted"] == 1  # the running one stays
    assert by_table["audit_log"]["deleted"] == 1
    assert by_table["user_sessions"]["deleted"] == 1
    assert by_table["activities"]["retention_days"] == 90
    assert by_table["activities"]["cutoff_date"].endswith("Z")
    # nothing was deleted by the preview
    dry = (await admin.post("/api/cleanup", json={"dry_run": True})).json()
    assert dry["dry_run"] is True and dry["total_deleted"] == body["total_deleted"]
    count = await harness.rt.db.read(
        lambda c: c.execute(sa.select(sa.func.count()).select_from(activities)).scalar()
    )
    assert count >= 2

    done = await admin.post("/api/cleanup", json={})
    assert done.status_code == 200
    result = done.json()
    assert result["dry_run"] is False
    assert result["total_deleted"] == sum(r["deleted"] for r in result["results"])
    assert result["total_deleted"] >= 9
    again = (await admin.get("/api/cleanup")).json()
    assert again["total_deleted"] == 0
    status = await harness.rt.db.read(verify_chain)
    assert status.ok, status
    actions = await harness.rt.db.read(
        lambda c: list(c.execute(sa.select(audit_log.c.action)).scalars())
    )
    assert "audit_checkpoint" in actions and "data_cleanup" in actions


async def test_retention_comes_from_settings(harness: AppHarness, admin: Any) -> None:
    now = int(time.time())
    await harness.rt.db.write(_seed, now)
    await admin.put(
        "/api/settings",
        json={"settings": {"retention.activities_days": 0, "retention.token_usage_days": 1}},
    )
    body = (await admin.get("/api/cleanup")).json()
    by_table = {r["table"]: r for r in body["results"]}
    assert by_table["activities"] == {
        "table": "activities",
        "deleted": 0,
        "retention_days": 0,
        "cutoff_date": None,
    }
    # the fresh row is a day old, at the edge: cutoff is exactly 1 day, so it is not older
    assert by_table["token_usage"]["retention_days"] == 1


async def test_retention_job_uses_the_same_code(harness: AppHarness, admin: Any) -> None:
    now = int(time.time())
    await harness.rt.db.write(_seed, now)
    run = await admin.post("/api/scheduler", json={"task_id": "retention_cleanup"})
    assert run.status_code == 200
    assert run.json()["result"].startswith("deleted ")
    assert (await admin.get("/api/cleanup")).json()["total_deleted"] == 0


async def test_cleanup_is_admin_only_and_validates(
    harness: AppHarness, operator: Any, admin: Any
) -> None:
    assert (await operator.get("/api/cleanup")).status_code == 403
    assert (await operator.post("/api/cleanup", json={})).status_code == 403
    assert (await admin.post("/api/cleanup", json={"dry_run": "yes"})).status_code == 400
    assert (await admin.post("/api/cleanup", content=b"[1]")).status_code == 400
