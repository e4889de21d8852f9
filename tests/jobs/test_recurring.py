"""Recurring tasks: dated copies at cron slots, in a time zone, once per slot."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from mission_control.db.tables import tasks
from mission_control.jobs.recurring import spawn_due
from mission_control.jobs.spawn import create_task
from tests.conftest import AppHarness


def _ts(text: str, zone: str = "UTC") -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp())


async def _template(h: AppHarness, recurrence: dict[str, Any], created: int) -> int:
    row = await h.rt.db.write(
        create_task,
        title="Standup",
        description="Say what you did",
        created_by="tester",
        priority="high",
        metadata={"recurrence": recurrence, "team": "core"},
        now=created,
    )
    return int(row["id"])


async def _copies(h: AppHarness, parent: int) -> list[dict[str, Any]]:
    def q(conn: Any) -> list[dict[str, Any]]:
        rows = conn.execute(sa.select(tasks).order_by(tasks.c.id)).mappings().all()
        return [
            dict(r) for r in rows if (r["metadata"] or {}).get("recurrence_parent_id") == parent
        ]

    return await h.rt.db.read(q)


async def test_copies_follow_cron_in_time_zone(harness: AppHarness) -> None:
    created = _ts("2026-03-02T08:00", "Europe/Berlin")  # a Monday
    parent = await _template(
        harness,
        {"cron_expr": "30 9 * * 1-5", "enabled": True, "timezone": "Europe/Berlin"},
        created,
    )
    assert await harness.rt.db.write(spawn_due, _ts("2026-03-02T09:29", "Europe/Berlin")) == 0
    assert await harness.rt.db.write(spawn_due, _ts("2026-03-02T09:30", "Europe/Berlin")) == 1
    assert await harness.rt.db.write(spawn_due, _ts("2026-03-02T12:00", "Europe/Berlin")) == 0
    # 09:30 Berlin is 08:30 UTC in March: a UTC reading of the cron would be wrong.
    copies = await _copies(harness, parent)
    assert len(copies) == 1
    copy = copies[0]
    assert copy["title"] == "Standup - 2026-03-02"
    assert copy["metadata"]["recurrence_slot"] == _ts("2026-03-02T08:30")
    assert copy["metadata"]["team"] == "core" and "recurrence" not in copy["metadata"]
    assert copy["priority"] == "high" and copy["status"] == "inbox"
    assert copy["description"] == "Say what you did"
    # Saturday: no slot; the next Monday: one copy (the newest slot only).
    assert await harness.rt.db.write(spawn_due, _ts("2026-03-07T10:00", "Europe/Berlin")) == 1
    assert await harness.rt.db.write(spawn_due, _ts("2026-03-08T10:00", "Europe/Berlin")) == 0
    titles = [c["title"] for c in await _copies(harness, parent)]
    assert titles == ["Standup - 2026-03-02", "Standup - 2026-03-06"]


async def test_day_of_month_and_month_fields(harness: AppHarness) -> None:
    parent = await _template(
        harness, {"cron_expr": "0 6 15 6 *", "enabled": True}, _ts("2026-01-01T00:00")
    )
    assert await harness.rt.db.write(spawn_due, _ts("2026-05-15T07:00")) == 0
    assert await harness.rt.db.write(spawn_due, _ts("2026-06-15T06:00")) == 1
    assert await harness.rt.db.write(spawn_due, _ts("2026-07-15T06:00")) == 0
    assert [c["title"] for c in await _copies(harness, parent)] == ["Standup - 2026-06-15"]


async def test_disabled_or_invalid_recurrence_spawns_nothing(harness: AppHarness) -> None:
    start = _ts("2026-01-01T00:00")
    await _template(harness, {"cron_expr": "* * * * *", "enabled": False}, start)
    await _template(harness, {"cron_expr": "not cron", "enabled": True}, start)
    await _template(harness, {"cron_expr": "* * * * *", "timezone": "Mars/Base"}, start)
    assert await harness.rt.db.write(spawn_due, start + 3600) == 0


async def test_two_instances_never_duplicate_a_slot(
    harness_factory: Callable[..., Any],
) -> None:
    async with (
        harness_factory(scheduler_enabled=False) as h1,
        harness_factory(scheduler_enabled=False) as h2,
    ):
        start = _ts("2026-01-01T00:00")
        parent = await _template(h1, {"cron_expr": "*/5 * * * *", "enabled": True}, start)
        for minute in (5, 10, 15):
            now = start + minute * 60
            counts = await asyncio.gather(
                *(h.rt.db.write(spawn_due, now) for h in (h1, h2, h1, h2))
            )
            assert sum(counts) == 1
        slots = [c["metadata"]["recurrence_slot"] for c in await _copies(h1, parent)]
        assert slots == [start + 300, start + 600, start + 900]


async def test_task_api_refuses_a_cron_that_does_not_parse(operator: Any) -> None:
    for recurrence in (
        {"cron_expr": "61 * * * *"},
        {"cron_expr": "0 9 * *"},
        {"cron_expr": "0 9 * * * *"},
        {"cron_expr": "every day"},
        {"cron_expr": "0 9 * * 1", "timezone": "Mars/Olympus"},
        {"cron_expr": "0 9 * * 1", "enabled": "yes"},
        "0 9 * * 1",
    ):
        resp = await operator.post(
            "/api/tasks", json={"title": "Standup", "metadata": {"recurrence": recurrence}}
        )
        assert resp.status_code == 400, recurrence
        assert "recurrence" in str(resp.json()["details"])
    assert (await operator.get("/api/tasks")).json()["tasks"] == []
    ok = await operator.post(
        "/api/tasks",
        json={
            "title": "Standup",
            "metadata": {"recurrence": {"cron_expr": "30 9 1 */2 *", "timezone": "Asia/Tokyo"}},
        },
    )
    assert ok.status_code == 201, ok.text
    task_id = ok.json()["task"]["id"]
    bad = await operator.put(
        f"/api/tasks/{task_id}", json={"metadata": {"recurrence": {"cron_expr": "x y z"}}}
    )
    assert bad.status_code == 400
    kept = (await operator.get(f"/api/tasks/{task_id}")).json()["task"]["metadata"]
    assert kept["recurrence"]["cron_expr"] == "30 9 1 */2 *"
