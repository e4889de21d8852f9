"""Real answers of the agent routes validate against the response models OpenAPI declares."""

from __future__ import annotations

import time
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.activities.service import log_activity
from mission_control.agents.schemas import (
    AgentDeleted,
    AgentKeyList,
    AgentUpdated,
    AttributionOut,
    ConnectionList,
    DiagnosticsOut,
    Disconnected,
    KeyRevoked,
    MemoryOut,
    MemorySaved,
    SoulOut,
    SoulSaved,
)
from mission_control.db.tables import activities, token_usage
from mission_control.security.audit import write_audit
from tests.agents.conftest import KeyClient, MakeAgent, MakeTask
from tests.conftest import AppHarness
from tests.shapes import assert_shape


async def test_registry_soul_memory_and_keys(admin: httpx.AsyncClient) -> None:
    created = await admin.post("/api/agents", json={"name": "shaped", "role": "coder"})
    assert created.status_code == 201, created.text
    ref = f"/api/agents/{created.json()['agent']['id']}"
    assert_shape(
        await admin.put("/api/agents", json={"name": "shaped", "status": "busy"}), AgentUpdated
    )

    assert assert_shape(await admin.get(f"{ref}/soul"), SoulOut)["soul_content"] is None
    assert_shape(await admin.put(f"{ref}/soul", json={"soul_content": "be kind"}), SoulSaved)
    assert assert_shape(await admin.get(f"{ref}/soul"), SoulOut)["size"] == 7
    cleared = assert_shape(await admin.put(f"{ref}/soul", json={"soul_content": None}), SoulSaved)
    assert cleared["soul_content"] is None

    assert assert_shape(await admin.get(f"{ref}/memory"), MemoryOut)["working_memory"] is None
    body = {"working_memory": "first", "append": True}
    assert_shape(await admin.put(f"{ref}/memory", json=body), MemorySaved)
    assert assert_shape(await admin.get(f"{ref}/memory"), MemoryOut)["working_memory"] == "first"

    made = await admin.post(f"{ref}/keys", json={"expires_in_days": 30})
    assert made.status_code == 201, made.text
    key_id = made.json()["key"]["id"]
    listed = assert_shape(await admin.get(f"{ref}/keys"), AgentKeyList)
    assert [k["id"] for k in listed["keys"]] == [key_id]
    revoke = await admin.request("DELETE", f"{ref}/keys", json={"key_id": key_id})
    assert_shape(revoke, KeyRevoked)
    assert assert_shape(await admin.get(f"{ref}/keys"), AgentKeyList)["keys"][0]["revoked_at"]

    assert_shape(await admin.delete(ref), AgentDeleted)


def _seed(conn: Connection, now: int) -> None:
    """Audit rows, activities (one in the previous day) and token usage of agent `bot`."""
    write_audit(conn, "task_claimed", actor="bot", target_type="task", target_id=1, ip="10.0.0.1")
    write_audit(conn, "api_key_used", actor="bot")
    for kind in ("task_updated", "task_error"):
        log_activity(
            conn, type=kind, entity_type="task", entity_id=1, actor="bot", description=kind
        )
    log_activity(
        conn, type="agent_note", entity_type="agent", entity_id=None, actor="bot", description="n"
    )
    conn.execute(
        sa.insert(activities).values(
            type="task_updated",
            entity_type="task",
            entity_id=1,
            actor="bot",
            description="yesterday",
            workspace_id=1,
            created_at=now - 86400 - 600,
        )
    )
    for model, tokens_in, tokens_out, cost in (("opus", 100, 10, 0.5), ("haiku", 7, 3, 0.01)):
        conn.execute(
            sa.insert(token_usage).values(
                model=model,
                session_id="bot:cli",
                agent_name="bot",
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                cost_usd=cost,
                workspace_id=1,
                created_at=now - 30,
            )
        )


async def test_attribution_and_diagnostics(
    harness: AppHarness,
    admin: httpx.AsyncClient,
    make_agent: MakeAgent,
    make_task: MakeTask,
    key_client: KeyClient,
) -> None:
    bot = await make_agent("bot", status="idle", runtime_type="cli")
    now = int(time.time())
    await make_task("shipped", status="done", assigned_to="bot", completed_at=now - 60)
    await make_task("broke", status="failed", assigned_to="bot", error_message="boom")
    await make_task("by bot", created_by="bot")
    await harness.rt.db.write(_seed, now)
    client, _ = await key_client(bot, ["viewer"])

    own = assert_shape(await client.get("/api/agents/bot/attribution"), AttributionOut)
    assert own["access_scope"] == "self"
    assert own["identity"]["api_keys"] and own["audit"]["events"] and own["mutations"]["recent"]
    assert own["cost"]["by_model"]
    audited = await admin.get("/api/agents/bot/attribution?privileged=1&section=audit")
    assert set(assert_shape(audited, AttributionOut)) == {
        "agent_name",
        "timeframe",
        "access_scope",
        "audit",
    }

    report: dict[str, Any] = assert_shape(
        await admin.get("/api/agents/bot/diagnostics?privileged=1"), DiagnosticsOut
    )
    assert report["tasks"]["recent"] and report["errors"]["failed_tasks"]
    assert report["errors"]["error_activities"] and report["activity"]["hourly"]
    change = report["trends"]["change_percent"]
    assert change["activity_count"] == 200.0 and change["error_count"] is None
    only = await client.get("/api/agents/bot/diagnostics?section=summary,tokens")
    assert set(assert_shape(only, DiagnosticsOut)) == {
        "agent",
        "timeframe",
        "access_scope",
        "summary",
        "tokens",
    }


async def test_connections(operator: httpx.AsyncClient) -> None:
    for _ in range(2):  # the second connection closes the first: both states are listed
        connected = await operator.post("/api/connect", json={"tool_name": "Shape Tool"})
        assert connected.status_code == 200, connected.text
    listed = assert_shape(await operator.get("/api/connect"), ConnectionList)
    assert [c["status"] for c in listed["connections"]] == ["connected", "disconnected"]
    connection_id = connected.json()["connection_id"]
    gone = await operator.request("DELETE", "/api/connect", json={"connection_id": connection_id})
    assert_shape(gone, Disconnected)
