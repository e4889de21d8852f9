"""The delivery process (MC_WEBHOOK_SENDER=process): real child processes, a real receiver."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mission_control.db.tables import webhook_deliveries
from mission_control.events.bus import publish
from mission_control.webhooks.jobs import run_webhook_retry
from mission_control.webhooks.sender_main import ORPHANED
from mission_control.webhooks.sender_process import (
    HEALTHY_UPTIME_SECONDS,
    RESTART_MAX_SECONDS,
    RESTART_MIN_SECONDS,
)
from mission_control.webhooks.worker import DEFAULT_CONCURRENCY
from tests.conftest import AppHarness
from tests.webhooks.conftest import Receiver, wait_for

pytestmark = pytest.mark.anyio


# The delivery processes of these tests run at the server's own priority: at the default
# niceness of 19 anything else busy on the machine could starve them past the timeouts.
# test_delivery_process_runs_at_the_configured_niceness covers the niceness itself.
PROCESS = {"webhook_allow_private": True, "webhook_sender": "process", "webhook_sender_nice": 0}


@pytest.fixture
async def sending(harness_factory: Any) -> AsyncIterator[AppHarness]:
    async with harness_factory(**PROCESS) as h:
        yield h


async def test_delivery_process_runs_at_the_configured_niceness(harness_factory: Any) -> None:
    async with harness_factory(**{**PROCESS, "webhook_sender_nice": 7}) as h:
        sender = h.rt.webhook_sender
        assert sender is not None and sender.process is not None
        pid = sender.process.pid
        ours = os.getpriority(os.PRIO_PROCESS, 0)  # niceness adds to the parent's
        await wait_for(lambda: os.getpriority(os.PRIO_PROCESS, pid) == min(ours + 7, 19), 15)


async def test_delivery_process_gets_none_of_the_servers_secrets(
    harness_factory: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret_file = tmp_path / "secret-key"
    secret_file.write_text("file-secret-key-0123456789")
    secrets = {
        "API_KEY": "env-global-key-0123456789",
        "MC_SECRET_KEY_FILE": str(secret_file),
        "MC_SECRET_KEY": "env-secret-key-0123456789",
        "OP_SERVICE_ACCOUNT_TOKEN": "ops_env-token-0123456789",
        "OP_SESSION_myaccount": "op-session-0123456789",
        "OPENAI_API_KEY": "sk-env-0123456789",
        "OPENCLAW_GATEWAY_TOKEN": "gateway-env-token-0123456789",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MC_DELIVERY_MARKER", "kept")
    async with harness_factory(**PROCESS) as h:
        sender = h.rt.webhook_sender
        assert sender is not None and sender.process is not None
        raw = Path(f"/proc/{sender.process.pid}/environ").read_bytes()
    names = {entry.split(b"=", 1)[0].decode() for entry in raw.split(b"\0") if entry}
    assert "MC_DELIVERY_MARKER" in names and "PYTHONPATH" in names
    assert not names & set(secrets), names & set(secrets)
    for value in secrets.values():
        assert value.encode() not in raw


async def _hook(h: AppHarness, url: str) -> dict[str, Any]:
    admin = await h.login_client(f"boss{os.urandom(3).hex()}", "admin")
    response = await admin.post(
        "/api/webhooks", json={"name": "hook", "url": url, "events": ["task.created"]}
    )
    await admin.aclose()
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _publish_many(h: AppHarness, count: int, start: int = 0) -> None:
    def run(conn: Any) -> None:
        for i in range(start, start + count):
            publish(conn, 1, "task.created", {"id": i})

    await h.rt.db.write(run)


async def _states(h: AppHarness) -> Counter[str]:
    def run(conn: Any) -> Counter[str]:
        return Counter(conn.execute(sa.select(webhook_deliveries.c.state)).scalars())

    return await h.rt.db.read(run)


def _child(h: AppHarness) -> Any:
    sender = h.rt.webhook_sender
    assert sender is not None and sender.process is not None
    return sender.process


async def test_events_are_sent_once_from_the_delivery_process(
    sending: AppHarness, receiver: Receiver
) -> None:
    hook = await _hook(sending, receiver.url("/ok"))
    child = _child(sending)
    assert child.pid != os.getpid() and child.poll() is None
    await _publish_many(sending, 20)
    await wait_for(lambda: len(receiver.on("/ok")) >= 20, timeout=30)
    await wait_for(lambda: _has_only(sending, "success", 20), timeout=30)
    # The scheduler's job leaves the sending to the process.
    assert await run_webhook_retry(sending.rt) == "woke the delivery process"
    await asyncio.sleep(0.3)
    got = receiver.on("/ok")
    assert len(got) == 20
    assert len({r.headers["X-MC-Delivery"] for r in got}) == 20
    for request in got:
        expected = hmac.new(hook["secret"].encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-MC-Signature"] == f"sha256={expected}"


async def _has_only(h: AppHarness, state: str, count: int) -> bool:
    return await _states(h) == {state: count}


async def test_stop_hands_the_rows_in_flight_back(harness_factory: Any, receiver: Receiver) -> None:
    async with harness_factory(**PROCESS) as h:
        await _hook(h, receiver.url("/hang"))
        await _publish_many(h, DEFAULT_CONCURRENCY + 4)
        await wait_for(lambda: len(receiver.on("/hang")) == DEFAULT_CONCURRENCY, timeout=30)
        await wait_for(
            lambda: _states_are(h, {"sending": DEFAULT_CONCURRENCY, "pending": 4}), timeout=30
        )
        child = _child(h)
    # The server stopped: its delivery process gave every claimed row back and exited.
    assert child.returncode == 0
    engine = sa.create_engine(h.rt.settings.database_url_resolved, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        states = Counter(conn.execute(sa.select(webhook_deliveries.c.state)).scalars())
    engine.dispose()
    assert states == {"pending": DEFAULT_CONCURRENCY + 4}


async def _states_are(h: AppHarness, expected: dict[str, int]) -> bool:
    return await _states(h) == expected


async def test_a_delivery_process_that_dies_is_replaced(
    sending: AppHarness, receiver: Receiver
) -> None:
    await _hook(sending, receiver.url("/ok"))
    first = _child(sending)
    os.kill(first.pid, signal.SIGKILL)
    await wait_for(lambda: _child(sending) is not first and _child(sending).poll() is None, 30)
    await _publish_many(sending, 3)
    await wait_for(lambda: len(receiver.on("/ok")) == 3, timeout=30)
    assert first.returncode == -signal.SIGKILL


async def test_restart_backoff_falls_back_after_a_healthy_run(
    sending: AppHarness, receiver: Receiver
) -> None:
    await _hook(sending, receiver.url("/ok"))
    sender = sending.rt.webhook_sender
    assert sender is not None
    # Crashes long ago pushed the delay to its maximum; the current process has been up
    # long enough since (its start moved back rather than waited for).
    sender._restart_delay = RESTART_MAX_SECONDS
    sender._started_at -= HEALTHY_UPTIME_SECONDS
    first = _child(sending)
    killed = time.monotonic()
    os.kill(first.pid, signal.SIGKILL)
    await wait_for(lambda: _replaced(sending, first), timeout=RESTART_MAX_SECONDS)
    assert time.monotonic() - killed < RESTART_MAX_SECONDS / 2
    assert sender._restart_delay == 2 * RESTART_MIN_SECONDS
    # A process that dies soon after its start is a crash loop: the delay keeps growing.
    second = _child(sending)
    os.kill(second.pid, signal.SIGKILL)
    await wait_for(lambda: _replaced(sending, second), timeout=RESTART_MAX_SECONDS)
    assert sender._restart_delay == 4 * RESTART_MIN_SECONDS
    await _publish_many(sending, 2)
    await wait_for(lambda: len(receiver.on("/ok")) == 2, timeout=30)


def _replaced(h: AppHarness, old: Any) -> bool:
    child = _child(h)
    return child is not old and child.poll() is None


async def test_the_delivery_process_ends_with_its_server(
    sending: AppHarness, receiver: Receiver
) -> None:
    await _hook(sending, receiver.url("/hang"))
    await _publish_many(sending, 2)
    await wait_for(lambda: len(receiver.on("/hang")) == 2, timeout=30)
    child = _child(sending)
    # What a killed server leaves behind: the write end of the control pipe closed.
    sender = sending.rt.webhook_sender
    assert sender is not None
    sender._stopping = True  # no replacement: the server is gone
    sender._close_control()
    await asyncio.to_thread(child.wait, 30)
    assert child.returncode == ORPHANED
    # Nothing was handed back: the rows wait for their lease to run out, as after a crash.
    assert await _states(sending) == {"sending": 2}


async def test_two_servers_with_delivery_processes_send_each_event_once(
    harness_factory: Any, receiver: Receiver
) -> None:
    async with (
        harness_factory(**PROCESS) as one,
        harness_factory(**PROCESS) as two,
    ):
        await _hook(one, receiver.url("/ok?a"))
        await _hook(one, receiver.url("/ok?b"))
        await _publish_many(one, 30)
        await _publish_many(two, 30, start=30)
        await wait_for(lambda: len(receiver.requests) >= 120, timeout=60)
        deadline = time.monotonic() + 30
        while not await _has_only(one, "success", 120) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert await _states(one) == {"success": 120}
        await asyncio.sleep(0.3)
        per_delivery = Counter(r.headers["X-MC-Delivery"] for r in receiver.requests)
        assert len(per_delivery) == 120 and set(per_delivery.values()) == {1}


async def test_off_sends_nothing_in_the_background_but_test_sends_still_work(
    harness_factory: Any, receiver: Receiver
) -> None:
    async with harness_factory(webhook_allow_private=True, webhook_sender="off") as h:
        hook = await _hook(h, receiver.url("/ok"))
        assert h.rt.webhook_sender is None
        await _publish_many(h, 2)
        assert await run_webhook_retry(h.rt) == (
            "not sent from this process (MC_WEBHOOK_SENDER=off)"
        )
        admin = await h.login_client("tester", "admin")
        sent = (await admin.post("/api/webhooks/test", json={"id": hook["id"]})).json()
        await admin.aclose()
        assert sent["success"] is True
        # Only the test ping went out; the two events wait for a sender elsewhere.
        assert [r.headers["X-MC-Event"] for r in receiver.requests] == ["test.ping"]
        assert await _states(h) == {"success": 1}
