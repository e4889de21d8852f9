"""The agent-key rule: without the `admin` scope a key acts only for its own agent."""

from __future__ import annotations

import httpx

from tests.agents.conftest import KeyClient, MakeAgent
from tests.conftest import AppHarness

DENIED = {"error": "Access denied: agent key may only access its own tasks."}


async def test_writes_only_for_own_agent(make_agent: MakeAgent, key_client: KeyClient) -> None:
    me = await make_agent("me")
    other = await make_agent("other")
    client, _ = await key_client(me)
    for method, suffix, body in (
        ("PUT", "", {"role": "x"}),
        ("PUT", "/soul", {"soul_content": "x"}),
        ("PUT", "/memory", {"working_memory": "x"}),
        ("POST", "/hide", None),
        ("POST", "/heartbeat", None),
        ("GET", "/heartbeat", None),
    ):
        denied = await client.request(method, f"/api/agents/{other['id']}{suffix}", json=body)
        assert denied.status_code == 403, suffix
        assert denied.json() == DENIED
        own = await client.request(method, f"/api/agents/{me['id']}{suffix}", json=body)
        assert own.status_code == 200, (suffix, own.text)
    by_name = await client.put("/api/agents", json={"name": "other", "status": "busy"})
    assert by_name.status_code == 403 and by_name.json() == DENIED
    create = await client.post("/api/agents", json={"name": "spawn", "role": "coder"})
    assert create.status_code == 403
    # Reading the registry stays open to it.
    assert (await client.get(f"/api/agents/{other['id']}")).status_code == 200


async def test_admin_scope_lifts_the_rule(make_agent: MakeAgent, key_client: KeyClient) -> None:
    me = await make_agent("me")
    await make_agent("other")
    client, _ = await key_client(me, ["admin"])
    assert (await client.put("/api/agents/other", json={"role": "x"})).status_code == 200
    assert (
        await client.put("/api/agents/other/memory", json={"working_memory": "m"})
    ).status_code == 200


async def test_agent_name_header_must_match_key(
    make_agent: MakeAgent, key_client: KeyClient
) -> None:
    me = await make_agent("me")
    await make_agent("other")
    client, _ = await key_client(me, ["admin"])
    spoof = await client.get("/api/agents", headers={"x-agent-name": "other"})
    assert spoof.status_code == 403
    assert spoof.json() == {"error": "Access denied: X-Agent-Name does not match the agent key."}
    honest = await client.get("/api/agents", headers={"x-agent-name": "me"})
    assert honest.status_code == 200


async def test_header_is_free_for_other_callers(
    harness: AppHarness, operator: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("other")
    answer = await operator.get("/api/agents", headers={"x-agent-name": "anything"})
    assert answer.status_code == 200


async def test_wrong_or_unusable_keys_are_401(harness: AppHarness, make_agent: MakeAgent) -> None:
    await make_agent("me")
    for key in ("mca_" + "0" * 48, "mca_short", ""):
        client = harness.new_client(**{"x-api-key": key})
        answer = await client.get("/api/agents")
        assert answer.status_code == 401, key
