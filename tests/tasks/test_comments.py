"""Threaded comments, @mentions, subscriptions and the notifications they cause."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from mission_control.db.tables import comments, notifications, task_subscriptions, tasks
from tests.conftest import AppHarness
from tests.tasks.conftest import count, fetch, make_agent, second_workspace_client


async def _notes(harness: AppHarness) -> list[dict[str, object]]:
    return await fetch(harness, sa.select(notifications).order_by(notifications.c.id))


async def test_threaded_comments(ops: httpx.AsyncClient, viewer: httpx.AsyncClient) -> None:
    task = (await ops.post("/api/tasks", json={"title": "x"})).json()["task"]
    url = f"/api/tasks/{task['id']}/comments"
    root = await ops.post(url, json={"content": "first"})
    assert root.status_code == 201
    comment = root.json()["comment"]
    assert set(comment) == {
        "id",
        "task_id",
        "parent_id",
        "content",
        "author",
        "created_at",
        "mentions",
        "replies",
    }
    assert comment["author"] == "Ops Person" and comment["parent_id"] is None
    assert comment["mentions"] == [] and comment["replies"] == []
    reply = (await ops.post(url, json={"content": "reply", "parent_id": comment["id"]})).json()[
        "comment"
    ]
    await ops.post(url, json={"content": "nested", "parent_id": reply["id"]})
    await ops.post(url, json={"content": "second"})
    listing = (await viewer.get(url)).json()
    assert listing["total"] == 4
    assert [c["content"] for c in listing["comments"]] == ["first", "second"]
    assert listing["comments"][0]["replies"][0]["content"] == "reply"
    assert listing["comments"][0]["replies"][0]["replies"][0]["content"] == "nested"
    assert (await viewer.post(url, json={"content": "x"})).status_code == 403


async def test_comment_errors(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    one = (await ops.post("/api/tasks", json={"title": "one"})).json()["task"]
    two = (await ops.post("/api/tasks", json={"title": "two"})).json()["task"]
    on_two = (await ops.post(f"/api/tasks/{two['id']}/comments", json={"content": "hi"})).json()
    url = f"/api/tasks/{one['id']}/comments"
    cross = await ops.post(url, json={"content": "x", "parent_id": on_two["comment"]["id"]})
    assert cross.status_code == 400
    assert (await ops.post(url, json={"content": "x", "parent_id": 9999})).status_code == 400
    for body in ({"content": ""}, {"content": "   "}, {}, {"content": 5}):
        assert (await ops.post(url, json=body)).status_code == 400, body
    assert (await ops.get("/api/tasks/999/comments")).status_code == 404
    assert (await ops.post("/api/tasks/999/comments", json={"content": "x"})).status_code == 404
    assert (await ops.get("/api/tasks/abc/comments")).status_code == 400
    assert await count(harness, comments) == 1


async def test_unknown_mentions_write_nothing(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    response = await ops.post(
        "/api/tasks", json={"title": "x", "description": "ping @ghost and @nobody"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "Unknown mentions: @ghost, @nobody",
        "missing_mentions": ["ghost", "nobody"],
    }
    assert await count(harness, tasks) == 0
    task = (await ops.post("/api/tasks", json={"title": "x"})).json()["task"]
    bad = await ops.post(f"/api/tasks/{task['id']}/comments", json={"content": "hey @ghost"})
    assert bad.status_code == 400 and bad.json()["missing_mentions"] == ["ghost"]
    changed = await ops.put(
        f"/api/tasks/{task['id']}", json={"description": "@ghost", "title": "new"}
    )
    assert changed.status_code == 400
    assert (await ops.get(f"/api/tasks/{task['id']}")).json()["task"]["title"] == "x"
    assert await count(harness, comments) == 0 and await count(harness, notifications) == 0
    # An e-mail address is not a mention.
    ok = await ops.post("/api/tasks", json={"title": "y", "description": "mail a@ghost.com"})
    assert ok.status_code == 201


async def test_mentions_subscribe_and_notify(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    await make_agent(harness, "Builder")
    await harness.create_user("carol", "viewer")
    created = await ops.post(
        "/api/tasks",
        json={
            "title": "x",
            "description": "for @builder and @Carol, cc @ops",
            "assigned_to": "Builder",
        },
    )
    assert created.status_code == 201, created.text
    task = created.json()["task"]
    notes = await _notes(harness)
    kinds = sorted((n["recipient"], n["type"]) for n in notes)
    # No self-notification for @ops (the creator); assignment and mention both reach Builder.
    assert kinds == [("Builder", "assignment"), ("Builder", "mention"), ("carol", "mention")]
    mention = next(n for n in notes if n["type"] == "mention")
    assert mention["source_type"] == "task" and mention["source_id"] == task["id"]
    subs = await fetch(harness, sa.select(task_subscriptions.c.subscriber))
    assert {row["subscriber"] for row in subs} == {"ops", "Builder", "carol"}

    posted = await ops.post(f"/api/tasks/{task['id']}/comments", json={"content": "@carol look"})
    comment = posted.json()["comment"]
    assert comment["mentions"] == ["carol"]
    fresh = (await _notes(harness))[len(notes) :]
    assert sorted((n["recipient"], n["type"]) for n in fresh) == [
        ("Builder", "comment"),
        ("carol", "mention"),
    ]
    carol_note = next(n for n in fresh if n["recipient"] == "carol")
    assert carol_note["source_type"] == "comment" and carol_note["source_id"] == comment["id"]

    before = len(await _notes(harness))
    await ops.put(f"/api/tasks/{task['id']}", json={"status": "review"})
    status_notes = (await _notes(harness))[before:]
    assert sorted(n["recipient"] for n in status_notes) == ["Builder", "carol"]
    assert {n["type"] for n in status_notes} == {"status_change"}


async def test_mentions_do_not_cross_workspaces(
    harness: AppHarness, ops: httpx.AsyncClient
) -> None:
    _ws, outsider = await second_workspace_client(harness, "stranger")
    response = await ops.post("/api/tasks", json={"title": "x", "description": "hi @stranger"})
    assert response.status_code == 400 and response.json()["missing_mentions"] == ["stranger"]
    await outsider.aclose()
