"""Agent API keys: minting, listing, revoking, expiry, scopes, audit, last use."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa

from mission_control.db.tables import agent_api_keys, audit_log
from mission_control.security.digests import sha256_hex
from tests.agents.conftest import KeyClient, MakeAgent, rows
from tests.conftest import TEST_API_KEY, AppHarness


async def test_create_list_use_revoke(
    harness: AppHarness, admin: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    agent = await make_agent("keyed")
    created = await admin.post(f"/api/agents/{agent['id']}/keys", json={"name": "ci"})
    assert created.status_code == 201, created.text
    body = created.json()
    api_key = body["api_key"]
    assert re.fullmatch(r"mca_[0-9a-f]{48}", api_key)
    key = body["key"]
    assert key["name"] == "ci" and key["scopes"] == ["operator", "agent:self"]
    assert key["expires_at"] is None and api_key.startswith(key["key_prefix"])
    stored = (await rows(harness, sa.select(agent_api_keys)))[0]
    assert stored["key_hash"] == sha256_hex(api_key) and api_key not in str(stored)

    listed = (await admin.get("/api/agents/keyed/keys")).json()
    assert listed["agent"] == {"id": agent["id"], "name": "keyed"}
    assert [k["id"] for k in listed["keys"]] == [key["id"]]
    assert "key_hash" not in listed["keys"][0] and api_key not in str(listed)
    assert listed["keys"][0]["last_used_at"] is None

    as_agent = harness.new_client(**{"authorization": f"Bearer {api_key}"})
    beat = await as_agent.get(f"/api/agents/{agent['id']}/heartbeat")
    assert beat.status_code == 200
    await harness.rt.identity.drain()
    used = (await admin.get("/api/agents/keyed/keys")).json()["keys"][0]
    assert used["last_used_at"] is not None

    revoked = await admin.request(
        "DELETE", f"/api/agents/{agent['id']}/keys", json={"key_id": key["id"]}
    )
    assert revoked.status_code == 200
    assert revoked.json()["success"] is True and revoked.json()["key_id"] == key["id"]
    assert isinstance(revoked.json()["revoked_at"], int)
    after = await as_agent.get(f"/api/agents/{agent['id']}/heartbeat")
    assert after.status_code == 401
    again = await admin.request(
        "DELETE", f"/api/agents/{agent['id']}/keys", json={"key_id": key["id"]}
    )
    assert again.status_code == 409
    trail = await rows(harness, sa.select(audit_log).order_by(audit_log.c.id))
    by_action = {r["action"]: r for r in trail}
    for action in ("api_key_created", "api_key_revoked"):
        entry = by_action[action]
        assert entry["target_type"] == "agent_api_key" and entry["target_id"] == str(key["id"])
        assert entry["detail"]["agent_id"] == agent["id"]
        assert entry["detail"]["key_prefix"] == key["key_prefix"]
    assert [r["action"] for r in trail].count("api_key_revoked") == 1
    assert api_key not in str(trail)


async def test_expiry(harness: AppHarness, admin: httpx.AsyncClient, make_agent: MakeAgent) -> None:
    await make_agent("temp")
    now = int(time.time())
    days = await admin.post("/api/agents/temp/keys", json={"expires_in_days": 2})
    assert days.status_code == 201
    assert abs(days.json()["key"]["expires_at"] - (now + 2 * 86400)) < 10
    past = await admin.post("/api/agents/temp/keys", json={"expires_at": now - 60})
    assert past.status_code == 201 and past.json()["key"]["expires_at"] == now - 60
    expired = harness.new_client(**{"x-api-key": past.json()["api_key"]})
    answer = await expired.get("/api/agents/temp/heartbeat")
    assert answer.status_code == 401 and answer.json() == {"error": "Authentication required"}
    fresh = harness.new_client(**{"x-api-key": days.json()["api_key"]})
    assert (await fresh.get("/api/agents/temp/heartbeat")).status_code == 200


async def test_validation(
    harness: AppHarness, admin: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("strict")
    for body in (
        {"expires_in_days": 0},
        {"expires_in_days": 3651},
        {"expires_in_days": "7"},
        {"expires_at": -1},
        {"expires_in_days": 1, "expires_at": 99999999999},
        {"scopes": ["root"]},
        {"scopes": []},
        {"scopes": "admin"},
        {"name": ""},
        {"name": "x" * 101},
        {"unknown": 1},
    ):
        answer = await admin.post("/api/agents/strict/keys", json=body)
        assert answer.status_code == 400, body
    assert await rows(harness, sa.select(agent_api_keys)) == []
    ok = await admin.post(
        "/api/agents/strict/keys", json={"scopes": ["viewer", "agent:heartbeat", "viewer"]}
    )
    assert ok.status_code == 201 and ok.json()["key"]["scopes"] == ["viewer", "agent:heartbeat"]
    assert (await admin.post("/api/agents/ghost/keys", json={})).status_code == 404
    no_body = await admin.request("DELETE", "/api/agents/strict/keys")
    assert no_body.status_code == 400 and "body required" in no_body.json()["error"]
    bad_id = await admin.request("DELETE", "/api/agents/strict/keys", json={"key_id": "x"})
    assert bad_id.status_code == 400
    unknown = await admin.request("DELETE", "/api/agents/strict/keys", json={"key_id": 4242})
    assert unknown.status_code == 404


async def test_only_admins(
    operator: httpx.AsyncClient, viewer: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("guarded")
    for client in (operator, viewer):
        assert (await client.get("/api/agents/guarded/keys")).status_code == 403
        assert (await client.post("/api/agents/guarded/keys", json={})).status_code == 403
        denied = await client.request("DELETE", "/api/agents/guarded/keys", json={"key_id": 1})
        assert denied.status_code == 403


async def test_key_of_one_agent_cannot_be_revoked_through_another(
    admin: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("one")
    await make_agent("two")
    key = (await admin.post("/api/agents/one/keys", json={})).json()["key"]
    wrong = await admin.request("DELETE", "/api/agents/two/keys", json={"key_id": key["id"]})
    assert wrong.status_code == 404


async def test_scopes_give_roles(
    harness: AppHarness, admin: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("scoped")
    viewer_key = (
        await admin.post("/api/agents/scoped/keys", json={"scopes": ["viewer", "agent:self"]})
    ).json()["api_key"]
    client = harness.new_client(**{"x-api-key": viewer_key})
    assert (await client.get("/api/agents/scoped/heartbeat")).status_code == 200
    assert (await client.post("/api/agents/scoped/heartbeat")).status_code == 403
    admin_key = (await admin.post("/api/agents/scoped/keys", json={"scopes": ["admin"]})).json()
    power = harness.new_client(**{"x-api-key": admin_key["api_key"]})
    assert (await power.get("/api/agents/scoped/keys")).status_code == 200


async def test_identity_limit_on_key_changes(harness_factory: Callable[..., Any]) -> None:
    async with harness_factory(disable_rate_limit=True) as h:
        now = int(time.time())

        def seed(conn: Any) -> None:
            from mission_control.db.tables import agents

            conn.execute(
                sa.insert(agents).values(
                    name="limited", role="coder", workspace_id=1, created_at=now, updated_at=now
                )
            )

        await h.rt.db.write(seed)
        client = h.key_client(TEST_API_KEY)
        codes = [
            (await client.post("/api/agents/limited/keys", json={})).status_code for _ in range(21)
        ]
        assert codes == [201] * 20 + [429]
        revoke = await client.request("DELETE", "/api/agents/limited/keys", json={"key_id": 1})
        assert revoke.status_code == 429


async def test_keys_stay_in_their_workspace(
    harness: AppHarness,
    admin: httpx.AsyncClient,
    make_agent: MakeAgent,
    key_client: KeyClient,
    other_workspace: int,
) -> None:
    here = await make_agent("here")
    away = await make_agent("away", workspace_id=other_workspace)
    assert (await admin.get(f"/api/agents/{away['id']}/keys")).status_code == 404
    assert (await admin.post(f"/api/agents/{away['id']}/keys", json={})).status_code == 404
    outsider, key_id = await key_client(away, ["admin"])
    assert (await outsider.get(f"/api/agents/{here['id']}")).status_code == 404
    assert (await outsider.get(f"/api/agents/{here['id']}/keys")).status_code == 404
    listed = (await outsider.get("/api/agents")).json()["agents"]
    assert [a["name"] for a in listed] == ["away"]
    foreign = await admin.request(
        "DELETE", f"/api/agents/{here['id']}/keys", json={"key_id": key_id}
    )
    assert foreign.status_code == 404
    stored = await rows(harness, sa.select(agent_api_keys))
    assert [(r["agent_id"], r["revoked_at"]) for r in stored] == [(away["id"], None)]
