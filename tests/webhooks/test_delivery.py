"""Deliveries to a real receiver: signatures, once per event, retries, circuit, restarts."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from mission_control.activities.service import log_activity
from mission_control.db.tables import webhook_deliveries, webhooks
from mission_control.events.bus import publish
from mission_control.notifications.service import notify
from mission_control.webhooks.jobs import run_webhook_retry
from mission_control.webhooks.queue import BACKOFF_SECONDS
from tests.conftest import AppHarness
from tests.webhooks.conftest import FakeClock, Receiver, wait_for

pytestmark = pytest.mark.anyio


async def _hook(
    admin: httpx.AsyncClient, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "receiver", "url": url}
    if events is not None:
        body["events"] = events
    response = await admin.post("/api/webhooks", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _publish(h: AppHarness, event_type: str, data: dict[str, Any]) -> None:
    def run(conn: Any) -> None:
        publish(conn, 1, event_type, data)

    await h.rt.db.write(run)


async def _deliveries(h: AppHarness, webhook_id: int | None = None) -> list[dict[str, Any]]:
    def run(conn: Any) -> list[dict[str, Any]]:
        query = sa.select(webhook_deliveries).order_by(webhook_deliveries.c.id)
        if webhook_id is not None:
            query = query.where(webhook_deliveries.c.webhook_id == webhook_id)
        return [dict(r) for r in conn.execute(query).mappings()]

    return await h.rt.db.read(run)


async def _webhook_row(h: AppHarness, webhook_id: int) -> dict[str, Any]:
    def run(conn: Any) -> dict[str, Any]:
        return dict(
            conn.execute(sa.select(webhooks).where(webhooks.c.id == webhook_id)).mappings().one()
        )

    return await h.rt.db.read(run)


def _signed_ok(secret: str, request: Any) -> bool:
    """The receiver's own check, written from the documented format."""
    body = request.body
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    ts = request.headers["X-MC-Timestamp"]
    expected_v1 = (
        "v1=" + hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    )
    return hmac.compare_digest(request.headers["X-MC-Signature"], expected) and hmac.compare_digest(
        request.headers["X-MC-Signature-V1"], expected_v1
    )


@pytest.fixture
async def dev(harness_factory: Any) -> Any:
    async with harness_factory(webhook_allow_private=True) as h:
        yield h


@pytest.fixture
async def dev_admin(dev: AppHarness) -> Any:
    client = await dev.login_client("hook-admin", "admin")
    yield client
    await client.aclose()


