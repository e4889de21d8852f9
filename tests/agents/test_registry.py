"""The agent registry: list, create, update by name and by id, delete, hide, isolation."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from mission_control.db.tables import activities, agents, events
from tests.agents.conftest import MakeAgent, MakeTask, rows
from tests.conftest import AppHarness


async def test_create_then_get_by_id_and_name(
    harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    created = await operator.post(
        "/api/agents",
        json={"name": "builder", "role": "any role at all", "config": {"model": "opus"}},
    )
    assert created.status_code == 201, created.text
    agent = created.json()["agent"]
    assert agent["status"] == "offline"
    assert agent["config"] == {"model": "opus"}
    assert agent["role"] == "any role at all"
    by_id = await operator.get(f"/api/agents/{agent['id']}")
    by_name = await operator.get("/api/agents/builder")
    assert by_id.json() == by_name.json() == {"agent": agent}
    acts = await rows(harness, sa.select(activities).where(activities.c.type == "agent_created"))
    assert len(acts) == 1 and acts[0]["actor"] == "ops-person"
    assert acts[0]["entity_id"] == agent["id"]
    types = [e["type"] for e in await rows(harness, sa.select(events))]
    assert "agent.created" in types and "activity.created" in types


async def test_create_validation(harness: AppHarness, operator: httpx.AsyncClient) -> None:
    missing = await operator.post("/api/agents", json={"name": "x"})
    assert missing.status_code == 400
    assert missing.json() == {"error": "Name and role are required"}
    blank = await operator.post("/api/agents", json={"name": "   ", "role": "coder"})
    assert blank.json() == {"error": "Name and role are required"}
    too_long = await operator.post("/api/agents", json={"name": "a" * 101, "role": "coder"})
    assert too_long.status_code == 400 and too_long.json()["error"] == "Validation failed"
    bad_status = await operator.post(
        "/api/agents", json={"name": "a", "role": "coder", "status": "dancing"}
    )
    assert bad_status.status_code == 400 and bad_status.json()["error"] == "Validation failed"
    bad_config = await operator.post(
        "/api/agents", json={"name": "a", "role": "coder", "config": [1, 2]}
    )
    assert bad_config.status_code == 400
    not_json = await operator.post(
        "/api/agents", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400 and not_json.json() == {"error": "Invalid request body"}
    control = await operator.post("/api/agents", json={"name": "a\nb", "role": "coder"})
    assert control.status_code == 400
    assert await rows(harness, sa.select(agents)) == []


async def test_create_duplicate_is_409(operator: httpx.AsyncClient) -> None:
    first = await operator.post("/api/agents", json={"name": "dup", "role": "coder"})
    assert first.status_code == 201
    again = await operator.post("/api/agents", json={"name": "dup", "role": "tester"})
    assert again.status_code == 409 and again.json() == {"error": "Agent name already exists"}


async def test_roles_on_registry(
    harness: AppHarness, viewer: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    assert (await viewer.get("/api/agents")).status_code == 200
    denied = await viewer.post("/api/agents", json={"name": "v", "role": "coder"})
    assert denied.status_code == 403
    assert denied.json() == {"error": "Requires operator role or higher"}
    assert (await viewer.put("/api/agents", json={"name": "v", "role": "x"})).status_code == 403
    created = await operator.post("/api/agents", json={"name": "gone", "role": "coder"})
    agent_id = created.json()["agent"]["id"]
    assert (await viewer.put(f"/api/agents/{agent_id}", json={"role": "x"})).status_code == 403
    not_admin = await operator.delete(f"/api/agents/{agent_id}")
    assert not_admin.status_code == 403
    assert not_admin.json() == {"error": "Requires admin role or higher"}
    anonymous = await harness.new_client().get("/api/agents")
    assert anonymous.status_code == 401


async def test_list_newest_first_with_filters_and_paging(
    operator: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("old", created_at=1000, status="idle", role="coder")
    await make_agent("mid", created_at=2000, status="busy", role="tester")
    await make_agent("new", created_at=3000, status="idle", role="coder", config={"a": 1})
    listed = (await operator.get("/api/agents")).json()
    assert [a["name"] for a in listed["agents"]] == ["new", "mid", "old"]
    assert listed["total"] == 3 and listed["page"] == 1 and listed["limit"] == 50
    assert listed["agents"][0]["config"] == {"a": 1}
    assert listed["agents"][1]["config"] == {}
    idle = (await operator.get("/api/agents?status=idle")).json()
    assert [a["name"] for a in idle["agents"]] == ["new", "old"] and idle["total"] == 2
    testers = (await operator.get("/api/agents?role=tester")).json()
    assert [a["name"] for a in testers["agents"]] == ["mid"]
    page = (await operator.get("/api/agents?limit=1&offset=1")).json()
    assert [a["name"] for a in page["agents"]] == ["mid"]
    assert page["page"] == 2 and page["limit"] == 1 and page["total"] == 3
    huge = (await operator.get("/api/agents?limit=100000")).json()
    assert huge["limit"] == 200
    negative = (await operator.get("/api/agents?limit=-5&offset=-3")).json()
    assert negative["limit"] == 1 and len(negative["agents"]) == 1
    assert (await operator.get("/api/agents?limit=abc")).status_code == 400
    assert (await operator.get("/api/agents?status=dancing")).status_code == 400


async def test_task_stats_in_list(
    operator: httpx.AsyncClient, make_agent: MakeAgent, make_task: MakeTask
) -> None:
    await make_agent("worker")
    await make_agent("idler")
    for status in ("assigned", "assigned", "in_progress", "quality_review", "done", "failed"):
        await make_task(f"t-{status}", status=status, assigned_to="worker")
    await make_task("someone else", status="done", assigned_to="nobody")
    listed = {a["name"]: a for a in (await operator.get("/api/agents")).json()["agents"]}
    assert listed["worker"]["taskStats"] == {
        "total": 6,
        "assigned": 2,
        "in_progress": 1,
        "quality_review": 1,
        "done": 1,
        "completed": 1,
    }
    assert listed["idler"]["taskStats"]["total"] == 0


async def test_put_by_name(
    harness: AppHarness, operator: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("named", config={"keep": True, "model": "a"})
    done = await operator.put(
        "/api/agents",
        json={"name": "named", "status": "busy", "config": {"model": "b"}, "last_activity": "x"},
    )
    assert done.status_code == 200 and done.json() == {"success": True}
    agent = (await operator.get("/api/agents/named")).json()["agent"]
    assert agent["status"] == "busy" and agent["last_activity"] == "x"
    assert agent["config"] == {"keep": True, "model": "b"}
    assert agent["last_seen"] is not None
    missing = await operator.put("/api/agents", json={"name": "ghost", "status": "idle"})
    assert missing.status_code == 404 and missing.json() == {"error": "Agent not found"}
    nothing = await operator.put("/api/agents", json={"name": "named"})
    assert nothing.status_code == 400 and nothing.json() == {"error": "No fields to update"}
    no_name = await operator.put("/api/agents", json={"status": "idle"})
    assert no_name.status_code == 400
    types = [e["type"] for e in await rows(harness, sa.select(events))]
    assert "agent.updated" in types and "agent.status_changed" in types
    status_acts = await rows(
        harness, sa.select(activities).where(activities.c.type == "agent_status_change")
    )
    assert len(status_acts) == 1 and status_acts[0]["data"]["previous_status"] == "offline"


async def test_put_by_id_merges_config(operator: httpx.AsyncClient, make_agent: MakeAgent) -> None:
    agent = await make_agent("merge-me", config={"a": 1, "b": 2})
    updated = await operator.put(
        f"/api/agents/{agent['id']}", json={"role": "reviewer", "config": {"b": 3, "c": 4}}
    )
    assert updated.status_code == 200
    body = updated.json()["agent"]
    assert body["role"] == "reviewer" and body["config"] == {"a": 1, "b": 3, "c": 4}
    empty = await operator.put(f"/api/agents/{agent['id']}", json={})
    assert empty.status_code == 400 and empty.json() == {"error": "No fields to update"}
    bad = await operator.put(f"/api/agents/{agent['id']}", json={"status": "nope"})
    assert bad.status_code == 400
    missing = await operator.put("/api/agents/99999", json={"role": "x"})
    assert missing.status_code == 404


async def test_delete_by_admin(
    harness: AppHarness, admin: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("doomed")
    deleted = await admin.delete("/api/agents/doomed")
    assert deleted.status_code == 200
    assert deleted.json() == {"success": True, "deleted": "doomed"}
    assert (await admin.get("/api/agents/doomed")).status_code == 404
    assert (await admin.delete("/api/agents/doomed")).status_code == 404
    types = [e["type"] for e in await rows(harness, sa.select(events))]
    assert "agent.deleted" in types


async def test_hide_and_unhide(operator: httpx.AsyncClient, make_agent: MakeAgent) -> None:
    agent = await make_agent("shy")
    await make_agent("bold")
    hidden = await operator.post(f"/api/agents/{agent['id']}/hide")
    assert hidden.status_code == 200 and hidden.json()["agent"]["hidden"] is True
    names = [a["name"] for a in (await operator.get("/api/agents")).json()["agents"]]
    assert names == ["bold"]
    everyone = (await operator.get("/api/agents?show_hidden=1")).json()
    assert {a["name"] for a in everyone["agents"]} == {"shy", "bold"}
    shown = await operator.delete("/api/agents/shy/hide")
    assert shown.json()["agent"]["hidden"] is False
    assert len((await operator.get("/api/agents")).json()["agents"]) == 2


async def test_viewer_cannot_hide(viewer: httpx.AsyncClient, make_agent: MakeAgent) -> None:
    await make_agent("shy")
    assert (await viewer.post("/api/agents/shy/hide")).status_code == 403


async def test_other_workspace_is_invisible(
    harness: AppHarness,
    admin: httpx.AsyncClient,
    make_agent: MakeAgent,
    other_workspace: int,
) -> None:
    foreign = await make_agent("foreign", workspace_id=other_workspace)
    await make_agent("local")
    listed = (await admin.get("/api/agents")).json()
    assert [a["name"] for a in listed["agents"]] == ["local"] and listed["total"] == 1
    for path in (f"/api/agents/{foreign['id']}", "/api/agents/foreign"):
        assert (await admin.get(path)).status_code == 404
        assert (await admin.put(path, json={"role": "x"})).status_code == 404
        assert (await admin.get(f"{path}/soul")).status_code == 404
        assert (await admin.get(f"{path}/heartbeat")).status_code == 404
        assert (await admin.get(f"{path}/keys")).status_code == 404
        assert (await admin.post(f"{path}/hide")).status_code == 404
    assert (await admin.delete(f"/api/agents/{foreign['id']}")).status_code == 404
    assert (
        await admin.put("/api/agents", json={"name": "foreign", "role": "x"})
    ).status_code == 404
    # The same name is free in this workspace.
    created = await admin.post("/api/agents", json={"name": "foreign", "role": "coder"})
    assert created.status_code == 201
    untouched = await rows(harness, sa.select(agents).where(agents.c.id == foreign["id"]))
    assert untouched[0]["role"] == "coder" and untouched[0]["hidden"] is False
