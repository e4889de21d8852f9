"""The queue survives restarts and two app instances deliver each event once."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from mission_control.db.tables import event_cursors, webhook_deliveries
from mission_control.events.bus import publish
from tests.conftest import AppHarness
from tests.webhooks.conftest import Receiver, wait_for

pytestmark = pytest.mark.anyio


async def _publish_many(h: AppHarness, count: int, start: int = 0) -> None:
    def run(conn: Any) -> None:
        for i in range(start, start + count):
            publish(conn, 1, "task.created", {"id": i})

    await h.rt.db.write(run)


async def _rows(h: AppHarness) -> list[dict[str, Any]]:
    def run(conn: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in conn.execute(sa.select(webhook_deliveries)).mappings()]

    return await h.rt.db.read(run)


async def test_restart_with_pending_deliveries_loses_none(
    harness_factory: Any, receiver: Receiver
) -> None:
    async with harness_factory(webhook_allow_private=True) as first:
        admin = await first.login_client("boss", "admin")
        hook = (
            await admin.post("/api/webhooks", json={"name": "slow", "url": receiver.url("/hang")})
        ).json()
        await _publish_many(first, 20)
        concurrency = first.rt.webhooks.concurrency
        # The worker holds `concurrency` requests open at the receiver; the rest wait in the queue.
        await wait_for(lambda: len(receiver.on("/hang")) == concurrency)
        rows = await _rows(first)
        assert len(rows) == 20
        assert Counter(r["state"] for r in rows) == {
            "sending": concurrency,
            "pending": 20 - concurrency,
        }
        await admin.aclose()
        url = first.rt.settings.database_url_resolved
    # Stopped mid-flight: every claimed row went back to the queue.
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        states = Counter(conn.execute(sa.select(webhook_deliveries.c.state)).scalars())
    engine.dispose()
    assert states == {"pending": 20}
    held = {r.body for r in receiver.on("/hang")}
    receiver.release.set()
    async with harness_factory(webhook_allow_private=True) as second:
        await _publish_many(second, 5, start=20)
        await wait_for(lambda: len({r.body for r in receiver.on("/hang")}) == 25)
        await second.rt.webhooks.run_once()
        bodies = Counter(r.body for r in receiver.on("/hang"))
        ids = sorted(int(b.split(b'"id":')[1].split(b"}")[0]) for b in bodies)
        assert ids == list(range(25))
        # Only the requests cut off by the shutdown were sent twice (same X-MC-Delivery).
        assert {b for b, n in bodies.items() if n > 1} <= held
        rows = await _rows(second)
        assert len(rows) == 25 and {r["state"] for r in rows} == {"success"}
        assert hook["id"] == rows[0]["webhook_id"]


async def test_two_instances_deliver_each_event_once(
    harness_factory: Any, receiver: Receiver
) -> None:
    async with (
        harness_factory(webhook_allow_private=True) as one,
        harness_factory(webhook_allow_private=True) as two,
    ):
        admin = await one.login_client("boss", "admin")
        for name in ("a", "b"):
            response = await admin.post(
                "/api/webhooks", json={"name": name, "url": receiver.url(f"/ok?{name}")}
            )
            assert response.status_code == 200
        await _publish_many(one, 30)
        await _publish_many(two, 30, start=30)
        await asyncio.gather(one.rt.webhooks.run_once(), two.rt.webhooks.run_once())
        await wait_for(lambda: len(receiver.requests) >= 120, timeout=60)
        await asyncio.gather(one.rt.webhooks.run_once(), two.rt.webhooks.run_once())
        await asyncio.sleep(0.3)
        per_delivery = Counter(r.headers["X-MC-Delivery"] for r in receiver.requests)
        assert len(per_delivery) == 120 and set(per_delivery.values()) == {1}
        for name in ("a", "b"):
            bodies = [r.body for r in receiver.on(f"/ok?{name}")]
            assert len(bodies) == len(set(bodies)) == 60
        rows = await _rows(one)
        assert len(rows) == 120 and {r["state"] for r in rows} == {"success"}
        await admin.aclose()


async def test_cursor_is_durable(harness_factory: Any, receiver: Receiver) -> None:
    async with harness_factory(webhook_allow_private=True) as h:
        admin = await h.login_client("boss", "admin")
        await admin.post("/api/webhooks", json={"name": "a", "url": receiver.url("/ok")})
        await _publish_many(h, 3)
        await h.rt.webhooks.run_once()

        def cursor(conn: Any) -> int:
            return int(conn.execute(sa.select(event_cursors.c.last_event_id)).scalar_one())

        position = await h.rt.db.read(cursor)
        assert position > 0
        await admin.aclose()
    async with harness_factory(webhook_allow_private=True) as again:
        await again.rt.webhooks.run_once()
        assert len(receiver.requests) == 3
        assert await again.rt.db.read(cursor) >= position
