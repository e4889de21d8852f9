"""The events outbox: bounded replay and the retention trim."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import event_cursors, events
from mission_control.events import sse
from tests.conftest import AppHarness


def _add(conn: Connection, workspace_id: int, created_at_ms: int, n: int = 1) -> None:
    conn.execute(
        sa.insert(events),
        [
            {
                "workspace_id": workspace_id,
                "type": "test.event",
                "data": {"n": i},
                "created_at_ms": created_at_ms,
            }
            for i in range(n)
        ],
    )


def _ids(conn: Connection) -> list[int]:
    return list(conn.execute(sa.select(events.c.id).order_by(events.c.id)).scalars())


async def test_replay_is_bounded_and_per_workspace(harness: AppHarness) -> None:
    now = int(time.time() * 1000)
    db = harness.rt.db
    await db.write(_add, 1, now - sse.REPLAY_MAX_AGE_MS - 5000, 3)  # too old
    await db.write(_add, 2, now, 2)  # another workspace
    await db.write(_add, 1, now, sse.REPLAY_MAX_EVENTS + 5)
    replay = await db.read(sse.replay_events, 1, 0, now_ms=now)
    assert len(replay) == sse.REPLAY_MAX_EVENTS
    assert all(e.workspace_id == 1 and e.timestamp == now for e in replay)
    ids = [e.id for e in replay]
    assert ids == sorted(ids)
    # The newest are kept, so the replay joins the live tail without a gap.
    assert ids[-1] == max(await db.read(_ids))
    after = await db.read(sse.replay_events, 1, ids[-3], now_ms=now)
    assert [e.id for e in after] == ids[-2:]
    assert await db.read(sse.replay_events, 2, 0, now_ms=now) != []


async def test_last_event_id_parsing() -> None:
    assert sse.parse_last_event_id("42") == 42
    assert sse.parse_last_event_id(" 7 ") == 7
    for bad in (None, "", "-1", "abc", "1e9", "9" * 40):
        assert sse.parse_last_event_id(bad) is None


async def test_trim_keeps_recent_and_unread_rows(harness_factory: Any) -> None:
    # No webhook sender: its dispatcher would create and move the cursor this test sets.
    async with harness_factory(webhook_sender="off") as harness:
        await _trim_keeps_recent_and_unread_rows(harness)


async def _trim_keeps_recent_and_unread_rows(harness: AppHarness) -> None:
    db = harness.rt.db
    now = int(time.time() * 1000)
    hour = 3600 * 1000
    await db.write(lambda c: c.execute(sa.delete(events)))
    await db.write(_add, 1, now - 200 * hour, 2)  # beyond the hard limit
    await db.write(_add, 1, now - 30 * hour, 2)  # old, but unread by a consumer
    await db.write(_add, 1, now - hour, 2)  # recent
    ids = await db.read(_ids)
    await db.write(
        lambda c: c.execute(sa.insert(event_cursors).values(name="webhooks", last_event_id=ids[2]))
    )
    deleted = await db.write(sse.trim_events, now_ms=now)
    # The two ancient rows go; of the 30-hour-old ones only the one already read goes.
    assert deleted == 3
    assert await db.read(_ids) == ids[3:]
    # Without consumers everything past the window goes, but never the newest row.
    await db.write(lambda c: c.execute(sa.delete(event_cursors)))
    assert await db.write(sse.trim_events, now_ms=now + 100 * hour) == 2
    assert await db.read(_ids) == ids[-1:]


def test_frames_are_wire_exact() -> None:
    from mission_control.events.bus import Event

    event = Event(12, 1, "task.created", {"id": 3}, 1700000000000)
    assert sse.frame(event) == (
        b'id: 12\ndata: {"type":"task.created","data":{"id":3},"timestamp":1700000000000}\n\n'
    )
    hello = sse.connected_frame().decode()
    assert hello.startswith("retry: ") and '"type":"connected","data":null' in hello
