"""/api/export: CSV and JSON downloads, their headers, the audit row, roles and isolation."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.activities.service import log_activity
from mission_control.audit.export import CSV_COLUMNS as AUDIT_COLUMNS
from mission_control.db.tables import audit_log
from mission_control.export.service import ACTIVITY_COLUMNS, TASK_COLUMNS
from tests.conftest import AppHarness
from tests.seed_rows import agent_key_client, insert_agent, insert_task, other_workspace_client


def _exports(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(audit_log).where(audit_log.c.action == "data_export").order_by(audit_log.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def _csv(response: httpx.Response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.text)))


async def test_tasks_as_json(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    await insert_task(harness, "first", created_at=1_700_000_000, tags=["a"])
    await insert_task(harness, "second", created_at=1_700_000_100)
    response = await admin.get("/api/export", params={"type": "tasks", "format": "json"})
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    body = response.json()
    assert set(body) == {"type", "exported_at", "count", "data"}
    assert body["type"] == "tasks" and body["count"] == 2
    assert [t["title"] for t in body["data"]] == ["second", "first"]
    assert body["data"][1]["tags"] == ["a"] and body["data"][1]["ticket_ref"] is None
    records = await harness.rt.db.read(_exports)
    assert len(records) == 1
    assert records[0]["actor"] == "root-admin" and records[0]["target_type"] == "tasks"
    assert records[0]["detail"]["format"] == "json" and records[0]["detail"]["count"] == 2


async def test_csv_has_a_fixed_header_per_type(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    await insert_task(harness, '=HYPERLINK("http://evil")', description="line\nbreak, comma")
    await harness.rt.db.write(
        lambda c: log_activity(
            c,
            type="note",
            entity_type="task",
            entity_id=1,
            actor="tests",
            description="+1 formula-looking",
            data={"k": "v"},
        )
    )
    tasks_csv = await admin.get("/api/export", params={"type": "tasks"})  # csv is the default
    assert tasks_csv.status_code == 200
    assert tasks_csv.headers["content-type"].startswith("text/csv")
    assert ".csv" in tasks_csv.headers["content-disposition"]
    rows = _csv(tasks_csv)
    assert tuple(rows[0]) == TASK_COLUMNS and len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["title"] == '\'=HYPERLINK("http://evil")'  # disarmed for spreadsheets
    assert record["description"] == "line\nbreak, comma"
    activity_rows = _csv(await admin.get("/api/export", params={"type": "activities"}))
    assert tuple(activity_rows[0]) == ACTIVITY_COLUMNS
    item = dict(zip(activity_rows[0], activity_rows[1], strict=True))
    assert item["description"] == "'+1 formula-looking" and item["data"] == '{"k":"v"}'
    audit_rows = _csv(await admin.get("/api/export", params={"type": "audit", "format": "csv"}))
    assert tuple(audit_rows[0]) == AUDIT_COLUMNS
    # The audit export sees the two earlier exports (written before it read).
    actions = [dict(zip(audit_rows[0], r, strict=True))["action"] for r in audit_rows[1:]]
    assert actions.count("data_export") == 2
    empty = _csv(await admin.get("/api/export", params={"type": "tasks", "until": "1"}))
    assert empty == [list(TASK_COLUMNS)]


async def test_since_until_and_limit(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    for n, at in enumerate((1_700_000_000, 1_700_086_400, 1_700_172_800)):
        await insert_task(harness, f"t{n}", created_at=at)

    async def titles(**params: object) -> list[str]:
        response = await admin.get(
            "/api/export", params={"type": "tasks", "format": "json", **params}
        )  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        return [t["title"] for t in response.json()["data"]]

    assert await titles(since=1_700_086_400) == ["t2", "t1"]
    assert await titles(until="2023-11-15T22:13:20Z") == ["t1", "t0"]
    assert await titles(limit=1) == ["t2"]
    assert await titles(limit=0) == ["t2"]  # clamped to 1, never unlimited
    assert len(await titles(limit=10**9)) == 3


async def test_bad_input(admin: httpx.AsyncClient, harness: AppHarness) -> None:
    cases: list[dict[str, str]] = [
        {},
        {"type": "users"},
        {"type": "tasks", "format": "xml"},
        {"type": "tasks", "since": "yesterday"},
        {"type": "tasks", "since": "20", "until": "10"},
        {"type": "tasks", "limit": "many"},
        {"type": "x" * 500},
    ]
    for params in cases:
        response = await admin.get("/api/export", params=params)
        assert response.status_code == 400, params
        assert set(response.json()) >= {"error"}
    missing = await admin.get("/api/export")
    assert "type" in missing.json()["error"]
    assert await harness.rt.db.read(_exports) == []  # refused exports are not recorded


async def test_admin_only(
    harness: AppHarness, operator: httpx.AsyncClient, viewer: httpx.AsyncClient
) -> None:
    for client in (operator, viewer):
        response = await client.get("/api/export", params={"type": "tasks"})
        assert response.status_code == 403
    agent_id = await insert_agent(harness, "exporter")
    async with await agent_key_client(harness, agent_id, ["operator"]) as agent:
        assert (await agent.get("/api/export", params={"type": "audit"})).status_code == 403
    async with harness.new_client() as anon:
        assert (await anon.get("/api/export", params={"type": "tasks"})).status_code == 401
    assert await harness.rt.db.read(_exports) == []


async def test_only_the_callers_workspace(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    await insert_task(harness, "home task")
    away, ws_id = await other_workspace_client(harness, "admin")
    try:
        await insert_task(harness, "away task", workspace_id=ws_id)
        body = (await away.get("/api/export", params={"type": "tasks", "format": "json"})).json()
        assert [t["title"] for t in body["data"]] == ["away task"]
        audit_body = (
            await away.get("/api/export", params={"type": "audit", "format": "json"})
        ).json()
        assert audit_body["count"] >= 1
        assert {e["workspace_id"] for e in audit_body["data"]} == {ws_id}
    finally:
        await away.aclose()
    home = (await admin.get("/api/export", params={"type": "tasks", "format": "json"})).json()
    assert [t["title"] for t in home["data"]] == ["home task"]


async def test_heavy_rate_limit(harness_factory: Any) -> None:
    async with harness_factory(disable_rate_limit=False) as h, h.key_client() as client:
        codes = [
            (await client.get("/api/export", params={"type": "tasks"})).status_code
            for _ in range(11)
        ]
        assert codes == [200] * 10 + [429]