async def test_each_event_arrives_once_signed(
    dev: AppHarness, dev_admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    everything = await _hook(dev_admin, receiver.url("/ok"))
    tasks_only = await _hook(dev_admin, receiver.url("/ok?tasks"), ["task.created"])
    await _publish(dev, "task.created", {"id": 1, "title": "first"})
    await _publish(dev, "task.updated", {"id": 1, "title": "renamed"})
    await dev.rt.db.write(
        lambda conn: log_activity(
            conn, type="task_created", entity_type="task", entity_id=1, actor="a", description="d"
        )
    )
    await dev.rt.db.write(lambda conn: notify(conn, recipient="bob", type="mention", title="hi"))
    await _publish(dev, "agent.status_changed", {"name": "bot", "status": "error"})
    await _publish(dev, "events.internal", {"ignored": True})
    expected_all = {
        "task.created",
        "task.updated",
        "activity.task_created",
        "notification.mention",
        "agent.status_change",
        "agent.error",
    }
    await wait_for(lambda: len(receiver.on("/ok")) >= len(expected_all))
    await wait_for(lambda: len(receiver.on("/ok?tasks")) >= 1)
    await dev.rt.webhooks.run_once()
    got = receiver.on("/ok")
    assert Counter(r.headers["X-MC-Event"] for r in got) == Counter(expected_all)
    assert [r.headers["X-MC-Event"] for r in receiver.on("/ok?tasks")] == ["task.created"]
    for request in got:
        assert _signed_ok(everything["secret"], request)
        assert not _signed_ok(tasks_only["secret"], request)
        assert request.headers["User-Agent"] == "MissionControl-Webhook/1.0"
        assert request.headers["Content-Type"] == "application/json"
        payload = json.loads(request.body)
        assert set(payload) == {"event", "timestamp", "data"}
        assert payload["event"] == request.headers["X-MC-Event"]
    first = next(r for r in got if r.headers["X-MC-Event"] == "task.created")
    assert json.loads(first.body)["data"] == {"id": 1, "title": "first"}
    assert len({r.headers["X-MC-Delivery"] for r in got}) == len(got)
    rows = await _deliveries(dev)
    assert len(rows) == 7 and all(r["state"] == "success" and r["status_code"] == 200 for r in rows)
    listed = (await dev_admin.get("/api/webhooks")).json()["webhooks"]
    assert listed[0]["successful_deliveries"] == 6 and listed[0]["last_status"] == 200
    log = (
        await dev_admin.get("/api/webhooks/deliveries", params={"webhook_id": tasks_only["id"]})
    ).json()
    assert log["total"] == 1 and log["deliveries"][0]["event_type"] == "task.created"


async def test_request_is_not_blocked_by_a_hanging_receiver(
    dev: AppHarness, dev_admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    dev.rt.webhooks.sender.timeout = 0.5
    await _hook(dev_admin, receiver.url("/hang"))
    await _publish(dev, "task.created", {"id": 1})
    await wait_for(lambda: len(receiver.on("/hang")) == 1)
    # The server answers while the delivery hangs.
    response = await dev_admin.get("/api/webhooks")
    assert response.status_code == 200
    await wait_for(lambda: _has_state(dev, "failed"))
    row = (await _deliveries(dev))[0]
    assert row["error"].startswith("Timed out") and row["status_code"] is None


async def _has_state(h: AppHarness, state: str) -> bool:
    return any(r["state"] == state for r in await _deliveries(h))


async def test_redirect_is_not_followed(
    dev: AppHarness, dev_admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    hook = await _hook(dev_admin, receiver.url("/redirect"))
    result = (await dev_admin.post("/api/webhooks/test", json={"id": hook["id"]})).json()
    assert result["success"] is False and result["status_code"] == 302
    assert "Redirect" in result["error"]
    assert receiver.on("/redirected") == []


async def test_huge_response_is_cut_short(
    dev: AppHarness, dev_admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    hook = await _hook(dev_admin, receiver.url("/huge"))
    result = (await dev_admin.post("/api/webhooks/test", json={"id": hook["id"]})).json()
    assert result["success"] is True and result["status_code"] == 200
    assert len(result["response_body"]) == 1000
    assert receiver.huge_done.wait(10)
    assert receiver.huge_bytes_sent[0] < 50 * 1024 * 1024
    row = (await _deliveries(dev))[0]
    assert len(row["response_body"]) == 1000


async def test_test_route_and_manual_retry(
    dev: AppHarness, dev_admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    hook = await _hook(dev_admin, receiver.url("/fail"))
    failed = (await dev_admin.post("/api/webhooks/test", json={"id": hook["id"]})).json()
    assert failed["success"] is False and failed["status_code"] == 500
    assert failed["response_body"] == "internal error" and failed["error"] == "HTTP 500"
    request = receiver.on("/fail")[0]
    assert request.headers["X-MC-Event"] == "test.ping"
    assert _signed_ok(hook["secret"], request)
    # Point the webhook at a healthy path and retry the failed delivery.
    await dev_admin.put("/api/webhooks", json={"id": hook["id"], "url": receiver.url("/ok")})
    retried = (
        await dev_admin.post("/api/webhooks/retry", json={"delivery_id": failed["delivery_id"]})
    ).json()
    assert retried["success"] is True and retried["status_code"] == 200
    assert retried["delivery_id"] != failed["delivery_id"]
    rows = {r["id"]: r for r in await _deliveries(dev)}
    child = rows[retried["delivery_id"]]
    assert child["parent_delivery_id"] == failed["delivery_id"] and child["attempt"] == 2
    assert receiver.on("/ok")[0].headers["X-MC-Delivery"] == request.headers["X-MC-Delivery"]
    assert (await _webhook_row(dev, hook["id"]))["consecutive_failures"] == 0


async def test_failures_follow_the_backoff_and_open_the_circuit(
    dev: AppHarness, dev_admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    clock = FakeClock()
    worker = dev.rt.webhooks
    worker.clock = clock
    worker.rng = lambda: 1.0  # the top of the ±20 % band
    hook = await _hook(dev_admin, receiver.url("/fail"))
    await _publish(dev, "task.created", {"id": 7})
    await wait_for(lambda: _has_state(dev, "failed"))
    await worker.run_once()
    for attempt, delay in enumerate(BACKOFF_SECONDS, start=1):
        rows = await _deliveries(dev)
        assert len(rows) == attempt + 1
        failed, scheduled = rows[-2], rows[-1]
        assert failed["state"] == "failed" and failed["attempt"] == attempt
        assert scheduled["state"] == "pending" and scheduled["parent_delivery_id"] == failed["id"]
        assert scheduled["next_retry_at"] == clock.now + round(delay * 1.2)
        # Not due yet: the job sends nothing.
        clock.advance(delay * 1.2 - 2)
        assert await run_webhook_retry(dev.rt) == "queued 0, sent 0"
        assert len(receiver.on("/fail")) == attempt
        if attempt == 5:
            break
        clock.advance(2)
        assert await run_webhook_retry(dev.rt) == "queued 0, sent 1"
        assert len(receiver.on("/fail")) == attempt + 1
    hook_row = await _webhook_row(dev, hook["id"])
    assert hook_row["enabled"] is False and hook_row["consecutive_failures"] == 5
    listed = (await dev_admin.get("/api/webhooks")).json()["webhooks"][0]
    assert listed["circuit_open"] is True and listed["failed_deliveries"] == 5
    # Open circuit: the last retry is due but not sent, and new events are not queued.
    clock.advance(10)
    await _publish(dev, "task.created", {"id": 8})
    assert await run_webhook_retry(dev.rt) == "queued 0, sent 0"
    assert len(receiver.on("/fail")) == 5
    # An admin fixes the receiver and resets the circuit: the held retry goes out.
    reset = await dev_admin.put(
        "/api/webhooks", json={"id": hook["id"], "reset_circuit": True, "url": receiver.url("/ok")}
    )
    assert reset.json() == {"success": True}
    await worker.run_once()
    await wait_for(lambda: len(receiver.on("/ok")) == 1)
    assert receiver.on("/ok")[0].headers["X-MC-Event"] == "task.created"
    hook_row = await _webhook_row(dev, hook["id"])
    assert hook_row["enabled"] is True and hook_row["consecutive_failures"] == 0


async def test_jitter_stays_within_twenty_percent() -> None:
    from mission_control.webhooks.queue import backoff_seconds

    for attempt, base in enumerate(BACKOFF_SECONDS, start=1):
        assert backoff_seconds(attempt, lambda: 0.0) == round(base * 0.8)
        assert backoff_seconds(attempt, lambda: 1.0) == round(base * 1.2)
    assert backoff_seconds(9, lambda: 0.5) == BACKOFF_SECONDS[-1]


async def test_disabled_webhook_gets_nothing(
    dev: AppHarness, dev_admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    hook = await _hook(dev_admin, receiver.url("/ok"))
    await dev_admin.put("/api/webhooks", json={"id": hook["id"], "enabled": False})
    await _publish(dev, "task.created", {"id": 1})
    await dev.rt.webhooks.run_once()
    assert receiver.requests == [] and await _deliveries(dev) == []


async def test_security_events_reach_security_webhooks(
    dev: AppHarness, dev_admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    await _hook(dev_admin, receiver.url("/ok"), ["security.*"])
    await dev.create_user("victim", "viewer")
    failed = await dev.new_client().post(
        "/api/auth/login", json={"username": "victim", "password": "wrong-password-123"}
    )
    assert failed.status_code == 401
    await wait_for(lambda: len(receiver.on("/ok")) >= 2)
    await dev.rt.webhooks.run_once()
    kinds = {r.headers["X-MC-Event"] for r in receiver.on("/ok")}
    assert {"security.login_failed", "security.auth_failure"} <= kinds
    assert all(k.startswith("security.") for k in kinds)


async def test_creating_a_task_fires_task_created_once(
    dev: AppHarness, dev_admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    hook = await _hook(dev_admin, receiver.url("/ok"), ["task.created", "activity.*"])
    created = await dev_admin.post("/api/tasks", json={"title": "ship it"})
    assert created.status_code == 201
    await wait_for(lambda: len(receiver.on("/ok")) >= 2)
    await dev.rt.webhooks.run_once()
    kinds = Counter(r.headers["X-MC-Event"] for r in receiver.on("/ok"))
    assert kinds["task.created"] == 1 and kinds["activity.task_created"] == 1
    task = next(r for r in receiver.on("/ok") if r.headers["X-MC-Event"] == "task.created")
    assert json.loads(task.body)["data"]["id"] == created.json()["task"]["id"]
    assert all(_signed_ok(hook["secret"], r) for r in receiver.on("/ok"))
