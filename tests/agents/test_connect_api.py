"""/api/connect: direct connections create their agent, go online, and disconnect offline."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa

from mission_control.db.tables import connections
from tests.conftest import AppHarness
from tests.seed_rows import agent_key_client, insert_agent, other_workspace_client


async def _connect(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/connect", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def _agent(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await client.get(f"/api/agents/{name}")
    assert response.status_code == 200, response.text
    agent: dict[str, Any] = response.json()["agent"]
    return agent


async def test_connect_creates_the_agent_online(operator: httpx.AsyncClient) -> None:
    answer = await _connect(
        operator, tool_name="Claude Code", tool_version="1.2", metadata={"host": "laptop"}
    )
    assert answer["agent_name"] == "claude-code" and answer["status"] == "connected"
    assert answer["sse_url"] == "/api/events" and answer["token_report_url"] == "/api/tokens"
    assert answer["heartbeat_url"] == f"/api/agents/{answer['agent_id']}/heartbeat"
    agent = await _agent(operator, "claude-code")
    assert agent["status"] == "online" and agent["id"] == answer["agent_id"]
    listed = (await operator.get("/api/connect")).json()["connections"]
    assert [(c["connection_id"], c["agent_name"], c["tool_name"], c["status"]) for c in listed] == [
        (answer["connection_id"], "claude-code", "Claude Code", "connected")
    ]


async def test_reconnect_closes_the_earlier_connection(
    harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    await insert_agent(harness, "builder", role="coder", status="offline")
    first = await _connect(operator, tool_name="cli", agent_name="builder")
    second = await _connect(operator, tool_name="cli", agent_name="builder")
    assert first["agent_id"] == second["agent_id"]
    statuses = {
        c["connection_id"]: c["status"]
        for c in (await operator.get("/api/connect")).json()["connections"]
    }
    assert statuses == {
        first["connection_id"]: "disconnected",
        second["connection_id"]: "connected",
    }
    assert (await _agent(operator, "builder"))["role"] == "coder"  # an existing agent is kept


async def test_disconnect_sets_offline(operator: httpx.AsyncClient) -> None:
    answer = await _connect(operator, tool_name="tool", agent_name="leaver")
    response = await operator.request(
        "DELETE", "/api/connect", json={"connection_id": answer["connection_id"]}
    )
    assert response.status_code == 200 and response.json()["status"] == "disconnected"
    assert (await _agent(operator, "leaver"))["status"] == "offline"
    missing = await operator.request("DELETE", "/api/connect", json={"connection_id": "nope"})
    assert missing.status_code == 404
    no_body = await operator.delete("/api/connect")
    assert no_body.status_code == 400 and "body required" in no_body.json()["error"]


async def test_heartbeat_keeps_the_connection_fresh(
    harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    answer = await _connect(operator, tool_name="tool", agent_name="beater")
    await harness.rt.db.write(
        lambda c: c.execute(sa.update(connections).values(last_heartbeat_at=1))
    )
    beat = await operator.post(
        f"/api/agents/{answer['agent_id']}/heartbeat",
        json={"connection_id": answer["connection_id"]},
    )
    assert beat.status_code == 200, beat.text
    [row] = (await operator.get("/api/connect")).json()["connections"]
    assert row["last_heartbeat_at"] > 1


async def test_bad_input(operator: httpx.AsyncClient) -> None:
    for body in (
        {},
        {"tool_name": ""},
        {"tool_name": "x" * 101},
        {"tool_name": "t", "agent_name": "bad name!"},
        {"tool_name": "t", "agent_name": "-leading"},
        {"tool_name": "t", "metadata": "not an object"},
    ):
        response = await operator.post("/api/connect", json=body)
        assert response.status_code == 400, body
    assert (await operator.get("/api/connect")).json()["connections"] == []


async def test_roles_and_agent_keys(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    assert (await viewer.post("/api/connect", json={"tool_name": "t"})).status_code == 403
    assert (await viewer.get("/api/connect")).status_code == 403
    own_id = await insert_agent(harness, "keyed")
    await insert_agent(harness, "stranger")
    async with await agent_key_client(harness, own_id, ["operator"]) as agent:
        mine = await _connect(agent, tool_name="t")  # defaults to the key's own agent
        assert mine["agent_name"] == "keyed"
        other = await agent.post("/api/connect", json={"tool_name": "t", "agent_name": "stranger"})
        assert other.status_code == 403


async def test_other_workspace(harness: AppHarness, operator: httpx.AsyncClient) -> None:
    answer = await _connect(operator, tool_name="t", agent_name="homebody")
    away, _ws = await other_workspace_client(harness, "operator")
    try:
        assert (await away.get("/api/connect")).json()["connections"] == []
        response = await away.request(
            "DELETE", "/api/connect", json={"connection_id": answer["connection_id"]}
        )
        assert response.status_code == 404
    finally:
        await away.aclose()
    assert (await _agent(operator, "homebody"))["status"] == "online"
