"""Outcome statistics and the regression report, on rows with known times."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import tasks
from tests.conftest import AppHarness

NOW = int(time.time())


async def _done(harness: AppHarness, *, created: int, completed: int, **fields: Any) -> None:
    def insert(conn: Connection) -> None:
        conn.execute(
            sa.insert(tasks).values(
                title="t",
                status=fields.pop("status", "done"),
                created_by="tests",
                project_id=1,
                created_at=created,
                updated_at=completed,
                completed_at=completed,
                **fields,
            )
        )

    await harness.rt.db.write(insert)


async def test_outcomes(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    await _done(harness, created=NOW - 100, completed=NOW - 50, outcome="success", assigned_to="a")
    await _done(
        harness,
        created=NOW - 100,
        completed=NOW - 10,
        outcome="success",
        assigned_to="a",
        priority="high",
    )
    await _done(
        harness,
        created=NOW - 300,
        completed=NOW - 100,
        outcome="failed",
        assigned_to="b",
        retry_count=3,
        error_message="boom",
    )
    await _done(harness, created=NOW - 60, completed=NOW - 20, error_message="boom")
    await _done(harness, created=NOW - 90 * 86400, completed=NOW - 40 * 86400, outcome="partial")
    await _done(harness, created=NOW - 10, completed=NOW, status="in_progress", outcome="success")

    body = (await viewer.get("/api/tasks/outcomes?timeframe=week")).json()
    assert body["timeframe"] == "week" and body["record_count"] == 4
    summary = body["summary"]
    assert summary["total_done"] == 4 and summary["with_outcome"] == 3
    assert summary["by_outcome"] == {
        "success": 2,
        "failed": 1,
        "partial": 0,
        "abandoned": 0,
        "unknown": 1,
    }
    assert summary["avg_retry_count"] == 0.75
    assert summary["avg_time_to_resolution_seconds"] == round((50 + 90 + 200 + 40) / 4)
    assert summary["success_rate"] == 66.67
    assert body["by_agent"]["a"]["success"] == 2 and body["by_agent"]["a"]["success_rate"] == 100.0
    assert body["by_agent"]["unassigned"]["unknown"] == 1 and body["by_agent"]["b"]["total"] == 1
    assert body["by_priority"]["high"]["total"] == 1 and body["by_priority"]["medium"]["total"] == 3
    assert body["common_errors"] == [{"error_message": "boom", "count": 2}]
    everything = (await viewer.get("/api/tasks/outcomes?timeframe=all")).json()
    assert everything["summary"]["by_outcome"]["partial"] == 1 and everything["record_count"] == 5
    assert (await viewer.get("/api/tasks/outcomes")).json()["timeframe"] == "all"
    assert (await viewer.get("/api/tasks/outcomes?timeframe=year")).status_code == 400


async def test_outcomes_empty(viewer: httpx.AsyncClient) -> None:
    body = (await viewer.get("/api/tasks/outcomes?timeframe=day")).json()
    assert body["summary"]["total_done"] == 0 and body["summary"]["success_rate"] == 0
    assert body["by_agent"] == {} and body["common_errors"] == []


async def test_regression_windows(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    beta = int(time.time()) - 1000
    # baseline window: [beta - 1000, beta)
    await _done(harness, created=beta - 900, completed=beta - 800)  # 100 s
    await _done(harness, created=beta - 700, completed=beta - 400, retry_count=1)  # 300 s
    await _done(harness, created=beta - 5000, completed=beta - 1500)  # outside the baseline
    # post window: [beta, now]
    await _done(harness, created=beta, completed=beta + 10)
    await _done(harness, created=beta, completed=beta + 20)
    await _done(harness, created=beta, completed=beta + 30, outcome="abandoned")
    await _done(harness, created=beta, completed=beta + 40)

    response = await viewer.get(f"/api/tasks/regression?beta_start={beta}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["params"] == {"beta_start": beta, "lookback_seconds": 604800}
    base, post = body["windows"]["baseline"], body["windows"]["post"]
    assert base["label"] == "baseline" and post["label"] == "post"
    assert (
        beta - 1030 <= base["start"] <= beta - 1000
        and base["end"] == beta
        and post["start"] == beta
    )
    assert base["sample_size"] == 2 and post["sample_size"] == 4
    assert base["latency_seconds"] == {"p50": 100.0, "p95": 300.0, "avg": 200.0}
    assert post["latency_seconds"] == {"p50": 20.0, "p95": 40.0, "avg": 25.0}
    assert base["interventions"] == {"count": 1, "rate": 0.5}
    assert post["interventions"] == {"count": 1, "rate": 0.25}
    assert body["deltas"] == {"p95_latency_seconds": -260.0, "intervention_rate": -0.25}
    assert set(body["metric_definitions"]) >= {"latency_seconds", "interventions"}

    short = (await viewer.get(f"/api/tasks/regression?beta_start={beta}&lookback_seconds=1")).json()
    assert short["params"]["lookback_seconds"] == 60
    assert short["windows"]["baseline"]["start"] == beta - 60
    assert short["windows"]["baseline"]["sample_size"] == 0
    assert short["windows"]["baseline"]["latency_seconds"]["p95"] is None
    assert short["deltas"]["p95_latency_seconds"] is None
    iso = datetime.fromtimestamp(beta, UTC).isoformat().replace("+00:00", "Z")
    by_iso = (await viewer.get(f"/api/tasks/regression?beta_start={iso}")).json()
    assert by_iso["params"]["beta_start"] == beta


async def test_regression_validation(viewer: httpx.AsyncClient) -> None:
    assert (await viewer.get("/api/tasks/regression")).status_code == 400
    future = await viewer.get(f"/api/tasks/regression?beta_start={NOW + 3600}")
    assert future.status_code == 400 and "future" in future.json()["error"]
    assert (await viewer.get("/api/tasks/regression?beta_start=yesterday")).status_code == 400
    bad_lookback = await viewer.get(
        f"/api/tasks/regression?beta_start={NOW - 10}&lookback_seconds=x"
    )
    assert bad_lookback.status_code == 400
