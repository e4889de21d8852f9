"""Server-Sent Events for `GET /api/events`: replay by Last-Event-ID, live fan-out, heartbeats.

The stream subscribes to the bus *before* reading the replay from the `events` table, then
skips live events it already replayed: every committed event reaches the client once, with
no gap between the replay and the live tail.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import event_cursors, events
from mission_control.events.bus import Event, EventBus, Subscription

# Seconds between `: heartbeat` comments; tests shorten it.
HEARTBEAT_INTERVAL = 30.0
# What a reconnecting client can catch up on with Last-Event-ID.
REPLAY_MAX_EVENTS = 1000
REPLAY_MAX_AGE_MS = 10 * 60 * 1000
# How long the `events` outbox keeps rows (the retention job trims the rest).
EVENT_RETENTION_HOURS = 24
# A durable consumer (e.g. webhooks) that fell this far behind no longer holds rows back.
EVENT_RETENTION_HARD_HOURS = 7 * 24
# Events already queued for a subscriber that go out together in one write.
MAX_FRAMES_PER_WRITE = 64
# Tells EventSource clients how soon to reconnect after the stream ends.
RETRY_MS = 2000

HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
    "Connection": "keep-alive",
}


def frame(event: Event) -> bytes:
    return event.sse_frame()


def connected_frame() -> bytes:
    hello = {"type": "connected", "data": None, "timestamp": int(time.time() * 1000)}
    return b"retry: %d\ndata: %s\n\n" % (RETRY_MS, orjson.dumps(hello))


HEARTBEAT_FRAME = b": heartbeat\n\n"


# Longer ids (and anything not a whole number) are ignored: the stream starts from now.
EVENT_ID_DIGITS = 18


def parse_last_event_id(raw: str | None) -> int | None:
    if raw is None:
        return None
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > EVENT_ID_DIGITS:
        return None
    return int(raw)


def replay_events(
    conn: Connection, workspace_id: int, after_id: int, *, now_ms: int | None = None
) -> list[Event]:
    """The newest events after `after_id` of one workspace, bounded in count and age."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    rows = conn.execute(
        sa.select(events)
        .where(
            events.c.id > after_id,
            events.c.workspace_id == workspace_id,
            events.c.created_at_ms >= now_ms - REPLAY_MAX_AGE_MS,
        )
        .order_by(events.c.id.desc())
        .limit(REPLAY_MAX_EVENTS)
    ).all()
    return [Event(r.id, r.workspace_id, r.type, r.data, r.created_at_ms) for r in reversed(rows)]


def trim_events(
    conn: Connection, *, keep_hours: int = EVENT_RETENTION_HOURS, now_ms: int | None = None
) -> int:
    """Delete outbox rows older than `keep_hours`, sparing rows a durable consumer has not
    read yet unless they are older than the hard limit. Answers how many rows went."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    cutoff = now_ms - keep_hours * 3600 * 1000
    hard_cutoff = now_ms - EVENT_RETENTION_HARD_HOURS * 3600 * 1000
    slowest = conn.execute(sa.select(sa.func.min(event_cursors.c.last_event_id))).scalar()
    condition = events.c.created_at_ms < cutoff
    if slowest is not None:
        condition = sa.and_(
            condition, sa.or_(events.c.id <= slowest, events.c.created_at_ms < hard_cutoff)
        )
    # The newest row always stays: it anchors the bus's position after a restart.
    newest = conn.execute(sa.select(sa.func.max(events.c.id))).scalar()
    if newest is not None:
        condition = sa.and_(condition, events.c.id < newest)
    return int(conn.execute(sa.delete(events).where(condition)).rowcount or 0)


class ShutdownNotice:
    """Set when the server process is asked to stop, so open streams end at once.

    The server waits for open responses to finish before it shuts the app down, so a
    stream cannot wait for the lifespan to end: it chains onto the server's SIGINT and
    SIGTERM handlers instead (uvicorn installs Python-level ones).
    """

    def __init__(self) -> None:
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._installed = False
        self._lock = threading.Lock()
        self.fired = False

    def install(self) -> None:
        if self._installed or threading.current_thread() is not threading.main_thread():
            return
        with self._lock:
            if self._installed:
                return
            self._installed = True
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous = signal.getsignal(sig)
                if callable(previous) and previous is not signal.default_int_handler:
                    signal.signal(sig, self._chain(previous))

    def _chain(self, previous: Callable[[int, Any], Any]) -> Callable[[int, Any], Any]:
        def handler(signum: int, frame_: Any) -> Any:
            self.fire()
            return previous(signum, frame_)

        return handler

    def fire(self) -> None:
        self.fired = True
        for loop, waiter in tuple(self._waiters):
            if not loop.is_closed():
                loop.call_soon_threadsafe(waiter.set)

    @contextlib.contextmanager
    def watch(self) -> Any:
        waiter = asyncio.Event()
        entry = (asyncio.get_running_loop(), waiter)
        self._waiters.add(entry)
        if self.fired:
            waiter.set()
        try:
            yield waiter
        finally:
            self._waiters.discard(entry)


SHUTDOWN = ShutdownNotice()


async def _next_event(sub: Subscription, stop: asyncio.Event, wait_s: float) -> Event | None:
    """The next live event; None on heartbeat timeout or when `stop` is set."""
    if not sub.queue.empty():
        return sub.queue.get_nowait()
    getter = asyncio.ensure_future(sub.queue.get())
    stopper = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait(
            {getter, stopper}, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        stopper.cancel()
        if not getter.done():
            getter.cancel()
    if getter in done and not getter.cancelled():
        return getter.result()
    return None


async def event_stream(
    bus: EventBus,
    read: Callable[..., Any],
    workspace_id: int,
    last_event_id: int | None,
) -> AsyncIterator[bytes]:
    """The bytes of one SSE connection; ends on shutdown or when the subscriber falls behind."""
    SHUTDOWN.install()
    with SHUTDOWN.watch() as stop:
        async with bus.subscribe(workspace_id) as sub:
            yield connected_frame()
            sent = 0
            if last_event_id is not None:
                for event in await read(replay_events, workspace_id, last_event_id):
                    yield frame(event)
                    sent = event.id
            while not stop.is_set():
                event = await _next_event(sub, stop, HEARTBEAT_INTERVAL)
                if event is None:
                    if stop.is_set():
                        return
                    yield HEARTBEAT_FRAME
                    continue
                # Whatever else is already queued goes out in the same write: one commit
                # often publishes several events, and each write to each subscriber costs
                # a pass through every middleware.
                chunk: list[bytes] = []
                while True:
                    if event.id > sent:  # not already replayed
                        chunk.append(frame(event))
                        sent = event.id
                    if sub.queue.empty() or len(chunk) >= MAX_FRAMES_PER_WRITE:
                        break
                    event = sub.queue.get_nowait()
                if chunk:
                    yield b"".join(chunk)
                if sub.overflowed and sub.queue.empty():
                    # Cut off by the bus for falling behind; the client resumes by Last-Event-ID.
                    return
