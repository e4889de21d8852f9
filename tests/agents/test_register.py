"""Self-registration: new and known agents, validation, the per-IP limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa

from mission_control.db.tables import activities, agents
from tests.agents.conftest import KeyClient, MakeAgent, rows
from tests.conftest import TEST_API_KEY, AppHarness


async def test_new_then_again(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    first = await viewer.post(
        "/api/agents/register",
        json={"name": "scout.v2", "role": "researcher", "capabilities": ["web"], "framework": "x"},
    )
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["registered"] is True and isinstance(body["message"], str)
    agent = body["agent"]
    assert agent["status"] == "idle" and agent["role"] == "researcher"
    assert agent["config"] == {"capabilities": ["web"], "framework": "x"}
    assert agent["last_seen"] is not None
    listed = (await viewer.get("/api/agents")).json()["agents"]
    assert listed[0]["config"]["capabilities"] == ["web"]
    await harness.rt.db.write(
        lambda conn: conn.execute(
            sa.update(agents).where(agents.c.id == agent["id"]).values(status="offline")
        )
    )
    again = await viewer.post("/api/agents/register", json={"name": "scout.v2"})
    assert again.status_code == 200
    assert again.json()["registered"] is False
    assert again.json()["agent"]["id"] == agent["id"]
    assert again.json()["agent"]["status"] == "idle"
    assert again.json()["agent"]["config"]["framework"] == "x"
    created = await rows(harness, sa.select(activities).where(activities.c.type == "agent_created"))
    assert len(created) == 1


async def test_default_role_is_agent(viewer: httpx.AsyncClient) -> None:
    made = await viewer.post("/api/agents/register", json={"name": "plain"})
    assert made.status_code == 201 and made.json()["agent"]["role"] == "agent"


async def test_validation(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    bad_role = await viewer.post("/api/agents/register", json={"name": "ok", "role": "king"})
    assert bad_role.status_code == 400 and "role" in bad_role.json()["error"]
    for name in ("-dash", "has space", "a" * 64, "semi;colon", "", "émile"):
        response = await viewer.post("/api/agents/register", json={"name": name})
        assert response.status_code == 400, name
    no_name = await viewer.post("/api/agents/register", json={"role": "coder"})
    assert no_name.status_code == 400
    bad_caps = await viewer.post("/api/agents/register", json={"name": "ok", "capabilities": "x"})
    assert bad_caps.status_code == 400
    assert await rows(harness, sa.select(agents)) == []


async def test_five_per_minute_per_ip(harness_factory: Callable[..., Any]) -> None:
    async with harness_factory(disable_rate_limit=False) as h:
        await h.create_user("reg-viewer", "viewer")
        client = h.new_client(ip="10.0.0.7")
        login = await client.post(
            "/api/auth/login",
            json={"username": "reg-viewer", "password": "correct-horse-battery-staple"},
        )
        assert login.status_code == 200
        codes = [
            (await client.post("/api/agents/register", json={"name": f"bot-{i}"})).status_code
            for i in range(6)
        ]
        assert codes == [201] * 5 + [429]
        limited = await client.post("/api/agents/register", json={"name": "bot-x"})
        assert limited.status_code == 429 and "retry_after" in limited.json()
        assert "retry-after" in limited.headers
        other_ip = h.new_client(ip="10.0.0.8", **{"x-api-key": TEST_API_KEY})
        assert (
            await other_ip.post("/api/agents/register", json={"name": "bot-y"})
        ).status_code == 201


async def test_agent_key_registers_only_itself(
    make_agent: MakeAgent, key_client: KeyClient
) -> None:
    me = await make_agent("me")
    await make_agent("you")
    client, _ = await key_client(me, ["viewer"])
    assert (await client.post("/api/agents/register", json={"name": "me"})).status_code == 200
    denied = await client.post("/api/agents/register", json={"name": "you"})
    assert denied.status_code == 403
    assert denied.json() == {"error": "Access denied: agent key may only access its own tasks."}
