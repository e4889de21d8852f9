"""Alert rule CRUD: defaults, whitelists, bad input refused with nothing saved, roles, audit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from mission_control.db.tables import alert_rules, audit_log
from tests.conftest import AppHarness

pytestmark = pytest.mark.anyio

AGENT_ERROR = {
    "name": "Agent in error",
    "entity_type": "agent",
    "condition_field": "status",
    "condition_operator": "equals",
    "condition_value": "error",
}


async def _rules(h: AppHarness) -> list[dict[str, Any]]:
    def run(conn: Any) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in conn.execute(sa.select(alert_rules).order_by(alert_rules.c.id)).mappings()
        ]

    return await h.rt.db.read(run)


async def _audit_actions(h: AppHarness) -> list[str]:
    def run(conn: Any) -> list[str]:
        return list(conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.id)).scalars())

    return await h.rt.db.read(run)


async def test_fresh_install_ships_the_two_security_rules(viewer: httpx.AsyncClient) -> None:
    response = await viewer.get("/api/alerts")
    assert response.status_code == 200
    rules = response.json()["rules"]
    assert [(r["entity_type"], r["condition_value"], r["enabled"]) for r in rules] == [
        ("security", "auth_failure", True),
        ("security", "permission_denied", True),
    ]
    assert [r["action_config"]["threshold"] for r in rules] == [10, 20]
    assert {r["action_config"]["window_minutes"] for r in rules} == {5}


async def test_create_update_delete(
    harness: AppHarness, operator: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    created = await operator.post("/api/alerts", json={**AGENT_ERROR, "enabled": 0})
    assert created.status_code == 201, created.text
    rule = created.json()["rule"]
    assert rule["action_type"] == "notification" and rule["cooldown_minutes"] == 60
    assert rule["enabled"] is False and rule["trigger_count"] == 0 and rule["action_config"] == {}
    assert rule["created_by"] == "ops-person"
    number = await operator.post(
        "/api/alerts",
        json={
            "name": "Retried a lot",
            "entity_type": "task",
            "condition_field": "retry_count",
            "condition_operator": "greater_than",
            "condition_value": 3,
            "enabled": True,
        },
    )
    assert number.status_code == 201 and number.json()["rule"]["condition_value"] == "3"
    changed = await operator.put(
        "/api/alerts",
        json={"id": str(rule["id"]), "enabled": 1, "cooldown_minutes": 5, "description": "x"},
    )
    assert changed.status_code == 200
    assert changed.json()["rule"] == {
        **rule,
        "enabled": True,
        "cooldown_minutes": 5,
        "description": "x",
        "updated_at": changed.json()["rule"]["updated_at"],
    }
    assert (await operator.put("/api/alerts", json={"id": 9999, "name": "n"})).status_code == 404
    assert (
        await operator.request("DELETE", "/api/alerts", json={"id": rule["id"]})
    ).status_code == 403
    no_body = await admin.request("DELETE", "/api/alerts")
    assert no_body.status_code == 400 and "body required" in no_body.json()["error"]
    deleted = await admin.request("DELETE", "/api/alerts", json={"id": rule["id"]})
    assert deleted.status_code == 200 and deleted.json() == {"deleted": True}
    assert (
        await admin.request("DELETE", "/api/alerts", json={"id": rule["id"]})
    ).status_code == 404
    assert len(await _rules(harness)) == 3
    actions = await _audit_actions(harness)
    for action in ("alert_rule_create", "alert_rule_update", "alert_rule_delete"):
        assert action in actions


async def test_viewer_reads_only(viewer: httpx.AsyncClient) -> None:
    assert (await viewer.post("/api/alerts", json=AGENT_ERROR)).status_code == 403
    assert (await viewer.post("/api/alerts", json={"action": "evaluate"})).status_code == 403
    assert (await viewer.put("/api/alerts", json={"id": 1, "enabled": False})).status_code == 403


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"entity_type": "planet"}, "Validation failed"),
        ({"condition_operator": "matches"}, "Validation failed"),
        ({"condition_field": "password_hash"}, "Invalid condition_field"),
        ({"condition_field": "soul_content"}, "Invalid condition_field"),
        ({"condition_field": "name; DROP TABLE agents"}, "Invalid condition_field"),
        ({"condition_operator": "greater_than"}, "needs a numeric field"),
        ({"condition_operator": "age_minutes_above"}, "needs a time field"),
        ({"condition_operator": "count_above"}, "action_config.threshold"),
        ({"condition_value": ""}, "condition_value is required"),
        ({"condition_value": True}, "Validation failed"),
        ({"condition_value": "x" * 501}, "too long"),
        ({"cooldown_minutes": 0}, "Validation failed"),
        ({"cooldown_minutes": 10081}, "Validation failed"),
        ({"name": ""}, "Validation failed"),
        ({"name": "n" * 201}, "Validation failed"),
        ({"action_type": "email"}, "Validation failed"),
        ({"action_config": [1]}, "Validation failed"),
        ({"action_config": {"threshold": -1}}, "threshold"),
        ({"action_config": {"window_minutes": 0}}, "window_minutes"),
        ({"action_config": {"recipient": 5}}, "recipient"),
        ({"action_config": {"blob": "x" * 5000}}, "too large"),
        (
            {"entity_type": "security", "condition_field": "event_type"},
            "count_above or count_below",
        ),
        (
            {
                "entity_type": "security",
                "condition_field": "event_type",
                "condition_operator": "count_above",
                "condition_value": "coffee_spilled",
                "action_config": {"threshold": 2},
            },
            "Unknown security event type",
        ),
        (
            {"entity_type": "task", "condition_field": "retry_count", "condition_value": "many"},
            "number",
        ),
    ],
)
async def test_bad_rules_are_refused_and_nothing_changes(
    harness: AppHarness, operator: httpx.AsyncClient, changes: dict[str, Any], fragment: str
) -> None:
    before = await _rules(harness)
    response = await operator.post("/api/alerts", json={**AGENT_ERROR, **changes})
    assert response.status_code == 400, response.text
    assert fragment in str(response.json())
    # The same change on an existing rule is refused as a whole.
    seeded = before[0]
    update = await operator.put(
        "/api/alerts", json={"id": seeded["id"], **AGENT_ERROR, "action_config": {}, **changes}
    )
    assert update.status_code == 400
    assert await _rules(harness) == before


async def test_bad_bodies(operator: httpx.AsyncClient) -> None:
    assert (await operator.post("/api/alerts", content=b"[1]")).status_code == 400
    assert (await operator.post("/api/alerts", content=b"")).status_code == 400
    assert (await operator.post("/api/alerts", json={"action": "explode"})).status_code == 400
    assert (
        await operator.post("/api/alerts", json={"action": "evaluate", "id": 999})
    ).status_code == 404
    assert (await operator.put("/api/alerts", json={"enabled": True})).status_code == 400


async def test_openapi_documents_the_routes(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    spec = harness.app.openapi()
    alerts = spec["paths"]["/api/alerts"]
    assert set(alerts) >= {"get", "post", "put", "delete"}
    assert "AlertRuleCreate" in str(alerts["post"]) and "EvaluateRequest" in str(alerts["post"])
    assert "EvaluationOut" in spec["components"]["schemas"]
