"""Direct connections: connect (creating the agent), list, disconnect."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from mission_control.db.tables import agents, events
from tests.agents.conftest import KeyClient, MakeAgent, mint_key, rows
from tests.conftest import AppHarness


async def test_connect_creates_agent_and_goes_online(
    harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    answer = await operator.post(
        "/api/connect",
        json={"tool_name": "Claude Code", "tool_version": "1.2", "agent_role": "coder"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    agent_id = body["agent_id"]
    assert body["agent_name"] == "claude-code" and body["status"] == "connected"
    assert body["sse_url"] == "/api/events"
    assert body["token_report_url"] == "/api/tokens"
    assert body["heartbeat_url"] == f"/api/agents/{agent_id}/heartbeat"
    agent = (await operator.get(f"/api/agents/{agent_id}")).json()["agent"]
    assert agent["status"] == "online" and agent["role"] == "coder" and agent["source"] == "direct"
    listed = (await operator.get("/api/connect")).json()["connections"]
    assert listed[0]["connection_id"] == body["connection_id"]
    assert listed[0]["agent_name"] == "claude-code" and listed[0]["tool_name"] == "Claude Code"
    assert listed[0]["status"] == "connected"
    types = [e["type"] for e in await rows(harness, sa.select(events))]
    assert "agent.created" in types and "agent.status_changed" in types

    gone = await operator.request(
        "DELETE", "/api/connect", json={"connection_id": body["connection_id"]}
    )
    assert gone.status_code == 200 and gone.json()["status"] == "disconnected"
    agent = (await operator.get(f"/api/agents/{agent_id}")).json()["agent"]
    assert agent["status"] == "offline"
    assert (await operator.get("/api/connect")).json()["connections"][0]["status"] == "disconnected"


async def test_connect_existing_agent(
    harness: AppHarness, operator: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    known = await make_agent("known", status="offline")
    first = (
        await operator.post("/api/connect", json={"tool_name": "t", "agent_name": "known"})
    ).json()
    second = (
        await operator.post("/api/connect", json={"tool_name": "t", "agent_name": "known"})
    ).json()
    assert first["agent_id"] == second["agent_id"] == known["id"]
    statuses = {
        c["connection_id"]: c["status"]
        for c in (await operator.get("/api/connect")).json()["connections"]
    }
    assert statuses == {
        first["connection_id"]: "disconnected",
        second["connection_id"]: "connected",
    }
    assert len(await rows(harness, sa.select(agents))) == 1


async def test_connect_validation_and_roles(
    harness: AppHarness, operator: httpx.AsyncClient, viewer: httpx.AsyncClient
) -> None:
    assert (await operator.post("/api/connect", json={})).status_code == 400
    bad_name = await operator.post("/api/connect", json={"tool_name": "t", "agent_name": "a b"})
    assert bad_name.status_code == 400
    assert (await viewer.post("/api/connect", json={"tool_name": "t"})).status_code == 403
    assert (await viewer.get("/api/connect")).status_code == 403
    no_body = await operator.request("DELETE", "/api/connect")
    assert no_body.status_code == 400 and "body required" in no_body.json()["error"]
    unknown = await operator.request("DELETE", "/api/connect", json={"connection_id": "nope"})
    assert unknown.status_code == 404
    assert await rows(harness, sa.select(agents)) == []


async def test_agent_key_connects_as_itself(make_agent: MakeAgent, key_client: KeyClient) -> None:
    me = await make_agent("me")
    client, _ = await key_client(me)
    own = await client.post("/api/connect", json={"tool_name": "cli"})
    assert own.status_code == 200 and own.json()["agent_name"] == "me"
    other = await client.post("/api/connect", json={"tool_name": "cli", "agent_name": "else"})
    assert other.status_code == 403


async def test_connections_of_other_workspace_invisible(
    harness: AppHarness, operator: httpx.AsyncClient, make_agent: MakeAgent, other_workspace: int
) -> None:
    foreign = await make_agent("foreign", workspace_id=other_workspace)
    # A key of the other workspace's agent connects there.
    _, key = await harness.rt.db.write(mint_key, foreign["id"], other_workspace, ["operator"], None)
    theirs = harness.new_client(**{"x-api-key": key})
    made = (await theirs.post("/api/connect", json={"tool_name": "cli"})).json()
    assert (await operator.get("/api/connect")).json()["connections"] == []
    gone = await operator.request(
        "DELETE", "/api/connect", json={"connection_id": made["connection_id"]}
    )
    assert gone.status_code == 404
