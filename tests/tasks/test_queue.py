"""The agents' pull loop: reasons, ordering, capacity, validation and agent-key limits."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from mission_control.db.tables import activities, events
from tests.conftest import AppHarness
from tests.tasks.conftest import agent_key_client, fetch, second_workspace_client

CAPACITY = {"error": "Invalid max_capacity. Expected integer 1..20."}


async def _task(client: httpx.AsyncClient, title: str, **fields: object) -> int:
    response = await client.post("/api/tasks", json={"title": title, **fields})
    assert response.status_code == 201, response.text
    return int(response.json()["task"]["id"])


async def test_claim_order_and_reasons(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    low = await _task(ops, "low", priority="low")
    late = await _task(ops, "high later", priority="high", due_date=2_000_000_000)
    undated = await _task(ops, "high undated", priority="high")
    soon = await _task(ops, "high soon", priority="high", due_date=1_900_000_000)
    crit = await _task(ops, "critical", priority="critical")
    await _task(ops, "someone else's", priority="critical", assigned_to="other-bot")
    await _task(ops, "backlog", priority="critical", status="backlog")

    first = await ops.get("/api/tasks/queue?agent=bot")
    body = first.json()
    assert first.status_code == 200 and body["reason"] == "assigned"
    assert body["agent"] == "bot" and isinstance(body["timestamp"], int)
    assert body["task"]["id"] == crit and body["task"]["status"] == "in_progress"
    assert body["task"]["assigned_to"] == "bot" and body["task"]["ticket_ref"]

    again = (await ops.get("/api/tasks/queue", headers={"X-Agent-Name": "bot"})).json()
    assert again["reason"] == "continue_current" and again["task"]["id"] == crit

    order = []
    for _ in range(4):
        step = (await ops.get("/api/tasks/queue?agent=bot&max_capacity=20")).json()
        assert step["reason"] == "assigned"
        order.append(step["task"]["id"])
    assert order == [soon, late, undated, low]
    empty = (await ops.get("/api/tasks/queue?agent=bot&max_capacity=20")).json()
    assert empty == {**empty, "task": None, "reason": "no_tasks_available"}
    full = (await ops.get("/api/tasks/queue?agent=bot&max_capacity=5")).json()
    assert full["reason"] == "at_capacity" and full["task"]["status"] == "in_progress"

    claims = await fetch(harness, sa.select(activities).where(activities.c.type == "task_claimed"))
    assert len(claims) == 5 and {row["actor"] for row in claims} == {"bot"}
    changed = await fetch(harness, sa.select(events).where(events.c.type == "task.status_changed"))
    assert len(changed) == 5 and changed[0]["data"]["previous_status"] == "inbox"


async def test_assigned_task_is_claimed_by_its_agent_only(ops: httpx.AsyncClient) -> None:
    mine = await _task(ops, "for bot", assigned_to="bot")
    other = (await ops.get("/api/tasks/queue?agent=intruder")).json()
    assert other["reason"] == "no_tasks_available"
    claimed = (await ops.get("/api/tasks/queue?agent=bot")).json()
    assert claimed["task"]["id"] == mine and claimed["reason"] == "assigned"


async def test_queue_validation(ops: httpx.AsyncClient, viewer: httpx.AsyncClient) -> None:
    missing = await ops.get("/api/tasks/queue")
    assert missing.status_code == 400 and "agent" in missing.json()["error"].lower()
    for bad in ("999", "0", "abc", "-1", "21", "1.5"):
        response = await ops.get(f"/api/tasks/queue?agent=bot&max_capacity={bad}")
        assert response.status_code == 400 and response.json() == CAPACITY, bad
    assert (await viewer.get("/api/tasks/queue?agent=bot")).status_code == 403


async def test_agent_key_limits(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    own = await _task(ops, "own", assigned_to="worker")
    foreign = await _task(ops, "foreign", assigned_to="someone")
    worker = await agent_key_client(harness, "worker")
    denied = await worker.get("/api/tasks/queue?agent=someone")
    assert denied.status_code == 403
    assert denied.json() == {"error": "Access denied: agent key may only access its own tasks."}
    spoofed = await worker.get("/api/tasks/queue", headers={"X-Agent-Name": "someone"})
    assert spoofed.status_code == 403
    listing = (await worker.get("/api/tasks")).json()
    assert [t["id"] for t in listing["tasks"]] == [own] and listing["total"] == 1
    assert (await worker.get("/api/tasks?assigned_to=someone")).status_code == 403
    assert (await worker.get(f"/api/tasks/{foreign}")).status_code == 403
    assert (await worker.put(f"/api/tasks/{foreign}", json={"title": "x"})).status_code == 403
    assert (await worker.delete(f"/api/tasks/{foreign}")).status_code == 403
    assert (await worker.get(f"/api/tasks/{foreign}/comments")).status_code == 403
    bulk = await worker.put("/api/tasks", json={"tasks": [{"id": foreign, "status": "review"}]})
    assert bulk.status_code == 403
    assert (await ops.get(f"/api/tasks/{foreign}")).json()["task"]["status"] == "assigned"
    claimed = (await worker.get("/api/tasks/queue?agent=worker")).json()
    assert claimed["task"]["id"] == own
    admin_key = await agent_key_client(harness, "overseer", ["admin"])
    assert (await admin_key.get(f"/api/tasks/{foreign}")).status_code == 200
    assert (await admin_key.get("/api/tasks/queue?agent=someone")).json()["task"]["id"] == foreign
    await worker.aclose()
    await admin_key.aclose()


async def test_queue_stays_in_its_workspace(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    await _task(ops, "home")
    _ws, outsider = await second_workspace_client(harness)
    answer = (await outsider.get("/api/tasks/queue?agent=bot")).json()
    assert answer["reason"] == "no_tasks_available"
    await outsider.aclose()
