"""/api/standup: building the day's report, history, roles, agent keys, validation, isolation."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.activities.service import log_activity
from mission_control.db.tables import activities, standup_reports
from tests.conftest import AppHarness
from tests.seed_rows import agent_key_client, insert_agent, insert_task, other_workspace_client


async def _generate(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/standup", json=body)
    assert response.status_code == 200, response.text
    standup: dict[str, Any] = response.json()["standup"]
    return standup


def _titles(items: list[dict[str, Any]]) -> list[str]:
    return [t["title"] for t in items]


async def _seed_team(harness: AppHarness) -> int:
    now = int(time.time())
    await insert_agent(harness, "ada", role="coder")
    await insert_agent(harness, "bob", role="tester", status="busy")
    await insert_agent(harness, "hidden", hidden=True)
    await insert_task(harness, "shipped", assigned_to="ada", status="done", completed_at=now)
    await insert_task(
        harness, "shipped long ago", assigned_to="ada", status="done", completed_at=now - 5 * 86400
    )
    await insert_task(harness, "low work", assigned_to="ada", status="in_progress", priority="low")
    await insert_task(
        harness, "urgent work", assigned_to="ada", status="in_progress", priority="critical"
    )
    await insert_task(harness, "queued", assigned_to="bob", status="assigned")
    await insert_task(harness, "checking", assigned_to="bob", status="quality_review")
    await insert_task(harness, "stuck", assigned_to="bob", status="awaiting_owner")
    await insert_task(harness, "late", assigned_to="bob", status="assigned", due_date=now - 3600)
    await insert_task(harness, "late but done", status="done", due_date=now - 3600)
    await harness.rt.db.write(
        lambda c: log_activity(
            c,
            type="task_updated",
            entity_type="task",
            entity_id=1,
            actor="ada",
            description="ada moved a task",
        )
    )
    return now


async def test_generate_today(harness: AppHarness, operator: httpx.AsyncClient) -> None:
    now = await _seed_team(harness)
    standup = await _generate(operator)
    assert standup["date"] == datetime.fromtimestamp(now, UTC).date().isoformat()
    assert standup["created_by"] == "ops-person" and standup["generatedAt"] >= now
    reports = {r["agent"]["name"]: r for r in standup["agentReports"]}
    assert set(reports) == {"ada", "bob"}  # hidden agents are left out
    ada, bob = reports["ada"], reports["bob"]
    assert _titles(ada["completedToday"]) == ["shipped"]
    assert _titles(ada["inProgress"]) == ["urgent work", "low work"]  # priority order
    assert ada["activityCount"] == 1
    assert _titles(bob["assigned"]) == ["queued", "late"]
    assert _titles(bob["review"]) == ["checking"] and _titles(bob["blocked"]) == ["stuck"]
    assert bob["agent"]["status"] == "busy" and bob["agent"]["role"] == "tester"
    assert _titles(standup["overdueTasks"]) == ["late"]
    assert standup["summary"] == {
        "totalAgents": 2,
        "totalCompleted": 1,
        "totalInProgress": 2,
        "totalAssigned": 2,
        "totalReview": 1,
        "totalBlocked": 1,
        "totalActivity": 1,
        "overdue": 1,
    }
    item = ada["completedToday"][0]
    assert set(item) == {
        "id",
        "title",
        "status",
        "priority",
        "ticket_ref",
        "assigned_to",
        "due_date",
        "completed_at",
    }

    def logged(conn: Connection) -> list[Any]:
        return list(
            conn.execute(
                sa.select(activities.c.entity_id).where(activities.c.type == "standup_generated")
            ).scalars()
        )

    assert await harness.rt.db.read(logged) == [standup["id"]]


async def test_a_past_day_and_chosen_agents(
    harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    now = await _seed_team(harness)
    past = datetime.fromtimestamp(now - 5 * 86400, UTC).date().isoformat()
    standup = await _generate(operator, date=past, agents=["ada"])
    assert standup["date"] == past
    [ada] = standup["agentReports"]
    assert _titles(ada["completedToday"]) == ["shipped long ago"]
    assert standup["overdueTasks"] == []  # bob's late task is not in this report
    # An empty body is today for everyone.
    response = await operator.post("/api/standup")
    assert response.status_code == 200 and response.json()["standup"]["summary"]["totalAgents"] == 2


async def test_history_and_single(
    harness: AppHarness, operator: httpx.AsyncClient, viewer: httpx.AsyncClient
) -> None:
    await _seed_team(harness)
    first = await _generate(operator)
    second = await _generate(operator, agents=["bob"])
    history = (await viewer.get("/api/standup")).json()
    assert history["total"] == 2 and history["page"] == 1 and history["limit"] == 20
    assert [h["id"] for h in history["history"]] == [second["id"], first["id"]]
    assert history["history"][0]["agentCount"] == 1
    assert history["history"][1]["summary"] == first["summary"]
    capped = (await viewer.get("/api/standup", params={"limit": 100000})).json()
    assert capped["limit"] == 100
    paged = (await viewer.get("/api/standup", params={"limit": 1, "offset": 1})).json()
    assert [h["id"] for h in paged["history"]] == [first["id"]] and paged["page"] == 2
    one = await viewer.get(f"/api/standup/{first['id']}")
    assert one.status_code == 200 and one.json()["standup"] == first
    assert (await viewer.get("/api/standup/999999")).status_code == 404
    assert (await viewer.get("/api/standup/abc")).status_code == 400


async def test_roles(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    assert (await viewer.post("/api/standup", json={})).status_code == 403
    async with harness.new_client() as anon:
        assert (await anon.get("/api/standup")).status_code == 401
        assert (await anon.post("/api/standup", json={})).status_code == 401

    def count(conn: Connection) -> int:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(standup_reports)).scalar_one()
        )

    assert await harness.rt.db.read(count) == 0


async def test_bad_input(harness: AppHarness, operator: httpx.AsyncClient) -> None:
    await insert_agent(harness, "ada")
    tomorrow = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    cases: list[Any] = [
        {"date": "2024-02-30"},
        {"date": "yesterday"},
        {"date": tomorrow},
        {"agents": "ada"},
        {"agents": ["ada", "nobody"]},
        {"agents": ["x"] * 201},
        [1, 2],
    ]
    for body in cases:
        response = await operator.post("/api/standup", json=body)
        assert response.status_code == 400, body
        assert "error" in response.json()
    unknown = await operator.post("/api/standup", json={"agents": ["ada", "nobody"]})
    assert unknown.json()["error"] == "Unknown agents: nobody"
    garbage = await operator.post(
        "/api/standup", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert garbage.status_code == 400 and garbage.json() == {"error": "Invalid request body"}
    assert (await operator.get("/api/standup")).json()["total"] == 0  # nothing half-saved


async def test_agent_key_reports_on_itself(
    harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    await _seed_team(harness)
    ada_id = await harness.rt.db.read(
        lambda c: c.execute(sa.text("SELECT id FROM agents WHERE name = 'ada'")).scalar_one()
    )
    team = await _generate(operator)
    async with await agent_key_client(harness, ada_id, ["operator"]) as agent:
        own = await _generate(agent)
        assert [r["agent"]["name"] for r in own["agentReports"]] == ["ada"]
        assert own["overdueTasks"] == []  # bob's late task is not ada's business
        refused = await agent.post("/api/standup", json={"agents": ["bob"]})
        assert refused.status_code == 403
        seen = (await agent.get(f"/api/standup/{team['id']}")).json()["standup"]
        assert [r["agent"]["name"] for r in seen["agentReports"]] == ["ada"]
        assert seen["overdueTasks"] == []
    async with await agent_key_client(harness, ada_id, ["operator", "admin"]) as agent:
        full = (await agent.get(f"/api/standup/{team['id']}")).json()["standup"]
        assert len(full["agentReports"]) == 2


async def test_other_workspace(harness: AppHarness, operator: httpx.AsyncClient) -> None:
    await _seed_team(harness)
    home = await _generate(operator)
    away, ws_id = await other_workspace_client(harness, "operator")
    try:
        await insert_agent(harness, "ada", workspace_id=ws_id)
        await insert_task(
            harness, "away work", workspace_id=ws_id, assigned_to="ada", status="assigned"
        )
        mine = await _generate(away)
        [ada] = mine["agentReports"]
        assert _titles(ada["assigned"]) == ["away work"] and ada["inProgress"] == []
        assert (await away.get(f"/api/standup/{home['id']}")).status_code == 404
        history = (await away.get("/api/standup")).json()
        assert [h["id"] for h in history["history"]] == [mine["id"]]
        bob = await away.post("/api/standup", json={"agents": ["bob"]})
        assert bob.status_code == 400  # bob lives in the other workspace
    finally:
        await away.aclose()
    assert (await operator.get(f"/api/standup/{mine['id']}")).status_code == 404
