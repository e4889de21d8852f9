"""Attribution and diagnostics: the self/privileged rule, sections, validation, content."""

from __future__ import annotations

import time
from typing import Any

import httpx
import sqlalchemy as sa

from mission_control.activities.service import log_activity
from mission_control.db.tables import token_usage
from tests.agents.conftest import KeyClient, MakeAgent, MakeTask
from tests.conftest import AppHarness


async def _seed_work(harness: AppHarness, make_task: MakeTask) -> None:
    now = int(time.time())
    await make_task("shipped", status="done", assigned_to="bot", completed_at=now - 60)
    await make_task("broke", status="failed", assigned_to="bot", error_message="boom")
    await make_task("ongoing", status="in_progress", assigned_to="bot")
    await make_task("by bot", created_by="bot")

    def seed(conn: Any) -> None:
        for kind in ("task_updated", "task_updated", "task_error"):
            log_activity(
                conn,
                type=kind,
                entity_type="task",
                entity_id=1,
                actor="bot",
                description=kind,
            )
        log_activity(
            conn, type="task_updated", entity_type="task", entity_id=1, actor="x", description="d"
        )
        for model, tin, tout, cost in (
            ("opus", 100, 10, 0.5),
            ("opus", 50, 5, 0.25),
            ("haiku", 7, 3, 0.01),
        ):
            conn.execute(
                sa.insert(token_usage).values(
                    model=model,
                    session_id="bot:cli",
                    agent_name="bot",
                    input_tokens=tin,
                    output_tokens=tout,
                    cost_usd=cost,
                    workspace_id=1,
                    created_at=now - 30,
                )
            )
        conn.execute(
            sa.insert(token_usage).values(
                model="opus",
                session_id="bot:cli",
                agent_name="bot",
                input_tokens=1,
                output_tokens=1,
                cost_usd=9.0,
                workspace_id=1,
                created_at=now - 48 * 3600,
            )
        )

    await harness.rt.db.write(seed)


async def test_attribution_for_the_agent_itself(
    harness: AppHarness, make_agent: MakeAgent, make_task: MakeTask, key_client: KeyClient
) -> None:
    bot = await make_agent("bot")
    await _seed_work(harness, make_task)
    client, key_id = await key_client(bot, ["viewer"])
    answer = await client.get(f"/api/agents/{bot['id']}/attribution")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["agent_name"] == "bot" and body["access_scope"] == "self"
    assert body["timeframe"]["hours"] == 24
    assert body["timeframe"]["until"] - body["timeframe"]["since"] == 24 * 3600
    assert body["identity"]["name"] == "bot"
    assert [k["id"] for k in body["identity"]["api_keys"]] == [key_id]
    assert "key_hash" not in body["identity"]["api_keys"][0]
    assert body["mutations"]["by_type"] == {"task_updated": 2, "task_error": 1}
    assert body["mutations"]["tasks_created"] == 1
    cost = body["cost"]
    assert cost["request_count"] == 3 and cost["input_tokens"] == 157
    assert abs(cost["cost_usd"] - 0.76) < 1e-9
    assert cost["by_model"]["opus"]["request_count"] == 2
    assert "total" in body["audit"]


async def test_attribution_sections_and_validation(
    operator: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("bot")
    mine = {"x-agent-name": "bot"}
    only = await operator.get("/api/agents/bot/attribution?section=cost,identity", headers=mine)
    assert only.status_code == 200
    assert set(only.json()) == {"agent_name", "timeframe", "access_scope", "cost", "identity"}
    long = await operator.get("/api/agents/bot/attribution?hours=720", headers=mine)
    assert long.status_code == 200 and long.json()["timeframe"]["hours"] == 720
    for query in ("hours=0", "hours=721", "hours=abc", "hours=-1", "section=cost,secrets"):
        bad = await operator.get(f"/api/agents/bot/attribution?{query}", headers=mine)
        assert bad.status_code == 400, query
    missing = await operator.get("/api/agents/ghost/attribution", headers={"x-agent-name": "ghost"})
    assert missing.status_code == 404


async def test_attribution_denied_to_others(
    viewer: httpx.AsyncClient,
    operator: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    make_agent: MakeAgent,
    key_client: KeyClient,
) -> None:
    await make_agent("bot")
    me = await make_agent("nosy")
    for client in (viewer, operator, admin):
        denied = await client.get("/api/agents/bot/attribution")
        assert denied.status_code == 403
    assert (await viewer.get("/api/agents/bot/attribution?privileged=1")).status_code == 403
    assert (await operator.get("/api/agents/bot/attribution?privileged=1")).status_code == 403
    privileged = await admin.get("/api/agents/bot/attribution?privileged=1")
    assert privileged.status_code == 200 and privileged.json()["access_scope"] == "privileged"
    other_key, _ = await key_client(me, ["operator"])
    assert (await other_key.get("/api/agents/bot/attribution")).status_code == 403
    spoofed = await other_key.get("/api/agents/bot/attribution", headers={"x-agent-name": "bot"})
    assert spoofed.status_code == 403
    header_self = await viewer.get("/api/agents/bot/attribution", headers={"x-agent-name": "bot"})
    assert header_self.status_code == 200 and header_self.json()["access_scope"] == "self"


async def test_diagnostics(
    harness: AppHarness, make_agent: MakeAgent, make_task: MakeTask, key_client: KeyClient
) -> None:
    bot = await make_agent("bot", status="idle")
    await _seed_work(harness, make_task)
    client, _ = await key_client(bot, ["viewer"])
    body = (await client.get("/api/agents/bot/diagnostics")).json()
    assert body["agent"] == {
        "id": bot["id"],
        "name": "bot",
        "role": "coder",
        "status": "idle",
        "last_seen": None,
    }
    assert body["access_scope"] == "self"
    assert body["summary"] == {
        "tasks_completed": 1,
        "tasks_total": 3,
        "activity_count": 3,
        "error_count": 2,
        "error_rate_percent": 66.7,
    }
    assert body["tasks"]["by_status"] == {"done": 1, "failed": 1, "in_progress": 1}
    assert [t["title"] for t in body["errors"]["failed_tasks"]] == ["broke"]
    assert body["errors"]["failed_tasks"][0]["error_message"] == "boom"
    assert (
        body["activity"]["total"] == 3 and sum(h["count"] for h in body["activity"]["hourly"]) == 3
    )
    assert body["trends"]["current"]["activity_count"] == 3
    assert body["trends"]["previous"]["activity_count"] == 0
    assert body["trends"]["change_percent"]["activity_count"] is None
    assert body["tokens"]["request_count"] == 3
    only = (await client.get("/api/agents/bot/diagnostics?section=tokens&hours=72")).json()
    assert set(only) == {"agent", "timeframe", "access_scope", "tokens"}
    assert only["tokens"]["request_count"] == 4
    assert (await client.get("/api/agents/bot/diagnostics?section=nope")).status_code == 400
    assert (await client.get("/api/agents/bot/diagnostics?hours=1000")).status_code == 400


async def test_diagnostics_self_or_privileged(
    viewer: httpx.AsyncClient, admin: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("bot")
    assert (await viewer.get("/api/agents/bot/diagnostics")).status_code == 403
    assert (await admin.get("/api/agents/bot/diagnostics")).status_code == 403
    privileged = await admin.get("/api/agents/bot/diagnostics?privileged=1")
    assert privileged.status_code == 200 and privileged.json()["access_scope"] == "privileged"
