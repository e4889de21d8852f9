"""Bad input on the tasks routes: each is a clear 4xx in the one error shape, on SQLite and
PostgreSQL alike, and leaves no row behind (no task, comment, review, activity, event or
notification half-written)."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa

from mission_control.db.tables import (
    activities,
    comments,
    events,
    notifications,
    projects,
    quality_reviews,
    task_subscriptions,
    tasks,
)
from tests.conftest import AppHarness
from tests.refusals import assert_refused
from tests.tasks.conftest import count, fetch, second_workspace_client

HUGE = 10**20  # past any 64-bit column
WRITTEN = (tasks, comments, quality_reviews, activities, events, notifications, task_subscriptions)


async def _snapshot(harness: AppHarness) -> dict[str, Any]:
    """Row counts of everything a task write touches, and the tasks themselves."""
    counts = {table.name: await count(harness, table) for table in WRITTEN}
    rows = await fetch(harness, sa.select(tasks).order_by(tasks.c.id))
    counter = await fetch(harness, sa.select(projects.c.id, projects.c.ticket_counter))
    return {"counts": counts, "tasks": rows, "counters": counter}


async def _refused(
    harness: AppHarness, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> dict[str, Any]:
    return await assert_refused(_snapshot, harness, client, method, url, **kwargs)


async def _task(ops: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    created = await ops.post("/api/tasks", json={"title": "base", **fields})
    assert created.status_code == 201, created.text
    task: dict[str, Any] = created.json()["task"]
    return task


async def test_wrong_types(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    task = await _task(ops)
    url = f"/api/tasks/{task['id']}"
    for body, field in (
        ({"title": ["x"]}, "title"),
        ({"title": "x", "description": {"a": 1}}, "description"),
        ({"title": "x", "project_id": "general"}, "project_id"),
        ({"title": "x", "assigned_to": 7}, "assigned_to"),
        ({"title": "x", "estimated_hours": "an hour"}, "estimated_hours"),
        ({"title": "x", "tags": [1, 2]}, "tags.0"),
        ({"title": "x", "metadata": "k=v"}, "metadata"),
        ({"title": "x", "feedback_rating": "five"}, "feedback_rating"),
    ):
        await _refused(
            harness, ops, "POST", "/api/tasks", json=body, error="Validation failed", detail=field
        )
    for body, field in (
        ({"title": 5}, "title"),
        ({"priority": 5}, "priority"),
        ({"due_date": "soon"}, "due_date"),
        ({"tags": {"a": 1}}, "tags"),
        ({"retry_count": 1.5}, "retry_count"),
    ):
        await _refused(harness, ops, "PUT", url, json=body, error="Validation failed", detail=field)
    await _refused(
        harness, ops, "PUT", "/api/tasks", json={"tasks": {"id": 1}}, error="Validation failed"
    )
    await _refused(
        harness,
        ops,
        "PUT",
        "/api/tasks",
        json={"tasks": [{"id": task["id"], "status": "review"}, {"id": "two", "status": "done"}]},
        error="Validation failed",
        detail="tasks.1.id",
    )
    await _refused(
        harness,
        ops,
        "POST",
        f"{url}/comments",
        json={"content": "x", "parent_id": "first"},
        error="Validation failed",
        detail="parent_id",
    )
    await _refused(
        harness,
        ops,
        "POST",
        "/api/quality-review",
        json={"taskId": "abc", "status": "approved", "notes": "n"},
        error="Validation failed",
        detail="taskId",
    )


async def test_unknown_enum_values(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    task = await _task(ops)
    url = f"/api/tasks/{task['id']}"
    for body, field in (
        ({"title": "x", "status": "DONE"}, "status"),
        ({"title": "x", "priority": "urgent"}, "priority"),
        ({"title": "x", "outcome": "won"}, "outcome"),
    ):
        await _refused(
            harness, ops, "POST", "/api/tasks", json=body, error="Validation failed", detail=field
        )
    await _refused(harness, ops, "PUT", url, json={"status": "closed"}, detail="status")
    await _refused(
        harness,
        ops,
        "PUT",
        "/api/tasks",
        json={"tasks": [{"id": task["id"], "status": "shipped"}]},
        detail="tasks.0.status",
    )
    await _refused(
        harness,
        ops,
        "POST",
        "/api/quality-review",
        json={"taskId": task["id"], "status": "maybe", "notes": "n"},
        detail="status",
    )
    await _refused(
        harness,
        ops,
        "GET",
        "/api/tasks?status=closed",
        error="Invalid status. Expected one of: backlog, inbox, assigned, awaiting_owner, "
        "in_progress, review, quality_review, done, failed",
    )
    await _refused(
        harness,
        ops,
        "GET",
        "/api/tasks?priority=urgent",
        error="Invalid priority. Expected one of: critical, high, medium, low",
    )
    await _refused(
        harness,
        ops,
        "GET",
        "/api/tasks/outcomes?timeframe=year",
        error="Invalid timeframe. Expected day, week, month or all.",
    )
    for capacity in ("0", "21", "abc", "999", str(HUGE)):
        await _refused(
            harness,
            ops,
            "GET",
            f"/api/tasks/queue?agent=bot&max_capacity={capacity}",
            error="Invalid max_capacity. Expected integer 1..20.",
        )


async def test_oversized_strings(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    task = await _task(ops)
    url = f"/api/tasks/{task['id']}"
    for body, field in (
        ({"title": "t" * 501}, "title"),
        ({"title": "x", "description": "d" * 100_001}, "description"),
        ({"title": "x", "assigned_to": "a" * 101}, "assigned_to"),
        ({"title": "x", "tags": ["t" * 101]}, "tags.0"),
        ({"title": "x", "tags": [str(i) for i in range(51)]}, "tags"),
        ({"title": "x", "error_message": "e" * 10_001}, "error_message"),
    ):
        await _refused(
            harness, ops, "POST", "/api/tasks", json=body, error="Validation failed", detail=field
        )
    await _refused(harness, ops, "PUT", url, json={"title": "t" * 501}, detail="title")
    await _refused(
        harness, ops, "POST", f"{url}/comments", json={"content": "c" * 20_001}, detail="content"
    )
    await _refused(
        harness,
        ops,
        "GET",
        "/api/tasks/queue?agent=" + "a" * 101,
        error="Agent name is too long",
    )
    # Unicode up to the limit is fine: the limit counts characters, not bytes.
    fine = await ops.post("/api/tasks", json={"title": "é" * 500, "tags": ["ü" * 100]})
    assert fine.status_code == 201 and fine.json()["task"]["title"] == "é" * 500


async def test_nul_characters_are_refused_everywhere(
    harness: AppHarness, ops: httpx.AsyncClient
) -> None:
    """PostgreSQL text cannot hold NUL: it is a 400 on both databases, never a 500."""
    task = await _task(ops)
    url = f"/api/tasks/{task['id']}"
    for method, path, body, where in (
        ("POST", "/api/tasks", {"title": "a\x00b"}, "title"),
        ("POST", "/api/tasks", {"title": "x", "description": "\x00"}, "description"),
        ("POST", "/api/tasks", {"title": "x", "tags": ["ok", "n\x00"]}, "tags.1"),
        ("POST", "/api/tasks", {"title": "x", "metadata": {"k": ["\x00"]}}, "metadata.k.0"),
        ("PUT", url, {"resolution": "r\x00"}, "resolution"),
        ("POST", f"{url}/comments", {"content": "hi\x00"}, "content"),
        (
            "POST",
            "/api/quality-review",
            {"taskId": task["id"], "status": "rejected", "notes": "\x00"},
            "notes",
        ),
    ):
        await _refused(
            harness,
            ops,
            method,
            path,
            json=body,
            error="Validation failed",
            detail=f"{where} must not contain NUL characters",
        )
    await _refused(
        harness,
        ops,
        "GET",
        "/api/tasks/queue?agent=bot%00",
        error="Agent name must not contain control characters",
    )
    await _refused(
        harness, ops, "GET", "/api/tasks?assigned_to=bot%00x", error="Invalid assigned_to"
    )


async def test_non_numeric_and_out_of_range_ids(
    harness: AppHarness, ops: httpx.AsyncClient
) -> None:
    task = await _task(ops)
    for bad in ("abc", "1e3", "0", "-4", "1.0", "0x10", str(2**31), str(HUGE), "%20"):
        for method, suffix, body in (
            ("GET", "", None),
            ("PUT", "", {"title": "x"}),
            ("DELETE", "", None),
            ("GET", "/comments", None),
            ("POST", "/comments", {"content": "x"}),
        ):
            await _refused(
                harness,
                ops,
                method,
                f"/api/tasks/{bad}{suffix}",
                json=body,
                error="Invalid task ID",
            )
        await _refused(
            harness, ops, "GET", f"/api/quality-review?taskId={bad}", error="Invalid task ID"
        )
    for ids in ("1,abc", f"1,{HUGE}", "-1", ",,"):
        await _refused(
            harness,
            ops,
            "GET",
            f"/api/quality-review?taskIds={ids}",
            error="taskIds must be a comma-separated list of task ids",
        )
    for project in ("abc", "-1", "0", str(HUGE)):
        await _refused(
            harness,
            ops,
            "GET",
            f"/api/tasks?project_id={project}",
            error="project_id must be an integer",
        )
    url = f"/api/tasks/{task['id']}"
    for body, field in (
        ({"title": "x", "project_id": HUGE}, "project_id"),
        ({"title": "x", "due_date": HUGE}, "due_date"),
        ({"title": "x", "due_date": -1}, "due_date"),
        ({"title": "x", "project_id": 0}, "project_id"),
    ):
        await _refused(harness, ops, "POST", "/api/tasks", json=body, detail=field)
    await _refused(harness, ops, "PUT", url, json={"project_id": HUGE}, detail="project_id")
    await _refused(
        harness,
        ops,
        "PUT",
        "/api/tasks",
        json={"tasks": [{"id": HUGE, "status": "review"}]},
        detail="tasks.0.id",
    )
    await _refused(
        harness,
        ops,
        "POST",
        f"{url}/comments",
        json={"content": "x", "parent_id": HUGE},
        detail="parent_id",
    )
    await _refused(
        harness,
        ops,
        "POST",
        "/api/quality-review",
        json={"taskId": HUGE, "status": "approved", "notes": "n"},
        detail="taskId",
    )
    # The largest id a row can have is merely not found.
    missing = await ops.get(f"/api/tasks/{2**31 - 1}")
    assert missing.status_code == 404 and missing.json() == {"error": "Task not found"}


async def test_limits_and_offsets(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    """Limits are clamped to 1..200 and offsets to 0..2^31-1: lists are always capped."""
    for i in range(3):
        await _task(ops, title=f"t{i}")
    tiny = (await ops.get("/api/tasks?limit=-5")).json()
    assert tiny["limit"] == 1 and len(tiny["tasks"]) == 1 and tiny["total"] == 3
    zero = (await ops.get("/api/tasks?limit=0")).json()
    assert zero["limit"] == 1 and len(zero["tasks"]) == 1
    huge = (await ops.get(f"/api/tasks?limit={HUGE}")).json()
    assert huge["limit"] == 200 and len(huge["tasks"]) == 3
    negative = (await ops.get("/api/tasks?offset=-10&limit=2")).json()
    assert [t["title"] for t in negative["tasks"]] == ["t2", "t1"] and negative["page"] == 1
    far = await ops.get(f"/api/tasks?offset={HUGE}")
    assert far.status_code == 200 and far.json()["tasks"] == [] and far.json()["total"] == 3
    for query, message in (
        ("limit=ten", "limit must be an integer"),
        ("limit=1.5", "limit must be an integer"),
        ("offset=x", "offset must be an integer"),
    ):
        await _refused(harness, ops, "GET", f"/api/tasks?{query}", error=message)


async def test_missing_and_malformed_bodies(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    task = await _task(ops)
    url = f"/api/tasks/{task['id']}"
    routes = (
        ("POST", "/api/tasks"),
        ("PUT", url),
        ("PUT", "/api/tasks"),
        ("POST", f"{url}/comments"),
        ("POST", "/api/quality-review"),
    )
    for method, path in routes:
        missing = await _refused(harness, ops, method, path, error="Validation failed")
        assert missing["details"] == ["body: Field required"]
        for raw in (b"{nope", b"title=x", b"\xff\xfe", b'{"title": "x"'):
            await _refused(
                harness,
                ops,
                method,
                path,
                content=raw,
                headers={"content-type": "application/json"},
                error="Invalid request body",
            )
        for not_an_object in ([{"title": "x"}], "title", 42, None):
            await _refused(harness, ops, method, path, json=not_an_object, status=400)
    assert (await ops.get(url)).json()["task"]["title"] == "base"


async def test_unknown_mentions_write_nothing(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    task = await _task(ops)
    url = f"/api/tasks/{task['id']}"
    expected = {"error": "Unknown mentions: @nobody", "missing_mentions": ["nobody"]}
    for method, path, body in (
        ("POST", "/api/tasks", {"title": "x", "description": "cc @nobody"}),
        ("PUT", url, {"description": "cc @nobody", "priority": "high"}),
        ("POST", f"{url}/comments", {"content": "@nobody look"}),
    ):
        answer = await _refused(harness, ops, method, path, json=body)
        assert answer == expected


async def test_parent_comment_of_another_task(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    one = await _task(ops, title="one")
    two = await _task(ops, title="two")
    theirs = await ops.post(f"/api/tasks/{two['id']}/comments", json={"content": "on two"})
    parent = theirs.json()["comment"]["id"]
    body = await _refused(
        harness,
        ops,
        "POST",
        f"/api/tasks/{one['id']}/comments",
        json={"content": "reply", "parent_id": parent},
    )
    assert "parent" in body["error"].lower()
    ok = await ops.post(
        f"/api/tasks/{two['id']}/comments", json={"content": "reply", "parent_id": parent}
    )
    assert ok.status_code == 201 and ok.json()["comment"]["parent_id"] == parent


async def test_project_of_another_workspace(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    mine = await _task(ops, title="mine")
    _ws, outsider = await second_workspace_client(harness)
    foreign = (await outsider.post("/api/tasks", json={"title": "theirs"})).json()["task"]
    project = foreign["project_id"]
    assert project != mine["project_id"]
    not_found = {"error": "Project not found"}
    created = await _refused(
        harness,
        ops,
        "POST",
        "/api/tasks",
        json={"title": "x", "project_id": project},
        status=404,
    )
    assert created == not_found
    moved = await _refused(
        harness,
        ops,
        "PUT",
        f"/api/tasks/{mine['id']}",
        json={"project_id": project, "title": "renamed"},
        status=404,
    )
    assert moved == not_found
    listed = (await ops.get(f"/api/tasks?project_id={project}")).json()
    assert listed["tasks"] == [] and listed["total"] == 0
    await outsider.aclose()


async def test_other_workspace_rows_are_404(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    mine = await _task(ops, title="mine", assigned_to="bot")
    comment = await ops.post(f"/api/tasks/{mine['id']}/comments", json={"content": "c"})
    assert comment.status_code == 201
    _ws, outsider = await second_workspace_client(harness)
    url = f"/api/tasks/{mine['id']}"
    not_found = {"error": "Task not found"}
    for method, path, body in (
        ("GET", url, None),
        ("PUT", url, {"title": "hijack"}),
        ("PUT", url, {"status": "failed"}),
        ("DELETE", url, None),
        ("GET", f"{url}/comments", None),
        ("POST", f"{url}/comments", {"content": "x"}),
        ("GET", f"/api/quality-review?taskId={mine['id']}", None),
        ("POST", "/api/quality-review", {"taskId": mine["id"], "status": "approved", "notes": "n"}),
    ):
        answer = await _refused(harness, outsider, method, path, json=body, status=404)
        assert answer == not_found, (method, path)
    bulk = await _refused(
        harness,
        outsider,
        "PUT",
        "/api/tasks",
        json={"tasks": [{"id": mine["id"], "status": "review"}]},
        status=404,
    )
    assert bulk == not_found
    listed = (await outsider.get("/api/tasks?assigned_to=bot")).json()
    assert listed == {"tasks": [], "total": 0, "page": 1, "limit": 50}
    latest = (await outsider.get(f"/api/quality-review?taskIds={mine['id']}")).json()
    assert latest == {"latest": {str(mine["id"]): None}}
    queue = (await outsider.get("/api/tasks/queue?agent=bot")).json()
    assert queue["task"] is None and queue["reason"] == "no_tasks_available"
    assert (await ops.get(url)).json()["task"]["status"] == "assigned"
    await outsider.aclose()
