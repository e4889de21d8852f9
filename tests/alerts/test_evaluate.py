"""Evaluating rules: operators, count semantics, cooldowns, actions, the scheduler, security rules."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from mission_control.db.tables import agents, alert_rules, notifications
from mission_control.security.security_events import record_security_event
from tests.conftest import AppHarness
from tests.webhooks.conftest import FakeClock, Receiver, wait_for

pytestmark = pytest.mark.anyio


async def _agent(h: AppHarness, name: str, status: str, last_seen: int | None = None) -> None:
    def run(conn: Any) -> None:
        now = int(time.time())
        conn.execute(
            sa.insert(agents).values(
                name=name,
                role="coder",
                status=status,
                last_seen=last_seen,
                workspace_id=1,
                created_at=now,
                updated_at=now,
            )
        )

    await h.rt.db.write(run)


async def _notifications(h: AppHarness) -> list[dict[str, Any]]:
    def run(conn: Any) -> list[dict[str, Any]]:
        query = sa.select(notifications).where(notifications.c.type == "alert")
        return [dict(r) for r in conn.execute(query.order_by(notifications.c.id)).mappings()]

    return await h.rt.db.read(run)


async def _security(h: AppHarness, event_type: str, count: int, *, age: int = 0) -> None:
    def run(conn: Any) -> None:
        for i in range(count):
            record_security_event(
                conn, event_type, ip=f"203.0.113.{i % 200}", now=int(time.time()) - age
            )

    await h.rt.db.write(run)


async def _evaluate(client: httpx.AsyncClient, rule_id: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"action": "evaluate"}
    if rule_id is not None:
        body["id"] = rule_id
    response = await client.post("/api/alerts", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _create(client: httpx.AsyncClient, **rule: Any) -> dict[str, Any]:
    response = await client.post("/api/alerts", json={"name": "rule", **rule})
    assert response.status_code == 201, response.text
    return dict(response.json()["rule"])


async def _disable_seeded(h: AppHarness) -> None:
    await h.rt.db.write(lambda conn: conn.execute(sa.update(alert_rules).values(enabled=False)))


async def test_row_rule_triggers_notifies_and_respects_cooldown(
    harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    clock = FakeClock()
    harness.rt.scheduler.clock = clock
    await _disable_seeded(harness)
    rule = await _create(
        operator,
        entity_type="agent",
        condition_field="status",
        condition_operator="equals",
        condition_value="error",
        cooldown_minutes=10,
        action_config={"recipient": "pager"},
    )
    quiet = await _evaluate(operator)
    assert quiet["evaluated"] == 1 and quiet["triggered"] == 0
    assert quiet["results"][0]["triggered"] is False
    await _agent(harness, "bot-1", "error")
    await _agent(harness, "bot-2", "idle")
    fired = await _evaluate(operator)
    assert fired["triggered"] == 1
    assert fired["results"][0] == {
        "rule_id": rule["id"],
        "rule_name": "rule",
        "triggered": True,
        "reason": "1 agent row(s) where status equals 'error'",
    }
    sent = await _notifications(harness)
    assert [(n["recipient"], n["title"], n["source_id"]) for n in sent] == [
        ("pager", "Alert: rule", rule["id"])
    ]
    # Within the cooldown nothing fires, even though the condition still holds.
    clock.advance(9 * 60)
    held = await _evaluate(operator)
    assert held["triggered"] == 0 and "cooldown" in held["results"][0]["reason"]
    assert len(await _notifications(harness)) == 1
    clock.advance(60)
    assert (await _evaluate(operator))["triggered"] == 1
    stored = (await operator.get("/api/alerts")).json()["rules"][-1]
    assert stored["trigger_count"] == 2 and stored["last_triggered_at"] == int(clock.now)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            {"condition_field": "name", "condition_operator": "contains", "condition_value": "BOT"},
            True,
        ),
        (
            {"condition_field": "name", "condition_operator": "contains", "condition_value": "%"},
            False,
        ),
        (
            {
                "condition_field": "status",
                "condition_operator": "not_equals",
                "condition_value": "idle",
            },
            False,
        ),
        (
            {
                "condition_field": "last_seen",
                "condition_operator": "age_minutes_above",
                "condition_value": 30,
            },
            True,
        ),
        (
            {
                "condition_field": "last_seen",
                "condition_operator": "age_minutes_above",
                "condition_value": 90,
            },
            False,
        ),
        (
            {
                "condition_field": "last_seen",
                "condition_operator": "less_than",
                "condition_value": 1000,
            },
            False,
        ),
    ],
)
async def test_row_operators(
    harness: AppHarness, operator: httpx.AsyncClient, rule: dict[str, Any], expected: bool
) -> None:
    await _disable_seeded(harness)
    await _agent(harness, "worker-bot", "idle", last_seen=int(time.time()) - 3600)
    created = await _create(operator, entity_type="agent", **rule)
    result = await _evaluate(operator, created["id"])
    assert result["results"][0]["triggered"] is expected, result


async def test_count_rules_compare_matching_rows_with_the_threshold(
    harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    await _disable_seeded(harness)
    above = await _create(
        operator,
        entity_type="agent",
        condition_field="status",
        condition_operator="count_above",
        condition_value="error",
        action_config={"threshold": 3},
    )
    below = await _create(
        operator,
        entity_type="agent",
        condition_field="status",
        condition_operator="count_below",
        condition_value="idle",
        action_config={"threshold": 1},
    )
    # The original's form: a whole-number condition_value counts every row.
    legacy = await _create(
        operator,
        entity_type="agent",
        condition_field="status",
        condition_operator="count_above",
        condition_value="4",
    )
    for i in range(2):
        await _agent(harness, f"err-{i}", "error")
    await _agent(harness, "calm", "offline")
    first = {r["rule_id"]: r for r in (await _evaluate(operator))["results"]}
    # 2 errors < 3; no idle agent (0 < 1); 3 agents in all < 4.
    assert first[above["id"]]["triggered"] is False
    assert first[above["id"]]["reason"] == "2 agent rows with status = 'error' (threshold 3)"
    assert first[below["id"]]["triggered"] is True
    assert first[legacy["id"]]["triggered"] is False
    await _agent(harness, "err-2", "error")
    second = {r["rule_id"]: r for r in (await _evaluate(operator))["results"]}
    assert second[above["id"]]["triggered"] is True  # 3 reaches the threshold
    assert second[legacy["id"]]["triggered"] is True  # 4 agents in all


async def test_seeded_failed_login_rule_counts_within_its_window(
    harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    admins = [await harness.create_user(f"sec-admin-{i}", "admin") for i in range(2)]
    # Old failures are outside the 5-minute window; other event types do not count.
    await _security(harness, "auth_failure", 20, age=6 * 60)
    await _security(harness, "csrf_denied", 20)
    await _security(harness, "auth_failure", 9)
    result = await _evaluate(operator)
    by_name = {r["rule_name"]: r for r in result["results"]}
    assert by_name["Failed logins burst"]["triggered"] is False
    assert by_name["Failed logins burst"]["reason"].startswith("9 security rows")
    await _security(harness, "auth_failure", 1)
    result = await _evaluate(operator)
    assert {r["rule_name"] for r in result["results"] if r["triggered"]} == {"Failed logins burst"}
    # "admin" notifies every active admin.
    recipients = sorted(n["recipient"] for n in await _notifications(harness))
    assert recipients == sorted(a["username"] for a in admins)


async def test_real_failed_logins_and_403_burst_fire_the_default_rules(
    harness: AppHarness, viewer: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    for i in range(10):
        client = harness.new_client(ip=f"198.51.100.{i // 5}")
        response = await client.post(
            "/api/auth/login", json={"username": f"nobody{i // 5}", "password": "wrong-password-1"}
        )
        assert response.status_code == 401
        await client.aclose()
    for _ in range(20):
        assert (await viewer.get("/api/webhooks")).status_code == 403
    result = await _evaluate(operator)
    assert {r["rule_name"] for r in result["results"] if r["triggered"]} == {
        "Failed logins burst",
        "Denied requests burst",
    }
    titles = {n["title"] for n in await _notifications(harness)}
    assert titles == {"Alert: Failed logins burst", "Alert: Denied requests burst"}


async def test_scheduler_evaluates_every_minute(harness: AppHarness) -> None:
    clock = FakeClock(harness.rt.scheduler._started_at)
    harness.rt.scheduler.clock = clock

    def threshold_one(conn: Any) -> None:
        conn.execute(
            sa.update(alert_rules)
            .where(alert_rules.c.condition_value == "auth_failure")
            .values(action_config={"threshold": 1, "window_minutes": 5}, cooldown_minutes=1)
        )

    await harness.rt.db.write(threshold_one)
    await _security(harness, "auth_failure", 1)
    clock.advance(59)
    assert "alert_evaluate" not in await harness.rt.scheduler.tick()
    assert await _notifications(harness) == []
    clock.advance(1)
    assert "alert_evaluate" in await harness.rt.scheduler.tick()
    assert len(await _notifications(harness)) == 1
    clock.advance(30)
    assert "alert_evaluate" not in await harness.rt.scheduler.tick()
    clock.advance(30)
    assert "alert_evaluate" in await harness.rt.scheduler.tick()
    # A minute later the cooldown (1 min) is over and the failure is still in the window.
    assert len(await _notifications(harness)) == 2


async def test_a_broken_rule_does_not_stop_the_others(
    harness: AppHarness, operator: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A stored rule naming a field the rules do not allow (as an old import could leave)
    is reported and logged; the rules after it are still evaluated and fire."""
    await _disable_seeded(harness)

    def broken(conn: Any) -> None:
        now = int(time.time())
        conn.execute(
            sa.insert(alert_rules).values(
                name="broken",
                enabled=True,
                entity_type="task",
                condition_field="bogus_field",
                condition_operator="equals",
                condition_value="x",
                action_type="notification",
                action_config={},
                cooldown_minutes=1,
                trigger_count=0,
                workspace_id=1,
                created_at=now,
                updated_at=now,
            )
        )

    await harness.rt.db.write(broken)
    rule = await _create(
        operator,
        entity_type="agent",
        condition_field="status",
        condition_operator="equals",
        condition_value="error",
        action_config={"recipient": "pager"},
    )
    await _agent(harness, "bot-1", "error")
    result = await _evaluate(operator)
    assert result["evaluated"] == 2 and result["triggered"] == 1
    bad, good = result["results"]
    assert bad["rule_name"] == "broken" and bad["triggered"] is False
    assert bad["reason"].startswith("Not evaluated")
    assert good["rule_id"] == rule["id"] and good["triggered"] is True
    assert [n["recipient"] for n in await _notifications(harness)] == ["pager"]
    assert any("could not be evaluated" in r.getMessage() for r in caplog.records)


async def test_webhook_action_fires_alert_triggered(
    harness_factory: Any, receiver: Receiver
) -> None:
    async with harness_factory(webhook_allow_private=True) as h:
        admin = await h.login_client("alert-admin", "admin")
        hook = await admin.post(
            "/api/webhooks",
            json={"name": "alerts", "url": receiver.url("/ok"), "events": ["alert.triggered"]},
        )
        assert hook.status_code == 200
        await _disable_seeded(h)
        rule = await _create(
            admin,
            entity_type="agent",
            condition_field="status",
            condition_operator="equals",
            condition_value="error",
            action_type="webhook",
        )
        await _agent(h, "broken", "error")
        assert (await _evaluate(admin))["triggered"] == 1
        await wait_for(lambda: len(receiver.on("/ok")) == 1)
        delivered = receiver.on("/ok")[0]
        assert delivered.headers["X-MC-Event"] == "alert.triggered"
        body = json.loads(delivered.body)
        assert body["data"]["rule_id"] == rule["id"] and body["data"]["rule_name"] == "rule"
        assert await _notifications(h) == []
        await admin.aclose()
