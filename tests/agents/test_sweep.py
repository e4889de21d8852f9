"""The offline sweep and its scheduler job."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from mission_control.agents.jobs import run_offline_sweep, timeout_minutes
from mission_control.agents.service import sweep_offline
from mission_control.db.tables import activities, agents, connections, events, settings_table
from tests.agents.conftest import MakeAgent, rows
from tests.conftest import AppHarness


async def test_sweep_marks_silent_agents_offline(
    harness: AppHarness, make_agent: MakeAgent, other_workspace: int
) -> None:
    now = int(time.time())
    stale = await make_agent("stale", status="idle", last_seen=now - 11 * 60)
    await make_agent("fresh", status="busy", last_seen=now - 60)
    await make_agent("already", status="offline", last_seen=now - 3600)
    never = await make_agent(
        "never", status="idle", last_seen=None, created_at=now - 3600, updated_at=now - 3600
    )
    far = await make_agent("far", status="online", last_seen=now - 3600, workspace_id=2)
    swept = await harness.rt.db.write(sweep_offline, now, 10)
    assert sorted(a["name"] for a in swept) == ["far", "never", "stale"]
    status = {r["name"]: r["status"] for r in await rows(harness, sa.select(agents))}
    assert status == {
        "stale": "offline",
        "fresh": "busy",
        "already": "offline",
        "never": "offline",
        "far": "offline",
    }
    acts = await rows(
        harness, sa.select(activities).where(activities.c.type == "agent_status_change")
    )
    assert {(a["entity_id"], a["workspace_id"]) for a in acts} == {
        (stale["id"], 1),
        (never["id"], 1),
        (far["id"], 2),
    }
    assert all(a["actor"] == "system" and a["data"]["status"] == "offline" for a in acts)
    changed = await rows(harness, sa.select(events).where(events.c.type == "agent.status_changed"))
    assert sorted(e["data"]["name"] for e in changed) == ["far", "never", "stale"]
    assert await harness.rt.db.write(sweep_offline, now, 10) == []


async def test_sweep_closes_the_connections_of_agents_it_marks_offline(
    harness: AppHarness, make_agent: MakeAgent
) -> None:
    now = int(time.time())
    stale = await make_agent("stale", status="online", last_seen=now - 11 * 60)
    fresh = await make_agent("fresh", status="online", last_seen=now - 60)

    def open_connections(conn: Any) -> None:
        for agent in (stale, fresh):
            conn.execute(
                sa.insert(connections).values(
                    connection_id=f"c-{agent['name']}",
                    agent_id=agent["id"],
                    agent_name=agent["name"],
                    tool_name="cli",
                    workspace_id=1,
                    created_at=now - 3600,
                    last_heartbeat_at=now - 11 * 60,
                )
            )

    await harness.rt.db.write(open_connections)
    await harness.rt.db.write(sweep_offline, now, 10)
    found = {r["agent_name"]: r for r in await rows(harness, sa.select(connections))}
    assert found["stale"]["status"] == "disconnected"
    assert found["stale"]["disconnected_at"] == now
    assert found["fresh"]["status"] == "connected" and found["fresh"]["disconnected_at"] is None


async def test_job_reads_timeout_setting(harness: AppHarness, make_agent: MakeAgent) -> None:
    now = int(time.time())
    await make_agent("twenty", status="idle", last_seen=now - 20 * 60)
    assert await harness.rt.db.read(timeout_minutes) == 10

    def set_timeout(conn: Any, value: str) -> None:
        conn.execute(
            sa.delete(settings_table).where(settings_table.c.key == "general.agent_timeout_minutes")
        )
        conn.execute(
            sa.insert(settings_table).values(key="general.agent_timeout_minutes", value=value)
        )

    await harness.rt.db.write(set_timeout, "30")
    assert await harness.rt.db.read(timeout_minutes) == 30
    assert await run_offline_sweep(harness.rt) == "no stale agents"
    await harness.rt.db.write(set_timeout, "15")
    result = await run_offline_sweep(harness.rt)
    assert "twenty" in result and "1" in result
    row = (await rows(harness, sa.select(agents)))[0]
    assert row["status"] == "offline"
    await harness.rt.db.write(set_timeout, "not a number")
    assert await harness.rt.db.read(timeout_minutes) == 10
    await harness.rt.db.write(set_timeout, "0")
    assert await harness.rt.db.read(timeout_minutes) == 1
