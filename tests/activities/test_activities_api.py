"""GET /api/activities: filters, paging, stats, roles and workspace isolation."""

from __future__ import annotations

import time
from typing import Any

import httpx
import sqlalchemy as sa

from mission_control.activities.service import log_activity
from mission_control.db.tables import activities
from tests.conftest import AppHarness
from tests.seed_rows import other_workspace_client


async def _log(harness: AppHarness, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "type": "task_created",
        "entity_type": "task",
        "entity_id": 1,
        "actor": "alice",
        "description": "made a thing",
    }
    values.update(fields)
    result: dict[str, Any] = await harness.rt.db.write(lambda c: log_activity(c, **values))
    return result


async def test_lists_newest_first_with_filters(
    harness: AppHarness, viewer: httpx.AsyncClient
) -> None:
    await _log(harness, type="task_created", actor="alice")
    await _log(harness, type="task_updated", actor="bob", entity_type="agent")
    await _log(harness, type="comment_added", actor="alice")
    body = (await viewer.get("/api/activities")).json()
    assert body["total"] == 3 and body["hasMore"] is False
    assert [a["type"] for a in body["activities"]] == [
        "comment_added",
        "task_updated",
        "task_created",
    ]
    assert body["activities"][0]["data"] == {}

    both = (await viewer.get("/api/activities?type=task_created,comment_added")).json()
    assert {a["type"] for a in both["activities"]} == {"task_created", "comment_added"}
    assert (await viewer.get("/api/activities?actor=bob")).json()["total"] == 1
    assert (await viewer.get("/api/activities?entity_type=agent")).json()["total"] == 1


async def test_since_and_paging(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    old = await _log(harness, description="old")
    await harness.rt.db.write(
        lambda c: c.execute(
            sa.update(activities).where(activities.c.id == old["id"]).values(created_at=1000)
        )
    )
    for i in range(4):
        await _log(harness, description=f"new {i}")
    recent = (await viewer.get(f"/api/activities?since={int(time.time()) - 60}")).json()
    assert recent["total"] == 4
    page = (await viewer.get("/api/activities?limit=2&offset=2")).json()
    assert len(page["activities"]) == 2 and page["total"] == 5 and page["hasMore"] is True
    last = (await viewer.get("/api/activities?limit=2&offset=4")).json()
    assert len(last["activities"]) == 1 and last["hasMore"] is False
    assert last["activities"][0]["description"] == "old"


async def test_limits_are_clamped_and_bad_numbers_refused(
    harness: AppHarness, viewer: httpx.AsyncClient
) -> None:
    await _log(harness)
    assert (await viewer.get("/api/activities?limit=100000")).json()["limit"] == 500
    assert (await viewer.get("/api/activities?limit=-5")).json()["limit"] == 1
    bad = await viewer.get("/api/activities?since=yesterday")
    assert bad.status_code == 400 and "since" in bad.json()["error"]
    assert (await viewer.get("/api/activities?limit=abc")).status_code == 400


async def test_stats(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    for actor in ("alice", "alice", "bob"):
        await _log(harness, actor=actor)
    await _log(harness, type="agent_created", actor="alice")
    stats = (await viewer.get("/api/activities?stats=1&hours=24")).json()
    assert stats["total"] == 4
    assert stats["activityByType"][0] == {"type": "task_created", "count": 3}
    assert stats["topActors"][0] == {"actor": "alice", "activity_count": 3}
    assert sum(h["activity_count"] for h in stats["timeline"]) == 4
    assert all(h["hour"] % 3600 == 0 for h in stats["timeline"])
    assert (await viewer.get("/api/activities?stats=1&hours=0")).status_code == 400
    assert (await viewer.get("/api/activities?stats=1&hours=99999")).status_code == 400


async def test_needs_login(harness: AppHarness) -> None:
    response = await harness.client.get("/api/activities")
    assert response.status_code == 401


async def test_other_workspace_rows_are_invisible(
    harness: AppHarness, viewer: httpx.AsyncClient
) -> None:
    client, ws_id = await other_workspace_client(harness, "viewer")
    await _log(harness, description="home")
    await _log(harness, description="away", workspace_id=ws_id)
    home = (await viewer.get("/api/activities")).json()
    assert [a["description"] for a in home["activities"]] == ["home"]
    away = (await client.get("/api/activities")).json()
    assert [a["description"] for a in away["activities"]] == ["away"]
    stats = (await client.get("/api/activities?stats=1")).json()
    assert stats["total"] == 1
    await client.aclose()
