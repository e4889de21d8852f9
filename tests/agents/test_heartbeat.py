"""Heartbeats: status, work items, token usage, connections, the per-agent limit."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa

from mission_control.db.tables import activities, agents, connections, notifications, token_usage
from mission_control.tokens.pricing import cost_usd
from tests.agents.conftest import KeyClient, MakeAgent, MakeTask, rows
from tests.conftest import TEST_API_KEY, AppHarness


async def test_ok_when_nothing_waits(
    harness: AppHarness, viewer: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    agent = await make_agent("quiet", status="offline")
    before = int(time.time())
    answer = await viewer.get(f"/api/agents/{agent['id']}/heartbeat")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "HEARTBEAT_OK" and body["agent"] == "quiet"
    assert body["work_items"] == [] and body["total_items"] == 0
    assert body["checked_at"] >= before
    row = (await rows(harness, sa.select(agents).where(agents.c.id == agent["id"])))[0]
    assert row["status"] == "idle" and row["last_seen"] >= before
    changes = await rows(
        harness, sa.select(activities).where(activities.c.type == "agent_status_change")
    )
    assert len(changes) == 1 and changes[0]["data"]["status"] == "idle"


async def test_busy_stays_busy_and_by_name(
    harness: AppHarness, viewer: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("worker", status="busy")
    answer = await viewer.get("/api/agents/worker/heartbeat")
    assert answer.json()["agent"] == "worker"
    row = (await rows(harness, sa.select(agents).where(agents.c.name == "worker")))[0]
    assert row["status"] == "busy"


async def test_work_items_in_priority_order(
    harness: AppHarness,
    viewer: httpx.AsyncClient,
    make_agent: MakeAgent,
    make_task: MakeTask,
) -> None:
    await make_agent("doer")
    low = await make_task("low", status="assigned", priority="low", assigned_to="doer")
    crit = await make_task("crit", status="in_progress", priority="critical", assigned_to="doer")
    med = await make_task("med", status="assigned", priority="medium", assigned_to="doer")
    high = await make_task("high", status="assigned", priority="high", assigned_to="doer")
    await make_task("finished", status="done", priority="critical", assigned_to="doer")
    await make_task("not mine", status="assigned", priority="critical", assigned_to="other")

    def add_notes(conn: Any) -> None:
        now = int(time.time())
        for title, read_at in (("unread", None), ("read", now)):
            conn.execute(
                sa.insert(notifications).values(
                    recipient="doer",
                    type="mention",
                    title=title,
                    read_at=read_at,
                    workspace_id=1,
                    created_at=now,
                )
            )

    await harness.rt.db.write(add_notes)
    body = (await viewer.get("/api/agents/doer/heartbeat")).json()
    assert body["status"] == "WORK_ITEMS_FOUND"
    by_type = {item["type"]: item for item in body["work_items"]}
    tasks_item = by_type["assigned_tasks"]
    assert [t["id"] for t in tasks_item["items"]] == [crit, high, med, low]
    assert tasks_item["count"] == 4
    assert [n["title"] for n in by_type["notifications"]["items"]] == ["unread"]
    assert body["total_items"] == 5


async def test_unknown_agent_is_404(viewer: httpx.AsyncClient) -> None:
    answer = await viewer.get("/api/agents/ghost/heartbeat")
    assert answer.status_code == 404 and answer.json() == {"error": "Agent not found"}


async def test_post_records_token_usage(
    harness: AppHarness, operator: httpx.AsyncClient, make_agent: MakeAgent, make_task: MakeTask
) -> None:
    await make_agent("spender")
    task_id = await make_task("paid work", assigned_to="spender", status="in_progress")
    answer = await operator.post(
        "/api/agents/spender/heartbeat",
        json={
            "token_usage": {
                "model": "claude-sonnet-4",
                "inputTokens": 1000,
                "outputTokens": 500,
                "taskId": task_id,
            }
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_recorded"] is True
    recorded = await rows(harness, sa.select(token_usage))
    assert len(recorded) == 1
    row = recorded[0]
    assert row["session_id"] == "spender:cli" and row["agent_name"] == "spender"
    assert row["input_tokens"] == 1000 and row["output_tokens"] == 500
    assert row["task_id"] == task_id
    assert row["cost_usd"] == cost_usd("claude-sonnet-4", 1000, 500) > 0


async def test_token_usage_validation_writes_nothing(
    harness: AppHarness, operator: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("careful", status="offline")
    for usage in (
        {"model": "m", "inputTokens": -1, "outputTokens": 0},
        {"model": "m", "inputTokens": "many", "outputTokens": 0},
        {"model": "", "inputTokens": 1, "outputTokens": 1},
        {"inputTokens": 1, "outputTokens": 1},
        {"model": "m", "inputTokens": 1, "outputTokens": 1, "taskId": 999999},
    ):
        answer = await operator.post("/api/agents/careful/heartbeat", json={"token_usage": usage})
        assert answer.status_code == 400, usage
    assert await rows(harness, sa.select(token_usage)) == []
    row = (await rows(harness, sa.select(agents).where(agents.c.name == "careful")))[0]
    assert row["status"] == "offline" and row["last_seen"] is None


async def test_post_needs_operator(viewer: httpx.AsyncClient, make_agent: MakeAgent) -> None:
    await make_agent("a1")
    denied = await viewer.post("/api/agents/a1/heartbeat", json={})
    assert denied.status_code == 403


async def test_connection_kept_fresh(harness: AppHarness, operator: httpx.AsyncClient) -> None:
    connected = (await operator.post("/api/connect", json={"tool_name": "cli"})).json()

    def age(conn: Any) -> None:
        conn.execute(sa.update(connections).values(last_heartbeat_at=1))

    await harness.rt.db.write(age)
    answer = await operator.post(
        f"/api/agents/{connected['agent_id']}/heartbeat",
        json={"connection_id": connected["connection_id"]},
    )
    assert answer.status_code == 200
    row = (await rows(harness, sa.select(connections)))[0]
    assert row["last_heartbeat_at"] > 1


async def test_thirty_per_minute_per_agent(harness_factory: Callable[..., Any]) -> None:
    async with harness_factory(disable_rate_limit=False) as h:

        def seed(conn: Any) -> None:
            now = int(time.time())
            for name in ("busy-bee", "calm"):
                conn.execute(
                    sa.insert(agents).values(
                        name=name, role="coder", workspace_id=1, created_at=now, updated_at=now
                    )
                )

        await h.rt.db.write(seed)
        # Spread over several IPs so the general read limit is not what stops us.
        codes = []
        for i in range(31):
            client = h.new_client(ip=f"10.1.0.{i + 1}", **{"x-api-key": TEST_API_KEY})
            codes.append((await client.get("/api/agents/busy-bee/heartbeat")).status_code)
        assert codes == [200] * 30 + [429]
        calm = h.new_client(ip="10.2.0.1", **{"x-api-key": TEST_API_KEY})
        assert (await calm.get("/api/agents/calm/heartbeat")).status_code == 200


async def test_agent_key_heartbeats_only_itself(
    harness: AppHarness, make_agent: MakeAgent, key_client: KeyClient
) -> None:
    me = await make_agent("me")
    other = await make_agent("other")
    client, _ = await key_client(me)
    own = await client.post(f"/api/agents/{me['id']}/heartbeat")
    assert own.status_code == 200 and own.json()["agent"] == "me"
    for path in (f"/api/agents/{other['id']}/heartbeat", "/api/agents/other/heartbeat"):
        denied = await client.get(path)
        assert denied.status_code == 403
        assert denied.json() == {"error": "Access denied: agent key may only access its own tasks."}
    admin_key, _ = await key_client(me, ["admin"])
    assert (await admin_key.get("/api/agents/other/heartbeat")).status_code == 200
