"""/api/projects: create, list, patch, archive/delete, tasks and agents."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from mission_control.db.tables import (
    activities,
    audit_log,
    project_agent_assignments,
    security_events,
    tasks,
)
from mission_control.security import rbac
from tests.conftest import AppHarness
from tests.seed_rows import insert_agent, insert_task, other_workspace_client


async def _create(client: httpx.AsyncClient, **body: object) -> dict[str, object]:
    response = await client.post("/api/projects", json=body)
    assert response.status_code == 201, response.text
    project: dict[str, object] = response.json()["project"]
    return project


async def test_create_derives_slug_and_prefix(operator: httpx.AsyncClient) -> None:
    project = await _create(
        operator, name="Apollo Moon!", description="d", deadline=1900000000, color="#fff"
    )
    assert project["slug"] == "apollo-moon" and project["ticket_prefix"] == "APOLL"
    assert project["status"] == "active" and project["workspace_id"] == 1
    assert project["task_count"] == 0 and project["assigned_agents"] == []
    assert project["deadline"] == 1900000000 and project["color"] == "#fff"
    again = await operator.post("/api/projects", json={"name": "apollo moon"})
    assert again.status_code == 409
    # A derived prefix that is taken gets a number; an explicit one that is taken is a 409.
    other = await _create(operator, name="Apollo-Moonbase", ticket_prefix=None)
    assert other["ticket_prefix"] == "APOLL2"
    clash = await operator.post("/api/projects", json={"name": "X", "ticket_prefix": "apoll"})
    assert clash.status_code == 409
    lower = await _create(operator, name="Zeta", ticket_prefix="zt", slug="zeta-one")
    assert lower["ticket_prefix"] == "ZT" and lower["slug"] == "zeta-one"


async def test_create_validation(operator: httpx.AsyncClient, viewer: httpx.AsyncClient) -> None:
    assert (await operator.post("/api/projects", json={})).status_code == 400
    assert (await operator.post("/api/projects", json={"name": ""})).status_code == 400
    assert (await operator.post("/api/projects", json={"name": "!!!"})).status_code == 400
    long_prefix = await operator.post(
        "/api/projects", json={"name": "a", "ticket_prefix": "ABCDEFGHIJKLM"}
    )
    assert long_prefix.status_code == 400
    bad = await operator.post("/api/projects", json={"name": "a", "ticket_prefix": "A-B"})
    assert bad.status_code == 400
    assert (await operator.post("/api/projects", content=b"nope")).status_code == 400
    assert (await viewer.post("/api/projects", json={"name": "v"})).status_code == 403
    listed = (await operator.get("/api/projects")).json()["projects"]
    assert [p["slug"] for p in listed] == ["general"]


async def test_items_carry_counts_and_agents(
    harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    project = await _create(operator, name="Counted")
    await insert_agent(harness, "alpha")
    await insert_task(harness, "one", project_id=project["id"], project_ticket_no=1)
    await insert_task(harness, "two", project_id=project["id"], project_ticket_no=2)
    assign = await operator.post(
        f"/api/projects/{project['id']}/agents", json={"agent_name": "alpha"}
    )
    assert assign.status_code == 201 and assign.json() == {"success": True}
    again = await operator.post(
        f"/api/projects/{project['id']}/agents", json={"agent_name": "alpha"}
    )
    assert again.status_code == 201
    one = (await operator.get(f"/api/projects/{project['id']}")).json()["project"]
    assert one["task_count"] == 2 and one["assigned_agents"] == ["alpha"]
    listed = {p["slug"]: p for p in (await operator.get("/api/projects")).json()["projects"]}
    assert listed["counted"]["task_count"] == 2
    page = (await operator.get(f"/api/projects/{project['id']}/tasks")).json()
    assert page["total"] == 2 and {t["ticket_ref"] for t in page["tasks"]} == {
        "COUNT-001",
        "COUNT-002",
    }
    assert page["tasks"][0]["project_name"] == "Counted"


async def test_patch_clears_and_replaces_members_atomically(
    harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    project = await _create(
        operator, name="Patchy", description="x", github_repo="o/r", color="red", deadline=5
    )
    pid = project["id"]
    for name in ("a1", "a2", "a3"):
        await insert_agent(harness, name)
    await operator.post(f"/api/projects/{pid}/agents", json={"agent_name": "a1", "role": "lead"})
    cleared = await operator.patch(
        f"/api/projects/{pid}",
        json={"description": None, "github_repo": None, "color": None, "deadline": None},
    )
    body = cleared.json()["project"]
    assert cleared.status_code == 200
    assert [body[k] for k in ("description", "github_repo", "color", "deadline")] == [None] * 4

    replaced = await operator.patch(f"/api/projects/{pid}", json={"assigned_agents": ["a1", "a2"]})
    assert replaced.json()["project"]["assigned_agents"] == ["a1", "a2"]
    roles = {
        a["agent_name"]: a["role"]
        for a in (await operator.get(f"/api/projects/{pid}/agents")).json()["assignments"]
    }
    assert roles == {"a1": "lead", "a2": "member"}

    refused = await operator.patch(
        f"/api/projects/{pid}", json={"name": "Renamed", "assigned_agents": ["a3", "ghost"]}
    )
    assert refused.status_code == 400 and "ghost" in refused.json()["error"]
    after = (await operator.get(f"/api/projects/{pid}")).json()["project"]
    assert after["name"] == "Patchy" and after["assigned_agents"] == ["a1", "a2"]

    renamed = await operator.patch(f"/api/projects/{pid}", json={"name": "Renamed"})
    assert renamed.json()["project"]["name"] == "Renamed"
    assert renamed.json()["project"]["slug"] == "patchy"
    assert (await operator.patch(f"/api/projects/{pid}", json={"name": None})).status_code == 400
    assert (await operator.patch("/api/projects/9999", json={"name": "n"})).status_code == 404
    assert (await operator.patch("/api/projects/abc", json={"name": "n"})).status_code == 400
    types = set(
        await harness.rt.db.read(
            lambda c: (
                c.execute(sa.select(activities.c.type).where(activities.c.entity_type == "project"))
                .scalars()
                .all()
            )
        )
    )
    assert {"project_created", "project_updated", "project_agent_assigned"} <= types


async def test_prefix_change_conflicts(operator: httpx.AsyncClient) -> None:
    one = await _create(operator, name="One", ticket_prefix="ONE")
    await _create(operator, name="Two", ticket_prefix="TWO")
    clash = await operator.patch(f"/api/projects/{one['id']}", json={"ticket_prefix": "two"})
    assert clash.status_code == 409
    same = await operator.patch(f"/api/projects/{one['id']}", json={"ticket_prefix": "one"})
    assert same.status_code == 200


async def test_archiving_through_patch_is_refused_like_every_role_check(
    harness: AppHarness,
    operator: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rbac, "PERMISSION_DENIED_AUDIT_SAMPLE", 1.0)
    pid = (await _create(operator, name="Kept"))["id"]
    via_patch = await operator.patch(f"/api/projects/{pid}", json={"status": "archived"})
    assert via_patch.status_code == 403
    assert via_patch.json() == {"error": "Requires admin role or higher"}
    # The same refusal through require_role, for comparison.
    assert (await operator.delete(f"/api/projects/{pid}")).status_code == 403

    def read(conn: sa.Connection) -> tuple[list[object], list[object]]:
        events = conn.execute(
            sa.select(security_events.c.detail)
            .where(security_events.c.event_type == "permission_denied")
            .order_by(security_events.c.id)
        ).scalars()
        audited = conn.execute(
            sa.select(audit_log.c.detail)
            .where(audit_log.c.action == "permission_denied", audit_log.c.actor == "ops-person")
            .order_by(audit_log.c.id)
        ).scalars()
        return list(events), list(audited)

    events, audited = await harness.rt.db.read(read)
    expected = [
        {"path": f"/api/projects/{pid}", "method": method, "role": "operator", "required": "admin"}
        for method in ("PATCH", "DELETE")
    ]
    assert events == expected and audited == expected


async def test_archive_needs_admin_and_general_is_protected(
    operator: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    project = await _create(operator, name="Old")
    pid = project["id"]
    assert (await operator.delete(f"/api/projects/{pid}")).status_code == 403
    via_patch = await operator.patch(f"/api/projects/{pid}", json={"status": "archived"})
    assert via_patch.status_code == 403
    archived = await admin.delete(f"/api/projects/{pid}")
    assert archived.json() == {"success": True, "mode": "archive"}
    assert (await admin.get(f"/api/projects/{pid}")).json()["project"]["status"] == "archived"
    assert [p["slug"] for p in (await admin.get("/api/projects")).json()["projects"]] == ["general"]
    everything = (await admin.get("/api/projects?includeArchived=1")).json()["projects"]
    assert {p["slug"] for p in everything} == {"general", "old"}
    general = everything[0]["id"]
    assert (await admin.delete(f"/api/projects/{general}")).status_code == 400
    assert (await admin.delete(f"/api/projects/{general}?mode=delete")).status_code == 400
    patched = await admin.patch(f"/api/projects/{general}", json={"status": "archived"})
    assert patched.status_code == 400
    assert (await admin.delete(f"/api/projects/{pid}?mode=explode")).status_code == 400


async def test_delete_moves_tasks_to_general(
    harness: AppHarness, operator: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    project = await _create(operator, name="Doomed")
    pid = project["id"]
    await insert_agent(harness, "worker")
    await operator.post(f"/api/projects/{pid}/agents", json={"agent_name": "worker"})
    task_id = await insert_task(harness, "survivor", project_id=pid, project_ticket_no=1)
    gone = await admin.delete(f"/api/projects/{pid}?mode=delete")
    assert gone.json() == {"success": True, "mode": "delete"}
    assert (await admin.get(f"/api/projects/{pid}")).status_code == 404
    row = await harness.rt.db.read(
        lambda c: c.execute(sa.select(tasks).where(tasks.c.id == task_id)).mappings().one()
    )
    general = (await admin.get("/api/projects")).json()["projects"][0]
    assert row["project_id"] == general["id"] and general["task_count"] == 1
    assert row["project_ticket_no"] == 1 and general["ticket_counter"] == 1
    leftover = await harness.rt.db.read(
        lambda c: c.execute(
            sa.select(sa.func.count()).select_from(project_agent_assignments)
        ).scalar_one()
    )
    assert leftover == 0
    audited = await harness.rt.db.read(
        lambda c: c.execute(
            sa.select(audit_log.c.action).where(audit_log.c.action == "project_delete")
        ).all()
    )
    assert len(audited) == 1


async def test_agents_subroutes(harness: AppHarness, operator: httpx.AsyncClient) -> None:
    project = await _create(operator, name="Crew")
    pid = project["id"]
    empty = await operator.post(f"/api/projects/{pid}/agents", json={"agent_name": "  "})
    assert empty.status_code == 400
    for method in ("GET", "POST", "DELETE"):
        response = await operator.request(
            method, "/api/projects/9999/agents?agent_name=x", json={"agent_name": "x"}
        )
        assert response.status_code == 404, method
    await operator.post(f"/api/projects/{pid}/agents", json={"agent_name": "bot"})
    listed = (await operator.get(f"/api/projects/{pid}/agents")).json()["assignments"]
    assert listed[0]["agent_name"] == "bot" and listed[0]["role"] == "member"
    assert set(listed[0]) == {"id", "project_id", "agent_name", "role", "assigned_at"}
    assert (await operator.delete(f"/api/projects/{pid}/agents")).status_code == 400
    removed = await operator.delete(f"/api/projects/{pid}/agents?agent_name=bot")
    assert removed.status_code == 200 and removed.json()["success"] is True
    assert (await operator.get(f"/api/projects/{pid}/agents")).json()["assignments"] == []


async def test_other_workspace_projects_answer_404(
    harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    other, _ws = await other_workspace_client(harness, "admin")
    theirs = (await other.post("/api/projects", json={"name": "Secret"})).json()["project"]
    # The same slug is free in another workspace.
    mine = await _create(operator, name="Secret")
    assert mine["id"] != theirs["id"]
    tid = theirs["id"]
    assert (await operator.get(f"/api/projects/{tid}")).status_code == 404
    assert (await operator.get(f"/api/projects/{tid}/tasks")).status_code == 404
    assert (await operator.get(f"/api/projects/{tid}/agents")).status_code == 404
    assert (await operator.patch(f"/api/projects/{tid}", json={"name": "x"})).status_code == 404
    slugs = {p["slug"] for p in (await operator.get("/api/projects")).json()["projects"]}
    assert slugs == {"general", "secret"}
    assert (await other.get(f"/api/projects/{tid}")).json()["project"]["name"] == "Secret"
    await other.aclose()
