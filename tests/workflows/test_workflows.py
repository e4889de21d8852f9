"""/api/workflows: templates CRUD with the wire answers clients rely on."""

from __future__ import annotations

from typing import Any

from tests.conftest import AppHarness


async def test_crud(harness: AppHarness, operator: Any, viewer: Any) -> None:
    created = await operator.post(
        "/api/workflows", json={"name": "Review PR", "task_prompt": "Review the open PR"}
    )
    assert created.status_code == 201, created.text
    template = created.json()["template"]
    assert template["model"] == "sonnet"
    assert template["timeout_seconds"] == 300 and template["tags"] == []
    assert template["created_by"] == "ops-person"
    listed = (await viewer.get("/api/workflows")).json()["templates"]
    assert [t["id"] for t in listed] == [template["id"]]
    updated = await operator.put(
        "/api/workflows", json={"id": str(template["id"]), "model": "opus", "agent_role": "qa"}
    )
    assert updated.status_code == 200
    assert updated.json()["template"]["model"] == "opus"
    assert updated.json()["template"]["agent_role"] == "qa"
    assert updated.json()["template"]["name"] == "Review PR"
    missing = await operator.put("/api/workflows", json={"id": 9999, "name": "x"})
    assert missing.status_code == 404
    deleted = await operator.request("DELETE", "/api/workflows", json={"id": template["id"]})
    assert deleted.status_code == 200 and deleted.json() == {"success": True}
    assert (await viewer.get("/api/workflows")).json()["templates"] == []
    again = await operator.request("DELETE", "/api/workflows", json={"id": template["id"]})
    assert again.status_code == 404


async def test_bad_input(operator: Any) -> None:
    for body in (
        {"name": "only name"},
        {"task_prompt": "only prompt"},
        {"name": "", "task_prompt": "x"},
        {"name": "x" * 201, "task_prompt": "x"},
        {"name": "n", "task_prompt": "p", "timeout_seconds": 5},
        {"name": "n", "task_prompt": "p", "timeout_seconds": 4000},
        {"name": "n", "task_prompt": "p", "tags": "notalist"},
        {"name": "n", "task_prompt": "p", "tags": ["x" * 101]},
        {"name": "n", "task_prompt": "p", "tags": ["ok"] * 51},
        {"name": "n", "task_prompt": "p", "model": ""},
        {"name": "n", "task_prompt": "x" * 50001},
    ):
        resp = await operator.post("/api/workflows", json=body)
        assert resp.status_code == 400, body
    assert (await operator.get("/api/workflows")).json()["templates"] == []
    none = await operator.request("DELETE", "/api/workflows")
    assert none.status_code == 400 and "body required" in none.json()["error"]
    assert (
        await operator.request("DELETE", "/api/workflows", json={"id": "abc"})
    ).status_code == 400


async def test_roles(harness: AppHarness, viewer: Any) -> None:
    resp = await viewer.post("/api/workflows", json={"name": "n", "task_prompt": "p"})
    assert resp.status_code == 403
    assert (await harness.client.get("/api/workflows")).status_code == 401
