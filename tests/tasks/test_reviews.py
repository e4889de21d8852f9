"""The Aegis review gate and the quality-review API."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from mission_control.db.tables import quality_reviews, tasks
from mission_control.tasks.schemas import LatestReviews, ReviewList
from tests.conftest import AppHarness
from tests.shapes import assert_shape
from tests.tasks.conftest import agent_key_client, count, fetch, second_workspace_client

GATE = {"error": "Aegis approval is required to move task to done."}


async def _task(client: httpx.AsyncClient, **fields: object) -> dict[str, object]:
    response = await client.post("/api/tasks", json={"title": "work", **fields})
    assert response.status_code == 201, response.text
    task: dict[str, object] = response.json()["task"]
    return task


async def test_done_needs_aegis_approval(harness: AppHarness, ops: httpx.AsyncClient) -> None:
    task = await _task(ops, status="review")
    url = f"/api/tasks/{task['id']}"
    refused = await ops.put(url, json={"status": "done"})
    assert refused.status_code == 403 and refused.json() == GATE
    assert (await ops.get(url)).json()["task"]["status"] == "review"
    # An approval by someone other than aegis does not open the gate.
    await ops.post(
        "/api/quality-review", json={"taskId": task["id"], "status": "approved", "notes": "ok"}
    )
    await ops.put(url, json={"status": "review"})
    assert (await ops.put(url, json={"status": "done"})).status_code == 403

    # The reviewing agent works across everyone's tasks, so its key has the admin scope.
    aegis = await agent_key_client(harness, "aegis", ["admin"])
    verdict = await aegis.post(
        "/api/quality-review",
        json={"taskId": task["id"], "status": "rejected", "notes": "tests fail"},
    )
    assert verdict.status_code == 200
    rejected = (await ops.get(url)).json()["task"]
    assert rejected["status"] == "in_progress" and rejected["error_message"] == "tests fail"
    assert (await ops.put(url, json={"status": "done"})).status_code == 403

    approved = await aegis.post(
        "/api/quality-review", json={"taskId": task["id"], "status": "approved", "notes": "lgtm"}
    )
    assert approved.status_code == 200 and approved.json()["success"] is True
    done = (await ops.get(url)).json()["task"]
    assert done["status"] == "done" and isinstance(done["completed_at"], int)
    await ops.put(url, json={"status": "review"})
    assert (await ops.get(url)).json()["task"]["completed_at"] is None
    again = await ops.put(url, json={"status": "done"})
    assert again.status_code == 200 and again.json()["task"]["status"] == "done"
    assert isinstance(again.json()["task"]["completed_at"], int)
    await aegis.aclose()


async def test_bulk_is_all_or_nothing_under_the_gate(
    harness: AppHarness, ops: httpx.AsyncClient
) -> None:
    first = await _task(ops)
    second = await _task(ops)
    moves = {
        "tasks": [{"id": first["id"], "status": "review"}, {"id": second["id"], "status": "done"}]
    }
    refused = await ops.put("/api/tasks", json=moves)
    assert refused.status_code == 403 and refused.json() == GATE
    statuses = await fetch(harness, sa.select(tasks.c.status).order_by(tasks.c.id))
    assert [row["status"] for row in statuses] == ["inbox", "inbox"]
    missing = await ops.put(
        "/api/tasks",
        json={"tasks": [{"id": first["id"], "status": "review"}, {"id": 999, "status": "review"}]},
    )
    assert missing.status_code == 404
    assert (await ops.get(f"/api/tasks/{first['id']}")).json()["task"]["status"] == "inbox"
    ok = await ops.put(
        "/api/tasks",
        json={
            "tasks": [
                {"id": first["id"], "status": "review"},
                {"id": second["id"], "status": "failed"},
            ]
        },
    )
    assert ok.status_code == 200 and ok.json() == {"success": True, "updated": 2}
    assert (await ops.get(f"/api/tasks/{second['id']}")).json()["task"]["status"] == "failed"


async def test_bulk_validation(ops: httpx.AsyncClient) -> None:
    for body in (
        {"tasks": []},
        {"tasks": [{"id": 1, "status": "nope"}]},
        {"tasks": [{"id": 1, "status": "review"}] * 101},
        {"tasks": "x"},
        {},
    ):
        response = await ops.put("/api/tasks", json=body)
        assert response.status_code == 400, body


async def test_review_api(
    harness: AppHarness, ops: httpx.AsyncClient, viewer: httpx.AsyncClient
) -> None:
    one = await _task(ops)
    two = await _task(ops)
    first = await ops.post(
        "/api/quality-review", json={"taskId": one["id"], "status": "rejected", "notes": "no"}
    )
    second = await ops.post(
        "/api/quality-review", json={"taskId": one["id"], "status": "approved", "notes": "yes"}
    )
    assert first.status_code == 200 and second.json()["id"] > first.json()["id"]
    reviews = (await viewer.get(f"/api/quality-review?taskId={one['id']}")).json()["reviews"]
    assert [r["status"] for r in reviews] == ["approved", "rejected"]
    assert reviews[0]["reviewer"] == "Ops Person" and reviews[0]["notes"] == "yes"
    latest = (await viewer.get(f"/api/quality-review?taskIds={one['id']},{two['id']}")).json()[
        "latest"
    ]
    assert latest[str(two["id"])] is None
    assert latest[str(one["id"])]["status"] == "approved"
    assert set(latest[str(one["id"])]) == {"status", "reviewer", "created_at"}
    neither = await viewer.get("/api/quality-review")
    assert neither.status_code == 400
    assert (await viewer.get("/api/quality-review?taskIds=1,x")).status_code == 400
    assert (await viewer.get("/api/quality-review?taskId=777")).status_code == 404
    unknown = await ops.post(
        "/api/quality-review", json={"taskId": 777, "status": "approved", "notes": "x"}
    )
    assert unknown.status_code == 404 and unknown.json() == {"error": "Task not found"}
    for body in (
        {"taskId": one["id"], "status": "maybe", "notes": "x"},
        {"taskId": one["id"], "status": "approved"},
        {"status": "approved", "notes": "x"},
    ):
        assert (await ops.post("/api/quality-review", json=body)).status_code == 400
    denied = await viewer.post(
        "/api/quality-review", json={"taskId": one["id"], "status": "approved", "notes": "x"}
    )
    assert denied.status_code == 403
    assert await count(harness, quality_reviews) == 2


async def test_reviewer_is_the_actor_not_the_body(
    harness: AppHarness, ops: httpx.AsyncClient
) -> None:
    task = await _task(ops, status="review")
    await ops.post(
        "/api/quality-review",
        json={"taskId": task["id"], "reviewer": "aegis", "status": "approved", "notes": "forged"},
    )
    rows = await fetch(harness, sa.select(quality_reviews.c.reviewer))
    assert [row["reviewer"] for row in rows] == ["Ops Person"]
    await ops.put(f"/api/tasks/{task['id']}", json={"status": "review"})
    assert (await ops.put(f"/api/tasks/{task['id']}", json={"status": "done"})).status_code == 403
    # The document does not promise what the server refuses.
    schemas = (await ops.get("/api/docs")).json()["components"]["schemas"]
    assert "ignored" in schemas["ReviewCreate"]["properties"]["reviewer"]["description"]


async def test_reviews_of_other_workspace_are_404(
    harness: AppHarness, ops: httpx.AsyncClient
) -> None:
    task = await _task(ops)
    _ws, outsider = await second_workspace_client(harness)
    assert (await outsider.get(f"/api/quality-review?taskId={task['id']}")).status_code == 404
    post = await outsider.post(
        "/api/quality-review", json={"taskId": task["id"], "status": "approved", "notes": "x"}
    )
    assert post.status_code == 404
    latest = (await outsider.get(f"/api/quality-review?taskIds={task['id']}")).json()["latest"]
    assert latest == {str(task["id"]): None}
    await outsider.aclose()


async def test_both_read_shapes_match_their_models(ops: httpx.AsyncClient) -> None:
    reviewed = await _task(ops, status="review")
    unreviewed = await _task(ops)
    for verdict in ("rejected", "approved"):
        body = {"taskId": reviewed["id"], "status": verdict, "notes": verdict}
        assert (await ops.post("/api/quality-review", json=body)).status_code == 200
    reviews = await ops.get(f"/api/quality-review?taskId={reviewed['id']}")
    assert len(assert_shape(reviews, ReviewList)["reviews"]) == 2
    ids = f"{reviewed['id']},{unreviewed['id']}"
    latest = assert_shape(await ops.get(f"/api/quality-review?taskIds={ids}"), LatestReviews)
    assert latest["latest"][str(reviewed["id"])]["status"] == "approved"
    assert latest["latest"][str(unreviewed["id"])] is None
