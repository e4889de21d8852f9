"""A transaction PostgreSQL aborts for another (a deadlock) answers 503 saying to retry,
not that the database is down."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from mission_control.db.tables import tasks
from mission_control.errors import ServiceUnavailable
from tests.conftest import AppHarness
from tests.interleave import paused_after_first

pytestmark = pytest.mark.anyio


async def test_a_deadlock_is_reported_as_a_conflict(
    db_kind: str, harness: AppHarness, operator: Any
) -> None:
    if db_kind != "postgres":
        pytest.skip("SQLite has one writer at a time: nothing to interleave")
    ids = []
    for title in ("first", "second"):
        created = await operator.post("/api/tasks", json={"title": title})
        ids.append(created.json()["task"]["id"])
    db = harness.rt.db
    errors: list[Exception] = []

    def touch_in_order(order: list[int]) -> None:
        def run(conn: Any) -> None:
            for task_id in order:
                conn.execute(sa.update(tasks).where(tasks.c.id == task_id).values(title="x"))

        try:
            db.write_sync(run)
        except Exception as exc:  # reported by the assertions below
            errors.append(exc)

    with paused_after_first(db.engine, "UPDATE tasks"):
        threads = [
            threading.Thread(target=touch_in_order, args=(order,)) for order in (ids, ids[::-1])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert len(errors) == 1 and isinstance(errors[0], ServiceUnavailable)
    assert errors[0].message == "Database busy: the request conflicted with another; retry it"
