"""Each `action` of GET /api/tokens answers the model its OpenAPI description names."""

from __future__ import annotations

import httpx
from pydantic import BaseModel

from mission_control.tokens.schemas import (
    AgentCostsView,
    ExportView,
    StatsView,
    TaskCostsView,
    TrendsView,
    UsageList,
)
from tests.conftest import AppHarness
from tests.seed_rows import insert_task
from tests.shapes import assert_shape


async def test_every_action_matches_its_model(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    task_id = await insert_task(harness, "costly")
    for extra in ({"taskId": task_id, "operation": "chat", "duration": 1200}, {}):
        usage = {"model": "claude-sonnet-4", "sessionId": "alpha:chat", "inputTokens": 10}
        recorded = await admin.post("/api/tokens", json={**usage, "outputTokens": 20, **extra})
        assert recorded.status_code == 200, recorded.text
    views: list[tuple[str, type[BaseModel], str]] = [
        ("", UsageList, "usage"),
        ("?action=list&timeframe=day", UsageList, "usage"),
        ("?action=stats", StatsView, "models"),
        ("?action=agent-costs", AgentCostsView, "agents"),
        ("?action=task-costs", TaskCostsView, "tasks"),
        ("?action=trends", TrendsView, "trends"),
        ("?action=export", ExportView, "usage"),
    ]
    for query, model, items in views:
        body = assert_shape(await admin.get(f"/api/tokens{query}"), model)
        assert body[items], query
    csv = await admin.get("/api/tokens?action=export&format=csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
