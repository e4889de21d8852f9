"""Recording finished attempts: senders that settle together do not deadlock, and a
batch that could not be recorded is recorded on the next pass, not sent again."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from mission_control.db.tables import webhook_deliveries, webhooks
from mission_control.events.bus import publish
from mission_control.webhooks import worker as worker_module
from mission_control.webhooks.delivery import Outcome
from mission_control.webhooks.queue import Claimed, insert_attempt, settle_and_claim
from tests.conftest import AppHarness
from tests.interleave import paused_after_first
from tests.webhooks.conftest import Receiver, wait_for

pytestmark = pytest.mark.anyio

OK = Outcome(status_code=200, response_body="ok", error=None, duration_ms=3)


async def _two_hooks_with_sending_rows(h: AppHarness) -> list[Claimed]:
    """Two webhooks, two rows each already claimed (`sending`)."""

    def run(conn: Any) -> list[Claimed]:
        claimed = []
        for name in ("a", "b"):
            hook_id = conn.execute(
                sa.insert(webhooks).values(
                    name=name,
                    url=f"https://{name}.example/hook",
                    secret="s",
                    events=[],
                    enabled=True,
                    consecutive_failures=0,
                    workspace_id=1,
                    created_at=1,
                    updated_at=1,
                )
            ).inserted_primary_key[0]
            hook = {"id": hook_id, "workspace_id": 1, "url": "u", "secret": "s"}
            for n in range(2):
                claimed.append(
                    insert_attempt(
                        conn,
                        webhook=hook,
                        event_type="task.created",
                        payload="{}",
                        now=100,
                        uid=f"{name}{n}",
                        state="sending",
                    )
                )
        return claimed

    return await h.rt.db.write(run)


async def test_batches_over_the_same_webhooks_in_opposite_orders_do_not_deadlock(
    db_kind: str, harness: AppHarness
) -> None:
    """Each sender locks its first webhook row, then both go on: recorded in the order
    they finished, one would wait for the other's webhook and PostgreSQL would abort one
    transaction (deadlock detected)."""
    if db_kind != "postgres":
        pytest.skip("SQLite has one writer at a time: nothing to interleave")
    a0, a1, b0, b1 = await _two_hooks_with_sending_rows(h := harness)
    batches = [[(a0, OK), (b0, OK)], [(b1, OK), (a1, OK)]]
    engine = h.rt.db.engine
    errors: list[BaseException] = []

    def settle(batch: list[tuple[Claimed, Outcome]]) -> None:
        try:
            with engine.begin() as conn:
                settle_and_claim(conn, batch, now=200, max_retries=3, want=0)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    with paused_after_first(engine, "UPDATE webhooks"):
        threads = [threading.Thread(target=settle, args=(batch,)) for batch in batches]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert errors == []

    def states(conn: Any) -> Counter[str]:
        return Counter(conn.execute(sa.select(webhook_deliveries.c.state)).scalars())

    assert await h.rt.db.read(states) == {"success": 4}


async def test_a_batch_that_could_not_be_recorded_is_recorded_next_pass(
    harness_factory: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attempt was sent: a failed write must not leave it to its lease (and a second
    send two minutes later)."""
    async with harness_factory(webhook_allow_private=True) as h:
        await _record_after_a_failed_write(h, receiver, monkeypatch)


async def _record_after_a_failed_write(
    h: AppHarness, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await h.login_client("boss", "admin")
    response = await admin.post("/api/webhooks", json={"name": "a", "url": receiver.url("/ok")})
    assert response.status_code == 200
    failed: list[int] = []
    real = worker_module.settle_and_claim

    def fail_first_record(conn: Any, finished: list[Any], **kwargs: Any) -> list[Claimed]:
        if finished and not failed:
            failed.append(len(finished))
            raise RuntimeError("the database went away for a moment")
        return real(conn, finished, **kwargs)

    monkeypatch.setattr(worker_module, "settle_and_claim", fail_first_record)

    def run(conn: Any) -> None:
        publish(conn, 1, "task.created", {"id": 1})

    await h.rt.db.write(run)

    def states(conn: Any) -> Counter[str]:
        return Counter(conn.execute(sa.select(webhook_deliveries.c.state)).scalars())

    async def recorded() -> bool:
        return await h.rt.db.read(states) == {"success": 1}

    await wait_for(recorded, timeout=15)
    assert failed == [1]
    assert len(receiver.requests) == 1
    await admin.aclose()
