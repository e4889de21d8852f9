"""Two bulk moves of the same tasks listed in opposite orders both succeed on PostgreSQL:
tasks are written in id order, so neither can hold one task while waiting for the other's."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import AppHarness
from tests.interleave import paused_after_first

pytestmark = pytest.mark.anyio


async def test_opposite_bulk_moves_do_not_deadlock(
    db_kind: str, harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    """Each move holds its first task, then both go on: written in the order listed, each
    would wait for the other's task (and the audit chain's lock) and one would fail."""
    if db_kind != "postgres":
        pytest.skip("SQLite has one writer at a time: nothing to interleave")
    ids = []
    for title in ("first", "second"):
        created = await operator.post("/api/tasks", json={"title": title})
        assert created.status_code == 201, created.text
        ids.append(created.json()["task"]["id"])
    a, b = ids

    async def move(order: list[int], status: str) -> Any:
        body = {"tasks": [{"id": task_id, "status": status} for task_id in order]}
        return await operator.put("/api/tasks", json=body)

    with paused_after_first(harness.rt.db.engine, "UPDATE tasks"):
        answers = await asyncio.gather(move([a, b], "in_progress"), move([b, a], "review"))
    assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
    listed = (await operator.get("/api/tasks")).json()["tasks"]
    statuses = {t["status"] for t in listed if t["id"] in ids}
    assert len(statuses) == 1  # all or nothing: both tasks end with the later move's status
