"""/api/workspaces: listing, create with a general project, rename, delete rules, roles."""

from __future__ import annotations

import time
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import audit_log, projects, workspaces
from tests.conftest import AppHarness
from tests.seed_rows import add_workspace, agent_key_client, insert_agent, insert_task


async def _create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/workspaces", json=body)
    assert response.status_code == 201, response.text
    workspace: dict[str, Any] = response.json()["workspace"]
    return workspace


async def _audit_actions(harness: AppHarness, prefix: str) -> list[tuple[str, str | None]]:
    def read(conn: Connection) -> list[tuple[str, str | None]]:
        rows = conn.execute(
            sa.select(audit_log.c.action, audit_log.c.target_id)
            .where(audit_log.c.action.like(f"{prefix}%"))
            .order_by(audit_log.c.id)
        ).all()
        return [(r.action, r.target_id) for r in rows]

    result: list[tuple[str, str | None]] = await harness.rt.db.read(read)
    return result


async def _foreign_tenant_workspace(harness: AppHarness) -> int:
    now = int(time.time())

    def insert(conn: Connection) -> int:
        result = conn.execute(
            sa.insert(workspaces).values(
                slug="elsewhere", name="Elsewhere", tenant_id=2, created_at=now, updated_at=now
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    ident: int = await harness.rt.db.write(insert)
    return ident


async def test_list(
    harness: AppHarness, admin: httpx.AsyncClient, viewer: httpx.AsyncClient
) -> None:
    other = await add_workspace(harness, "second")
    foreign = await _foreign_tenant_workspace(harness)
    body = (await admin.get("/api/workspaces")).json()
    assert body["active_workspace_id"] == 1 and body["tenant_id"] == 1
    assert [w["slug"] for w in body["workspaces"]] == ["default", "second"]
    assert foreign not in [w["id"] for w in body["workspaces"]]
    first = body["workspaces"][0]
    assert set(first) == {
        "id",
        "slug",
        "name",
        "tenant_id",
        "isolation",
        "created_at",
        "updated_at",
    }
    assert first["tenant_id"] == 1 and isinstance(first["created_at"], int)
    # Non-admins see only their own workspace.
    mine = (await viewer.get("/api/workspaces")).json()
    assert [w["id"] for w in mine["workspaces"]] == [1]
    assert (await viewer.get(f"/api/workspaces/{other}")).status_code == 404
    assert (await viewer.get("/api/workspaces/1")).json()["workspace"]["slug"] == "default"
    assert (await admin.get(f"/api/workspaces/{other}")).status_code == 200
    assert (await admin.get(f"/api/workspaces/{foreign}")).status_code == 404


async def test_create(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    workspace = await _create(admin, name="Research Lab")
    assert workspace["slug"] == "research-lab" and workspace["name"] == "Research Lab"
    assert workspace["tenant_id"] == 1 and workspace["isolation"] == "shared"
    custom = await _create(admin, name="Ops", slug="ops-team")
    assert custom["slug"] == "ops-team"

    def general(conn: Connection) -> list[str]:
        return list(
            conn.execute(
                sa.select(projects.c.ticket_prefix).where(
                    projects.c.workspace_id == workspace["id"], projects.c.slug == "general"
                )
            ).scalars()
        )

    assert await harness.rt.db.read(general) == ["TASK"]
    again = await admin.post("/api/workspaces", json={"name": "research lab"})
    assert again.status_code == 409 and again.json() == {"error": "Workspace slug already exists"}
    assert await _audit_actions(harness, "workspace_") == [
        ("workspace_create", str(workspace["id"])),
        ("workspace_create", str(custom["id"])),
    ]
    # A user placed in the new workspace can work there at once.
    await harness.create_user("lab-op", "operator", workspace_id=workspace["id"])
    lab = harness.new_client()
    try:
        login = await lab.post(
            "/api/auth/login",
            json={"username": "lab-op", "password": "correct-horse-battery-staple"},
        )
        assert login.status_code == 200
        task = await lab.post("/api/tasks", json={"title": "first lab task"})
        assert task.status_code == 201 and task.json()["task"]["ticket_ref"] == "TASK-001"
    finally:
        await lab.aclose()


async def test_create_bad_input(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    for body in (
        {},
        {"name": ""},
        {"name": "   "},
        {"name": "!!!"},
        {"name": "x" * 201},
        {"name": "ok", "slug": "Bad Slug"},
        {"name": "ok", "slug": "-x"},
        {"name": 12},
    ):
        response = await admin.post("/api/workspaces", json=body)
        assert response.status_code == 400, body
        assert "error" in response.json()
    raw = await admin.post(
        "/api/workspaces", content=b"{", headers={"content-type": "application/json"}
    )
    assert raw.status_code == 400 and raw.json() == {"error": "Invalid request body"}
    assert [w["slug"] for w in (await admin.get("/api/workspaces")).json()["workspaces"]] == [
        "default"
    ]


async def test_rename(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    workspace = await _create(admin, name="Old Name")
    for method in ("PUT", "PATCH"):
        response = await admin.request(
            method, f"/api/workspaces/{workspace['id']}", json={"name": f"New {method}"}
        )
        assert response.status_code == 200, response.text
        renamed = response.json()["workspace"]
        assert renamed["name"] == f"New {method}" and renamed["slug"] == "old-name"
    default = await admin.put("/api/workspaces/1", json={"name": "Home"})
    assert default.status_code == 200 and default.json()["workspace"]["name"] == "Home"
    assert (await admin.put("/api/workspaces/999", json={"name": "x"})).status_code == 404
    foreign = await _foreign_tenant_workspace(harness)
    assert (await admin.put(f"/api/workspaces/{foreign}", json={"name": "x"})).status_code == 404
    assert (await admin.put("/api/workspaces/abc", json={"name": "x"})).status_code == 400
    assert (await admin.put("/api/workspaces/1", json={"name": ""})).status_code == 400
    updates = [a for a, _ in await _audit_actions(harness, "workspace_update")]
    assert updates == ["workspace_update"] * 3


async def test_delete_rules(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    assert (await admin.delete("/api/workspaces/1")).json() == {
        "error": "The default workspace cannot be deleted"
    }
    busy = await _create(admin, name="Busy")
    await insert_agent(harness, "worker", workspace_id=busy["id"])
    await insert_task(harness, "work", workspace_id=busy["id"])
    refused = await admin.delete(f"/api/workspaces/{busy['id']}")
    assert refused.status_code == 409
    assert refused.json()["error"] == "Workspace is not empty"
    assert set(refused.json()["details"]) == {"agents: 1", "tasks: 1"}
    assert (await admin.get(f"/api/workspaces/{busy['id']}")).status_code == 200

    empty = await _create(admin, name="Empty")
    gone = await admin.delete(f"/api/workspaces/{empty['id']}")
    assert gone.status_code == 200 and gone.json() == {"success": True, "deleted": "empty"}
    assert (await admin.get(f"/api/workspaces/{empty['id']}")).status_code == 404
    assert (await admin.delete(f"/api/workspaces/{empty['id']}")).status_code == 404

    def projects_left(conn: Connection) -> int:
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(projects)
                .where(projects.c.workspace_id == empty["id"])
            ).scalar_one()
        )

    assert await harness.rt.db.read(projects_left) == 0
    assert ("workspace_delete", str(empty["id"])) in await _audit_actions(harness, "workspace_")


async def test_cannot_delete_own_workspace(harness: AppHarness) -> None:
    ws_id = await add_workspace(harness, "mine")
    await harness.create_user("mine-admin", "admin", workspace_id=ws_id)
    client = harness.new_client()
    try:
        login = await client.post(
            "/api/auth/login",
            json={"username": "mine-admin", "password": "correct-horse-battery-staple"},
        )
        assert login.status_code == 200
        response = await client.delete(f"/api/workspaces/{ws_id}")
        assert response.status_code == 400
        assert response.json() == {"error": "You cannot delete the workspace you are in"}
    finally:
        await client.aclose()


async def test_roles(
    harness: AppHarness, operator: httpx.AsyncClient, viewer: httpx.AsyncClient
) -> None:
    target = await add_workspace(harness, "target")
    for client in (operator, viewer):
        assert (await client.post("/api/workspaces", json={"name": "nope"})).status_code == 403
        put = await client.put(f"/api/workspaces/{target}", json={"name": "nope"})
        assert put.status_code == 403
        assert (await client.delete(f"/api/workspaces/{target}")).status_code == 403
    agent_id = await insert_agent(harness, "ws-agent")
    async with await agent_key_client(harness, agent_id, ["operator"]) as agent:
        assert (await agent.post("/api/workspaces", json={"name": "nope"})).status_code == 403
        listed = (await agent.get("/api/workspaces")).json()
        assert [w["id"] for w in listed["workspaces"]] == [1]
    async with harness.new_client() as anon:
        assert (await anon.get("/api/workspaces")).status_code == 401
        assert (await anon.post("/api/workspaces", json={"name": "x"})).status_code == 401
    names = await harness.rt.db.read(
        lambda c: list(c.execute(sa.select(workspaces.c.name).order_by(workspaces.c.id)).scalars())
    )
    assert names == ["Default", "Target"]
