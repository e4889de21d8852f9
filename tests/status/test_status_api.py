"""/api/health and /api/status: public health, the dashboard counts, roles and isolation."""

from __future__ import annotations

import time
from typing import Any

import httpx
import sqlalchemy as sa

from mission_control.db.tables import notifications, token_usage
from tests.conftest import AppHarness
from tests.seed_rows import agent_key_client, insert_agent, insert_task, other_workspace_client


async def _insert(harness: AppHarness, table: sa.Table, **values: Any) -> None:
    await harness.rt.db.write(lambda c: c.execute(sa.insert(table).values(**values)))


async def _overview(client: httpx.AsyncClient, action: str | None = None) -> dict[str, Any]:
    params = {} if action is None else {"action": action}
    response = await client.get("/api/status", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_health_is_public(harness: AppHarness) -> None:
    async with harness.new_client() as anon:
        health = (await anon.get("/api/status", params={"action": "health"})).json()
        assert health["status"] == "ok" and isinstance(health["uptime"], int)
        assert {c["name"] for c in health["checks"]} >= {"database", "event_bus"}
        simple = (await anon.get("/api/health")).json()
        assert simple["status"] == "ok" and simple["db"] == "ok"
        # The dashboard counts are not public.
        assert (await anon.get("/api/status")).status_code == 401
        assert (await anon.get("/api/status", params={"action": "dashboard"})).status_code == 401
        assert (await anon.get("/api/status", params={"action": "nope"})).status_code == 401


async def test_dashboard_counts(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    now = int(time.time())
    today = now - now % 86400
    await insert_task(harness, "a", status="inbox")
    await insert_task(harness, "b", status="in_progress", due_date=now - 3600)
    await insert_task(harness, "c", status="done", completed_at=now, due_date=now - 3600)
    await insert_task(harness, "d", status="done", completed_at=today - 10)
    await insert_task(harness, "e", status="review", due_date=now + 3600)
    await insert_agent(harness, "busy-one", status="busy")
    await insert_agent(harness, "idle-one", status="idle")
    await insert_agent(harness, "hidden-one", status="idle", hidden=True)
    for recipient, read_at in (("view-person", None), ("someone", None), ("view-person", now)):
        await _insert(
            harness,
            notifications,
            recipient=recipient,
            type="mention",
            title="t",
            read_at=read_at,
            workspace_id=1,
            created_at=now,
        )
    for at, cost in ((now, 0.25), (today - 60, 5.0)):
        await _insert(
            harness,
            token_usage,
            model="m",
            session_id="x:cli",
            input_tokens=100,
            output_tokens=20,
            cost_usd=cost,
            workspace_id=1,
            created_at=at,
        )
    async with harness.new_client() as stranger:
        failed = await stranger.post(
            "/api/auth/login", json={"username": "view-person", "password": "wrong-password-123"}
        )
        assert failed.status_code == 401

    body = await _overview(viewer)
    assert body["action"] == "overview" and body["workspace_id"] == 1
    tasks = body["tasks"]
    assert tasks["total"] == 5 and tasks["done_today"] == 1 and tasks["overdue"] == 1
    assert tasks["by_status"]["done"] == 2 and tasks["by_status"]["inbox"] == 1
    assert tasks["by_status"]["failed"] == 0  # every status is present
    agents = body["agents"]
    assert agents["total"] == 2 and agents["by_status"]["busy"] == 1
    assert agents["by_status"]["offline"] == 0
    assert body["notifications"] == {"unread": 2, "unread_for_you": 1}
    assert body["spend_today"] == {"cost_usd": 0.25, "tokens": 120}
    assert body["login_failures"]["last_day"] == 1 and body["login_failures"]["last_week"] == 1
    assert body["audit"]["last_day"] >= 2  # the viewer's login and the failed one
    dashboard = await _overview(viewer, "dashboard")
    assert dashboard["action"] == "dashboard" and dashboard["tasks"] == tasks


async def test_unknown_action(viewer: httpx.AsyncClient) -> None:
    for action in ("nope", "", "HEALTH", "overview;drop table tasks"):
        response = await viewer.get("/api/status", params={"action": action})
        assert response.status_code == 400, action
        assert response.json() == {
            "error": "Unknown action; expected health, overview or dashboard"
        }


async def test_only_the_callers_workspace(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    await insert_task(harness, "home")
    await insert_agent(harness, "home-agent")
    away, ws_id = await other_workspace_client(harness, "viewer")
    try:
        await insert_task(harness, "away", workspace_id=ws_id, status="done")
        body = await _overview(away)
        assert body["workspace_id"] == ws_id
        assert body["tasks"]["total"] == 1 and body["tasks"]["by_status"]["done"] == 1
        assert body["agents"]["total"] == 0
    finally:
        await away.aclose()
    home = await _overview(admin)
    assert home["tasks"]["total"] == 1 and home["tasks"]["by_status"]["inbox"] == 1
    assert home["agents"]["total"] == 1


async def test_agent_key_counts_only_its_tasks(harness: AppHarness) -> None:
    agent_id = await insert_agent(harness, "counter")
    await insert_task(harness, "mine", assigned_to="counter", status="assigned")
    await insert_task(harness, "theirs", assigned_to="other", status="assigned")
    async with await agent_key_client(harness, agent_id, ["viewer"]) as client:
        body = await _overview(client)
        assert body["tasks"]["total"] == 1
    async with await agent_key_client(harness, agent_id, ["viewer", "admin"]) as client:
        assert (await _overview(client))["tasks"]["total"] == 2


async def test_openapi_documents_both_shapes(admin: httpx.AsyncClient) -> None:
    doc = (await admin.get("/api/docs")).json()
    schema = doc["paths"]["/api/status"]["get"]["responses"]["200"]["content"]
    refs = str(schema)
    assert "StatusHealth" in refs and "StatusOverview" in refs
    assert "HealthOut" in str(doc["paths"]["/api/health"]["get"]["responses"]["200"])
