"""GET/POST /api/cleanup and the retention job: old rows go, the audit chain survives."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from mission_control.db.tables import (
    activities,
    agents,
    audit_log,
    connections,
    events,
    notifications,
    pipeline_runs,
    security_events,
    token_usage,
    user_sessions,
    webhook_deliveries,
    webhooks,
    workflow_pipelines,
)
from mission_control.security.audit import verify_chain, write_audit
from mission_control.webhooks.queue import LEASE_SECONDS
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


def _seed_deliveries(conn: Any, now: int) -> dict[str, int]:
    """Deliveries of a webhook whose circuit is open (so no sender touches them), by name."""
    old, fresh = now - 400 * DAY, now - 2 * DAY
    hook = conn.execute(
        sa.insert(webhooks).values(
            name="h",
            url="https://example.com/h",
            events=["*"],
            enabled=False,
            created_at=old,
            updated_at=old,
        )
    ).inserted_primary_key[0]
    ids: dict[str, int] = {}

    def add(name: str, state: str, created: int, **extra: Any) -> None:
        ids[name] = conn.execute(
            sa.insert(webhook_deliveries).values(
                webhook_id=hook,
                delivery_uid=f"uid-{name}",
                event_type="task.created",
                payload="{}",
                state=state,
                created_at=created,
                **extra,
            )
        ).inserted_primary_key[0]

    add("old_sent", "success", old)
    add("old_given_up", "failed", old)
    add("old_cancelled", "cancelled", old)
    add("old_failed_retry_waits", "failed", old, next_retry_at=now + 60)
    add(
        "old_retry_waiting",
        "pending",
        old,
        attempt=2,
        is_retry=True,
        parent_delivery_id=ids["old_failed_retry_waits"],
        next_retry_at=now + 60,
    )
    add("old_in_flight", "sending", old, next_retry_at=now + LEASE_SECONDS)
    add("fresh_sent", "success", fresh)
    add("fresh_given_up", "failed", fresh)
    add("fresh_pending", "pending", fresh, next_retry_at=now + 60)
    return ids


async def _delivery_ids(harness: AppHarness) -> set[int]:
    return set(
        await harness.rt.db.read(
            lambda c: list(c.execute(sa.select(webhook_deliveries.c.id)).scalars())
        )
    )


async def test_settled_webhook_deliveries_go_open_ones_stay(
    harness: AppHarness, admin: Any
) -> None:
    ids = await harness.rt.db.write(_seed_deliveries, int(time.time()))
    removable = {ids[n] for n in ("old_sent", "old_given_up", "old_cancelled")}
    everything = await _delivery_ids(harness)
    assert everything == set(ids.values())

    preview = {r["table"]: r for r in (await admin.get("/api/cleanup")).json()["results"]}
    dry = await admin.post("/api/cleanup", json={"dry_run": True})
    dry_rows = {r["table"]: r for r in dry.json()["results"]}
    assert preview["webhook_deliveries"]["deleted"] == len(removable)
    assert dry_rows["webhook_deliveries"] == preview["webhook_deliveries"]
    assert preview["webhook_deliveries"]["retention_days"] == 30
    assert await _delivery_ids(harness) == everything  # the dry runs deleted nothing

    done = (await admin.post("/api/cleanup", json={})).json()
    result = {r["table"]: r for r in done["results"]}
    assert result["webhook_deliveries"]["deleted"] == len(removable)
    assert await _delivery_ids(harness) == everything - removable
    again = (await admin.get("/api/cleanup")).json()["results"]
    assert {r["table"]: r["deleted"] for r in again}["webhook_deliveries"] == 0

    detail = await harness.rt.db.read(
        lambda c: c.execute(
            sa.select(audit_log.c.detail, audit_log.c.actor)
            .where(audit_log.c.action == "data_cleanup")
            .order_by(audit_log.c.id.desc())
        ).first()
    )
    assert detail is not None
    assert detail.detail["tables"]["webhook_deliveries"] == len(removable)
    assert detail.detail["total_deleted"] == done["total_deleted"]
    # Only the real run is audited, never a preview.
    runs = await harness.rt.db.read(
        lambda c: c.execute(
            sa.select(sa.func.count())
            .select_from(audit_log)
            .where(audit_log.c.action == "data_cleanup")
        ).scalar()
    )
    assert runs == 1


def _seed_connections(conn: Any, now: int) -> dict[str, int]:
    old = now - 400 * DAY
    agent = conn.execute(
        sa.insert(agents).values(name="bot", role="dev", created_at=old, updated_at=old)
    ).inserted_primary_key[0]
    ids: dict[str, int] = {}
    for name, status, created, closed in (
        ("old_closed", "disconnected", old, old + 60),
        ("old_still_open", "connected", old, None),
        ("old_closed_lately", "disconnected", old, now - DAY),
        ("fresh_closed", "disconnected", now - 2 * DAY, now - DAY),
    ):
        ids[name] = conn.execute(
            sa.insert(connections).values(
                connection_id=f"c-{name}",
                agent_id=agent,
                agent_name="bot",
                tool_name="cli",
                status=status,
                created_at=created,
                disconnected_at=closed,
            )
        ).inserted_primary_key[0]
    return ids


async def test_closed_connections_go_after_their_retention(harness: AppHarness, admin: Any) -> None:
    ids = await harness.rt.db.write(_seed_connections, int(time.time()))

    def remaining(conn: Any) -> set[int]:
        return set(conn.execute(sa.select(connections.c.id)).scalars())

    preview = {r["table"]: r for r in (await admin.get("/api/cleanup")).json()["results"]}
    assert preview["connections"]["deleted"] == 1
    assert preview["connections"]["retention_days"] == 30
    assert await harness.rt.db.read(remaining) == set(ids.values())
    done = {r["table"]: r for r in (await admin.post("/api/cleanup", json={})).json()["results"]}
    assert done["connections"]["deleted"] == 1
    assert await harness.rt.db.read(remaining) == set(ids.values()) - {ids["old_closed"]}


async def test_new_retentions_default_from_the_environment_and_zero_keeps(
    harness_factory: Any,
) -> None:
    async with harness_factory(retain_webhook_deliveries_days=500, retain_connections_days=7) as h:
        admin = await h.login_client("keeper", "admin")
        ids = await h.rt.db.write(_seed_deliveries, int(time.time()))
        settings = {s["key"]: s for s in (await admin.get("/api/settings")).json()["settings"]}
        assert settings["retention.webhook_deliveries_days"]["value"] == "500"
        assert settings["retention.connections_days"]["value"] == "7"
        rows = {r["table"]: r for r in (await admin.get("/api/cleanup")).json()["results"]}
        assert rows["webhook_deliveries"]["deleted"] == 0  # 400 days is within 500
        assert rows["connections"]["retention_days"] == 7

        put = await admin.put(
            "/api/settings", json={"settings": {"retention.webhook_deliveries_days": 1}}
        )
        assert put.status_code == 200, put.text
        rows = {r["table"]: r for r in (await admin.get("/api/cleanup")).json()["results"]}
        assert rows["webhook_deliveries"]["deleted"] == 5  # the fresh settled ones too

        await admin.put(
            "/api/settings", json={"settings": {"retention.webhook_deliveries_days": 0}}
        )
        done = {
            r["table"]: r for r in (await admin.post("/api/cleanup", json={})).json()["results"]
        }
        assert done["webhook_deliveries"] == {
            "table": "webhook_deliveries",
            "deleted": 0,
            "retention_days": 0,
            "cutoff_date": None,
        }
        assert await _delivery_ids(h) == set(ids.values())
        await admin.aclose()
