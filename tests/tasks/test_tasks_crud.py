"""Creating, listing, reading, changing and deleting tasks through the real app."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from mission_control.db.tables import activities, events, projects, tasks
from tests.conftest import AppHarness
from tests.tasks.conftest import count, fetch, second_workspace_client


async def test_create_defaults_and_shape(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    response = await ops.post("/api/tasks", json={"title": "Write docs", "created_by": "mallory"})
    assert response.status_code == 201, response.text
    task = response.json()["task"]
    assert task["status"] == "inbox" and task["priority"] == "medium"
    assert task["created_by"] == "Ops Person"
    assert task["project_id"] == 1 and task["project_name"] and task["project_prefix"] == "TASK"
    assert task["ticket_ref"] == "TASK-001" and task["project_ticket_no"] == 1
    assert task["tags"] == [] and task["metadata"] == {} and task["comment_count"] == 0
    assert isinstance(task["created_at"], int) and task["completed_at"] is None
    second = (await ops.post("/api/tasks", json={"title": "Second"})).json()["task"]
    assert second["ticket_ref"] == "TASK-002"
    counter = await fetch(harness, sa.select(projects.c.ticket_counter).where(projects.c.id == 1))
    assert counter[0]["ticket_counter"] == 2


async def test_create_echoes_outcome_fields_and_done(ops: httpx.AsyncClient) -> None:
    body = {
        "title": "Finished elsewhere",
        "status": "done",
        "priority": "high",
        "tags": ["a", "b"],
        "metadata": {"k": {"nested": 1}},
        "outcome": "success",
        "feedback_rating": 5,
        "feedback_notes": "great",
        "retry_count": 2,
        "error_message": "flaky once",
        "resolution": "merged",
        "due_date": 1_900_000_000,
        "estimated_hours": 1.5,
    }
    task = (await ops.post("/api/tasks", json=body)).json()["task"]
    for key in ("outcome", "feedback_rating", "feedback_notes", "retry_count", "error_message"):
        assert task[key] == body[key]
    assert task["resolution"] == "merged" and task["tags"] == ["a", "b"]
    assert task["metadata"] == {"k": {"nested": 1}} and task["due_date"] == 1_900_000_000
    assert task["status"] == "done" and isinstance(task["completed_at"], int)


async def test_created_done_activity_says_so(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    task = (await ops.post("/api/tasks", json={"title": "Old", "status": "done"})).json()["task"]
    rows = await fetch(
        harness,
        sa.select(activities).where(
            activities.c.entity_id == task["id"], activities.c.type == "task_created"
        ),
    )
    assert len(rows) == 1 and "already done" in rows[0]["description"]
    assert rows[0]["data"]["created_done"] is True


async def test_inbox_with_assignee_becomes_assigned(ops: httpx.AsyncClient) -> None:
    task = (await ops.post("/api/tasks", json={"title": "x", "assigned_to": "bot"})).json()["task"]
    assert task["status"] == "assigned" and task["assigned_to"] == "bot"


async def test_create_validation(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    bad_bodies = [
        {},
        {"title": ""},
        {"title": "x" * 501},
        {"title": "x", "status": "nope"},
        {"title": "x", "priority": "urgent"},
        {"title": "x", "outcome": "meh"},
        {"title": 5},
        {"title": "x", "tags": "not-a-list"},
        {"title": "x", "metadata": [1]},
        {"title": "x", "due_date": "tomorrow"},
        {"title": "x", "feedback_rating": 9},
        {"title": "x", "retry_count": -1},
    ]
    for body in bad_bodies:
        response = await ops.post("/api/tasks", json=body)
        assert response.status_code == 400, body
        assert response.json()["error"] == "Validation failed" and response.json()["details"]
    raw = await ops.post(
        "/api/tasks", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert raw.status_code == 400 and raw.json() == {"error": "Invalid request body"}
    assert await count(harness, tasks) == 0


async def test_create_unknown_project_changes_nothing(
    harness: AppHarness, ops: httpx.AsyncClient
) -> None:
    response = await ops.post("/api/tasks", json={"title": "x", "project_id": 999})
    assert response.status_code == 404 and response.json() == {"error": "Project not found"}
    assert await count(harness, tasks) == 0


async def test_roles(
    harness: AppHarness, viewer: httpx.AsyncClient, ops: httpx.AsyncClient
) -> None:
    created = (await ops.post("/api/tasks", json={"title": "x"})).json()["task"]
    assert (await viewer.get("/api/tasks")).status_code == 200
    assert (await viewer.get(f"/api/tasks/{created['id']}")).status_code == 200
    denied = await viewer.post("/api/tasks", json={"title": "y"})
    assert denied.status_code == 403 and denied.json() == {
        "error": "Requires operator role or higher"
    }
    assert (await viewer.put(f"/api/tasks/{created['id']}", json={"title": "z"})).status_code == 403
    assert (await viewer.delete(f"/api/tasks/{created['id']}")).status_code == 403
    assert (
        await viewer.put("/api/tasks", json={"tasks": [{"id": 1, "status": "review"}]})
    ).status_code == 403
    anon = await harness.new_client().get("/api/tasks")
    assert anon.status_code == 401


async def test_list_filters_paging_and_counts(ops: httpx.AsyncClient) -> None:
    ids = []
    for i in range(5):
        body = {"title": f"t{i}", "priority": "high" if i % 2 else "low"}
        if i == 3:
            body["assigned_to"] = "robo"
        ids.append((await ops.post("/api/tasks", json=body)).json()["task"]["id"])
    await ops.post(f"/api/tasks/{ids[0]}/comments", json={"content": "one"})
    await ops.post(f"/api/tasks/{ids[0]}/comments", json={"content": "two"})
    listing = (await ops.get("/api/tasks")).json()
    assert listing["total"] == 5 and listing["page"] == 1 and listing["limit"] == 50
    assert [t["id"] for t in listing["tasks"]] == sorted(ids, reverse=True)
    by_id = {t["id"]: t for t in listing["tasks"]}
    assert by_id[ids[0]]["comment_count"] == 2 and by_id[ids[1]]["comment_count"] == 0
    assert by_id[ids[0]]["ticket_ref"] == "TASK-001"
    high = (await ops.get("/api/tasks?priority=high")).json()
    assert high["total"] == 2 and {t["priority"] for t in high["tasks"]} == {"high"}
    mine = (await ops.get("/api/tasks?assigned_to=robo")).json()
    assert [t["id"] for t in mine["tasks"]] == [ids[3]]
    assert (await ops.get("/api/tasks?status=assigned")).json()["total"] == 1
    assert (await ops.get("/api/tasks?project_id=1")).json()["total"] == 5
    page = (await ops.get("/api/tasks?limit=2&offset=2")).json()
    assert page["page"] == 2 and page["limit"] == 2 and len(page["tasks"]) == 2
    assert page["total"] == 5
    past = (await ops.get("/api/tasks?limit=2&offset=50")).json()
    assert past["tasks"] == [] and past["total"] == 5
    assert (await ops.get("/api/tasks?limit=-5")).json()["limit"] == 1
    assert (await ops.get("/api/tasks?limit=100000")).json()["limit"] == 200
    assert (await ops.get("/api/tasks?status=weird")).status_code == 400
    assert (await ops.get("/api/tasks?project_id=abc")).status_code == 400
    assert (await ops.get("/api/tasks?limit=abc")).status_code == 400


async def test_get_errors(ops: httpx.AsyncClient) -> None:
    for bad in ("abc", "0", "-1", "1.5", "99999999999"):
        response = await ops.get(f"/api/tasks/{bad}")
        assert response.status_code == 400 and response.json() == {"error": "Invalid task ID"}
    missing = await ops.get("/api/tasks/4242")
    assert missing.status_code == 404 and missing.json() == {"error": "Task not found"}
    assert (await ops.put("/api/tasks/4242", json={"title": "x"})).status_code == 404
    assert (await ops.delete("/api/tasks/4242")).status_code == 404


async def test_partial_update_and_unchanged(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    task = (await ops.post("/api/tasks", json={"title": "x", "description": "d"})).json()["task"]
    url = f"/api/tasks/{task['id']}"
    same = await ops.put(url, json={"title": "x"})
    assert same.status_code == 200 and same.json()["unchanged"] is True
    changed = (await ops.put(url, json={"priority": "critical", "tags": ["q"]})).json()
    assert "unchanged" not in changed
    assert changed["task"]["priority"] == "critical" and changed["task"]["description"] == "d"
    assert changed["task"]["tags"] == ["q"] and changed["task"]["title"] == "x"
    cleared = (await ops.put(url, json={"description": None})).json()["task"]
    assert cleared["description"] is None
    for body in ({"title": None}, {"status": "bogus"}, {"priority": None}, {"title": ""}):
        assert (await ops.put(url, json=body)).status_code == 400, body
    updates = await count(harness, activities, activities.c.type == "task_updated")
    assert updates == 2


async def test_assignee_rules_on_update(ops: httpx.AsyncClient) -> None:
    task = (await ops.post("/api/tasks", json={"title": "x"})).json()["task"]
    url = f"/api/tasks/{task['id']}"
    assigned = (await ops.put(url, json={"assigned_to": "bot"})).json()["task"]
    assert assigned["status"] == "assigned"
    back = (await ops.put(url, json={"assigned_to": None})).json()["task"]
    assert back["status"] == "inbox" and back["assigned_to"] is None
    moved = (await ops.put(url, json={"status": "in_progress", "assigned_to": "bot"})).json()
    assert moved["task"]["status"] == "in_progress"
    kept = (await ops.put(url, json={"assigned_to": None})).json()["task"]
    assert kept["status"] == "in_progress"


async def test_delete(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    task = (await ops.post("/api/tasks", json={"title": "x"})).json()["task"]
    await ops.post(f"/api/tasks/{task['id']}/comments", json={"content": "hi"})
    response = await ops.delete(f"/api/tasks/{task['id']}")
    assert response.status_code == 200 and response.json() == {"success": True}
    assert (await ops.get(f"/api/tasks/{task['id']}")).status_code == 404
    assert await count(harness, activities, activities.c.type == "task_deleted") == 1


async def test_each_mutation_publishes_one_event(
    harness: AppHarness, ops: httpx.AsyncClient
) -> None:
    async def task_events() -> list[str]:
        rows = await fetch(
            harness,
            sa.select(events.c.type).where(events.c.type.like("task.%")).order_by(events.c.id),
        )
        return [row["type"] for row in rows]

    task = (await ops.post("/api/tasks", json={"title": "x"})).json()["task"]
    assert await task_events() == ["task.created"]
    await ops.put(f"/api/tasks/{task['id']}", json={"title": "y"})
    assert await task_events() == ["task.created", "task.updated"]
    await ops.put(f"/api/tasks/{task['id']}", json={"title": "y"})  # unchanged: no event
    await ops.put(f"/api/tasks/{task['id']}", json={"status": "review"})
    assert (await task_events())[2:] == ["task.updated", "task.status_changed"]
    await ops.delete(f"/api/tasks/{task['id']}")
    assert (await task_events())[-1] == "task.deleted" and len(await task_events()) == 5


async def test_other_workspace_is_invisible(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    mine = (await ops.post("/api/tasks", json={"title": "mine"})).json()["task"]
    ws, outsider = await second_workspace_client(harness)
    theirs = (await outsider.post("/api/tasks", json={"title": "theirs"})).json()["task"]
    assert theirs["workspace_id"] == ws and theirs["ticket_ref"] == "OTH-001"
    assert [t["id"] for t in (await outsider.get("/api/tasks")).json()["tasks"]] == [theirs["id"]]
    url = f"/api/tasks/{mine['id']}"
    assert (await outsider.get(url)).status_code == 404
    assert (await outsider.put(url, json={"title": "hijack"})).status_code == 404
    assert (await outsider.delete(url)).status_code == 404
    assert (await outsider.get(f"{url}/comments")).status_code == 404
    assert (await outsider.post(f"{url}/comments", json={"content": "x"})).status_code == 404
    bulk = await outsider.put(
        "/api/tasks", json={"tasks": [{"id": mine["id"], "status": "review"}]}
    )
    assert bulk.status_code == 404
    foreign_project = await ops.post(
        "/api/tasks", json={"title": "x", "project_id": theirs["project_id"]}
    )
    assert foreign_project.status_code == 404
    assert (await ops.get(url)).json()["task"]["title"] == "mine"
    await outsider.aclose()
