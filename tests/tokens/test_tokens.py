"""/api/tokens: recording usage at configured prices, the stats views, export, by-agent."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

import pytest
import sqlalchemy as sa

from mission_control.db.tables import audit_log, token_usage
from tests.conftest import AppHarness
from tests.tasks.conftest import agent_key_client, make_agent


def _usage(session: str = "alpha:chat", model: str = "claude-sonnet-4", **extra: Any) -> Any:
    return {
        "model": model,
        "sessionId": session,
        "inputTokens": 1000,
        "outputTokens": 2000,
        **extra,
    }


async def _count(h: AppHarness) -> int:
    return int(
        await h.rt.db.read(
            lambda c: c.execute(sa.select(sa.func.count()).select_from(token_usage)).scalar()
        )
    )


async def _insert(h: AppHarness, **values: Any) -> None:
    row = {
        "model": "claude-sonnet-4",
        "session_id": "alpha:chat",
        "agent_name": "alpha",
        "input_tokens": 100,
        "output_tokens": 100,
        "cost_usd": 0.5,
        "workspace_id": 1,
        "created_at": int(time.time()),
        **values,
    }
    await h.rt.db.write(lambda c: c.execute(sa.insert(token_usage).values(**row)))


async def test_record_prices_from_the_table(harness: AppHarness, operator: Any) -> None:
    resp = await operator.post("/api/tokens", json=_usage(operation="chat", duration=1500))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["success"] is True
    record = body["record"]
    # claude-sonnet-4: $3 in, $15 out per million tokens
    assert record["cost"] == pytest.approx((1000 * 3 + 2000 * 15) / 1e6)
    assert record["agentName"] == "alpha" and record["sessionId"] == "alpha:chat"
    assert record["totalTokens"] == 3000 and record["duration"] == 1500
    # a provider-prefixed name finds the longest matching key
    opus = await operator.post("/api/tokens", json=_usage(model="anthropic/claude-opus-4-1"))
    assert opus.json()["record"]["cost"] == pytest.approx((1000 * 15 + 2000 * 75) / 1e6)


async def test_pricing_overrides_from_settings(
    harness: AppHarness, admin: Any, operator: Any
) -> None:
    put = await admin.put(
        "/api/settings",
        json={
            "settings": {
                "pricing.overrides": {
                    "claude-sonnet-4": {"input": 1, "output": 2},
                    "default": {"input": 10, "output": 10},
                }
            }
        },
    )
    assert put.status_code == 200, put.text
    sonnet = (await operator.post("/api/tokens", json=_usage())).json()["record"]
    assert sonnet["cost"] == pytest.approx((1000 * 1 + 2000 * 2) / 1e6)
    unknown = (await operator.post("/api/tokens", json=_usage(model="my-local-llm"))).json()
    assert unknown["record"]["cost"] == pytest.approx(3000 * 10 / 1e6)
    # heartbeats are priced the same way
    await make_agent(harness, "beater")
    beat = await operator.post(
        "/api/agents/beater/heartbeat",
        json={"token_usage": {"model": "claude-sonnet-4", "inputTokens": 1000, "outputTokens": 0}},
    )
    assert beat.status_code == 200, beat.text
    cost = await harness.rt.db.read(
        lambda c: c.execute(
            sa.select(token_usage.c.cost_usd).where(token_usage.c.agent_name == "beater")
        ).scalar()
    )
    assert cost == pytest.approx(1000 * 1 / 1e6)
    for bad in (
        {"gpt-4o": {"input": "cheap", "output": 1}},
        {"gpt-4o": {"input": -1, "output": 1}},
        {"gpt-4o": {"input": 1}},
        {"gpt-4o": 3},
    ):
        refused = await admin.put("/api/settings", json={"settings": {"pricing.overrides": bad}})
        assert refused.status_code == 400, bad
    kept = await admin.get("/api/settings")
    values = {s["key"]: s["value"] for s in kept.json()["settings"]}
    stored = values["pricing.overrides"]
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert stored["default"] == {"input": 10, "output": 10}


async def test_bad_input_writes_nothing(harness: AppHarness, operator: Any) -> None:
    for body in (
        {},
        {"model": "m", "sessionId": "a:b", "inputTokens": 1},
        _usage(inputTokens=-1),
        _usage(outputTokens="many"),
        _usage(inputTokens=10**12),
        _usage(model=""),
        _usage(model="x" * 129),
        _usage(session=""),
        _usage(session=":chat"),
        _usage(session="   "),
        _usage(taskId=999999),
        _usage(taskId="abc"),
        _usage(duration=-5),
    ):
        resp = await operator.post("/api/tokens", json=body)
        assert resp.status_code == 400, body
        assert "error" in resp.json()
    bad_json = await operator.post(
        "/api/tokens", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 400
    assert await _count(harness) == 0


async def test_roles_and_agent_keys(harness: AppHarness, viewer: Any) -> None:
    assert (await viewer.post("/api/tokens", json=_usage())).status_code == 403
    assert (await viewer.get("/api/tokens", params={"action": "stats"})).status_code == 200
    assert (await harness.client.get("/api/tokens")).status_code == 401
    assert (await harness.client.get("/api/tokens/by-agent")).status_code == 401
    assert (await harness.client.post("/api/tokens", json=_usage())).status_code == 401
    own = await agent_key_client(harness, "alpha")
    try:
        ok = await own.post("/api/tokens", json=_usage(session="alpha:cli"))
        assert ok.status_code == 200
        other = await own.post("/api/tokens", json=_usage(session="beta:cli"))
        assert other.status_code == 403
    finally:
        await own.aclose()
    assert await _count(harness) == 1


async def test_stats_views(harness: AppHarness, operator: Any, viewer: Any) -> None:
    project = await operator.post("/api/projects", json={"name": "Atlas"})
    assert project.status_code == 201, project.text
    task = await operator.post(
        "/api/tasks", json={"title": "Index", "project_id": project.json()["project"]["id"]}
    )
    task_id = task.json()["task"]["id"]
    await operator.post("/api/tokens", json=_usage("alpha:chat", taskId=task_id))
    await operator.post("/api/tokens", json=_usage("alpha:cli", model="gpt-4o", taskId=task_id))
    await operator.post("/api/tokens", json=_usage("beta:chat"))
    # an old record falls outside every timeframe except `all`
    await _insert(harness, agent_name="gamma", session_id="gamma:x", created_at=1000)

    stats = (await viewer.get("/api/tokens", params={"action": "stats", "timeframe": "day"})).json()
    assert stats["timeframe"] == "day" and stats["recordCount"] == 3
    assert set(stats["agents"]) == {"alpha", "beta"}
    assert set(stats["models"]) == {"claude-sonnet-4", "gpt-4o"}
    assert set(stats["sessions"]) == {"alpha:chat", "alpha:cli", "beta:chat"}
    alpha = stats["agents"]["alpha"]
    assert alpha["requestCount"] == 2 and alpha["totalTokens"] == 6000
    assert alpha["avgTokensPerRequest"] == 3000
    sonnet = (1000 * 3 + 2000 * 15) / 1e6
    gpt = (1000 * 2.5 + 2000 * 10) / 1e6
    assert alpha["totalCost"] == pytest.approx(sonnet + gpt)
    assert stats["summary"]["totalCost"] == pytest.approx(2 * sonnet + gpt)
    everything = (await viewer.get("/api/tokens", params={"action": "stats"})).json()
    assert everything["timeframe"] == "all" and everything["recordCount"] == 4

    costs = (
        await viewer.get("/api/tokens", params={"action": "agent-costs", "timeframe": "week"})
    ).json()
    assert costs["recordCount"] == 3 and costs["timeframe"] == "week"
    alpha_costs = costs["agents"]["alpha"]
    assert alpha_costs["sessions"] == ["alpha:chat", "alpha:cli"]
    assert set(alpha_costs["models"]) == {"claude-sonnet-4", "gpt-4o"}
    assert len(alpha_costs["timeline"]) == 1
    assert alpha_costs["timeline"][0]["tokens"] == 6000

    by_task = (await viewer.get("/api/tokens", params={"action": "task-costs"})).json()
    assert by_task["timeframe"] == "all" and by_task["recordCount"] == 4
    assert [t["taskId"] for t in by_task["tasks"]] == [task_id]
    item = by_task["tasks"][0]
    assert item["title"] == "Index" and item["project"]["name"] == "Atlas"
    assert item["stats"]["requestCount"] == 2 and set(item["models"]) == {
        "claude-sonnet-4",
        "gpt-4o",
    }
    assert by_task["agents"]["alpha"] == {
        "stats": item["stats"],
        "taskCount": 1,
        "taskIds": [task_id],
    }
    assert by_task["projects"]["Atlas"]["taskIds"] == [task_id]
    assert by_task["unattributed"]["requestCount"] == 2
    assert by_task["summary"]["requestCount"] == 2

    trend = (await viewer.get("/api/tokens", params={"action": "trends"})).json()
    assert [p["requests"] for p in trend["trends"]] == [1, 3]
    assert trend["trends"][0]["timestamp"] == 0  # the record at t=1000 is in hour 0

    listed = (await viewer.get("/api/tokens", params={"limit": 2, "timeframe": "day"})).json()
    assert listed["total"] == 3 and len(listed["usage"]) == 2
    assert listed["usage"][0]["sessionId"] == "beta:chat"  # newest first
    capped = (await viewer.get("/api/tokens", params={"limit": 10**9})).json()
    assert capped["limit"] == 10000


async def test_bad_query_parameters(viewer: Any) -> None:
    for params in (
        {"action": "delete"},
        {"timeframe": "year"},
        {"action": "export", "format": "xml"},
        {"limit": "ten"},
        {"action": "' OR 1=1 --"},
    ):
        resp = await viewer.get("/api/tokens", params=params)
        assert resp.status_code == 400, params
        assert "error" in resp.json()
    for days in ("0", "366", "-1", "abc", "1.5"):
        resp = await viewer.get("/api/tokens/by-agent", params={"days": days})
        assert resp.status_code == 400, days


async def test_export_json_and_csv_is_audited(
    harness: AppHarness, operator: Any, viewer: Any
) -> None:
    await operator.post("/api/tokens", json=_usage("=cmd|calc:chat"))
    await operator.post("/api/tokens", json=_usage("beta:chat", operation="@SUM(A1)"))
    as_json = await viewer.get("/api/tokens", params={"action": "export", "timeframe": "day"})
    assert as_json.status_code == 200
    data = as_json.json()
    assert data["count"] == 2 and data["truncated"] is False and data["timeframe"] == "day"
    assert data["summary"]["requestCount"] == 2
    as_csv = await viewer.get("/api/tokens", params={"action": "export", "format": "csv"})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 2
    # cells a spreadsheet would run as formulas are neutralised
    assert rows[0]["sessionId"] == "'=cmd|calc:chat" and rows[1]["operation"] == "'@SUM(A1)"
    assert rows[1]["cost"] == str(round((1000 * 3 + 2000 * 15) / 1e6, 6))
    exports = await harness.rt.db.read(
        lambda c: [
            dict(r)
            for r in c.execute(
                sa.select(audit_log.c.action, audit_log.c.actor, audit_log.c.detail)
                .where(audit_log.c.action == "data_export")
                .order_by(audit_log.c.id)
            ).mappings()
        ]
    )
    assert [e["detail"]["format"] for e in exports] == ["json", "csv"]
    assert exports[0]["actor"] == "view-person" and exports[0]["detail"]["count"] == 2


async def test_by_agent(harness: AppHarness, operator: Any, viewer: Any) -> None:
    await operator.post("/api/tokens", json=_usage("alpha:chat"))
    await operator.post("/api/tokens", json=_usage("alpha:cli", model="gpt-4o"))
    await operator.post("/api/tokens", json=_usage("beta:chat", model="gpt-4o"))
    await _insert(harness, agent_name="alpha", created_at=int(time.time()) - 40 * 86400)
    resp = await viewer.get("/api/tokens/by-agent")
    assert resp.status_code == 200
    body = resp.json()
    assert body["days"] == 30
    agents = {a["agent"]: a for a in body["agents"]}
    assert set(agents) == {"alpha", "beta"}
    alpha = agents["alpha"]
    assert alpha["request_count"] == 2 and alpha["session_count"] == 2
    assert alpha["total_tokens"] == 6000
    assert {m["model"]: m["request_count"] for m in alpha["models"]} == {
        "claude-sonnet-4": 1,
        "gpt-4o": 1,
    }
    assert body["summary"]["request_count"] == 3
    longer = (await viewer.get("/api/tokens/by-agent", params={"days": 365})).json()
    assert {a["agent"]: a["request_count"] for a in longer["agents"]}["alpha"] == 3


async def test_rotate_still_lives_beside_tokens(admin: Any, operator: Any) -> None:
    status = await admin.get("/api/tokens/rotate")
    assert status.status_code == 200
    assert (await operator.post("/api/tokens/rotate")).status_code == 403
    rotated = await admin.post("/api/tokens/rotate")
    assert rotated.status_code == 200 and rotated.json()["api_key"].startswith("mc_")


async def test_records_are_per_workspace(harness: AppHarness, operator: Any) -> None:
    from tests.tasks.conftest import second_workspace_client

    await operator.post("/api/tokens", json=_usage())
    _ws, other = await second_workspace_client(harness)
    try:
        seen = (await other.get("/api/tokens", params={"action": "stats"})).json()
        assert seen["recordCount"] == 0
        assert (await other.get("/api/tokens/by-agent")).json()["agents"] == []
    finally:
        await other.aclose()
