"""Outcomes and the regression report: authentication, workspace scope, OpenAPI models."""

from __future__ import annotations

import time

import httpx

from tests.conftest import AppHarness
from tests.seed_rows import insert_task, other_workspace_client


async def test_need_authentication(harness: AppHarness) -> None:
    async with harness.new_client() as anon:
        assert (await anon.get("/api/tasks/outcomes")).status_code == 401
        regression = await anon.get("/api/tasks/regression", params={"beta_start": "1"})
        assert regression.status_code == 401


async def test_only_the_callers_workspace(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    now = int(time.time())
    beta = now - 600
    await insert_task(
        harness,
        "home",
        status="done",
        outcome="success",
        assigned_to="home-agent",
        created_at=beta + 1,
        completed_at=beta + 11,
    )
    away, ws_id = await other_workspace_client(harness, "viewer")
    try:
        for n in range(3):
            await insert_task(
                harness,
                f"away {n}",
                workspace_id=ws_id,
                status="done",
                outcome="failed",
                error_message="boom",
                assigned_to="away-agent",
                created_at=beta + 1,
                completed_at=beta + 101,
            )
        away_outcomes = (await away.get("/api/tasks/outcomes")).json()
        assert away_outcomes["summary"]["total_done"] == 3
        assert set(away_outcomes["by_agent"]) == {"away-agent"}
        away_reg = (await away.get("/api/tasks/regression", params={"beta_start": beta})).json()
        assert away_reg["windows"]["post"]["sample_size"] == 3
        assert away_reg["windows"]["post"]["latency_seconds"]["p50"] == 100.0
    finally:
        await away.aclose()
    home = (await viewer.get("/api/tasks/outcomes")).json()
    assert home["summary"]["total_done"] == 1 and set(home["by_agent"]) == {"home-agent"}
    assert home["common_errors"] == []
    home_reg = (await viewer.get("/api/tasks/regression", params={"beta_start": beta})).json()
    assert home_reg["windows"]["post"]["sample_size"] == 1
    assert home_reg["windows"]["post"]["interventions"]["count"] == 0


async def test_openapi_has_response_models(viewer: httpx.AsyncClient) -> None:
    doc = (await viewer.get("/api/docs")).json()
    for path, model in (
        ("/api/tasks/outcomes", "OutcomesOut"),
        ("/api/tasks/regression", "RegressionOut"),
    ):
        schema = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert schema["schema"]["$ref"].endswith(model)
    assert "RegressionWindow" in doc["components"]["schemas"]
