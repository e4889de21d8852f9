"""The event bus.

`publish` writes an event row in the caller's transaction, so an event exists if and
only if its change committed. Each process runs one `EventBus` that reads new rows
(woken at once by its own commits, polling for other processes' commits) and fans
them out to its local subscribers, filtered by workspace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.prepared import Prepared
from mission_control.db.tables import events

log = logging.getLogger("mission_control.events")

# Held to commit on PostgreSQL so event ids become visible in id order.
_PG_EVENTS_LOCK = 0x4D43_0E01
REPLAY_LIMIT = 1000

_INSERT = Prepared(
    sa.insert(events).values(
        workspace_id=sa.bindparam("workspace_id"),
        type=sa.bindparam("type"),
        data=sa.bindparam("data"),
        created_at_ms=sa.bindparam("created_at_ms"),
    )
)
_SINCE = Prepared(
    sa.select(
        events.c.id, events.c.workspace_id, events.c.type, events.c.data, events.c.created_at_ms
    )
    .where(events.c.id > sa.bindparam("after_id"))
    .order_by(events.c.id)
    .limit(sa.bindparam("limit"))
)


def publish(conn: Connection, workspace_id: int, event_type: str, data: dict[str, Any]) -> None:
    """Announce a change; delivered to subscribers only once this transaction commits."""
    if conn.dialect.name == "postgresql" and not conn.info.get("events_locked"):
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_EVENTS_LOCK})
        conn.info["events_locked"] = True
    _INSERT.run(
        conn,
        {
            "workspace_id": workspace_id,
            "type": event_type,
            "data": data,
            "created_at_ms": int(time.time() * 1000),
        },
    )
    conn.info["events_published"] = True


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    workspace_id: int
    type: str
    data: Any
    timestamp: int
    # Its SSE frame, made by the first stream that sends it: the bus hands the same Event
    # to every subscriber, so it is serialized once, not once per subscriber.
    _frame: bytes | None = field(default=None, init=False, compare=False, repr=False)

    def envelope(self) -> dict[str, Any]:
        return {"type": self.type, "data": self.data, "timestamp": self.timestamp}

    def sse_frame(self) -> bytes:
        if self._frame is None:
            wire = b"id: %d\ndata: %s\n\n" % (self.id, orjson.dumps(self.envelope()))
            object.__setattr__(self, "_frame", wire)  # a cache, not a change of value
            return wire
        return self._frame


def _row_event(row: Any) -> Event:
    return Event(row.id, row.workspace_id, row.type, row.data, row.created_at_ms)


def read_since(
    conn: Connection, after_id: int, *, limit: int = 500, workspace_id: int | None = None
) -> list[Event]:
    if workspace_id is None:  # the bus and the webhook dispatcher, after every commit
        return [Event(*row) for row in _SINCE.all(conn, {"after_id": after_id, "limit": limit})]
    query = (
        sa.select(events)
        .where(events.c.id > after_id, events.c.workspace_id == workspace_id)
        .order_by(events.c.id)
        .limit(limit)
    )
    return [_row_event(r) for r in conn.execute(query)]


def latest_id(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.id), 0))).scalar() or 0)


@dataclass(eq=False)
class Subscription:
    workspace_id: int
    queue: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(maxsize=1000))
    overflowed: bool = False


Reader = Callable[..., Any]


class EventBus:
    """Per-process fan-out of committed events to local subscribers."""

    def __init__(self, db: Any, *, poll_interval: float = 0.05) -> None:
        self.db = db
        self.poll_interval = poll_interval
        self._subscribers: set[Subscription] = set()
        self._last_id = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listeners: list[Callable[[Event], None]] = []
        self._stopping = False

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._last_id = await self.db.read(latest_id)
        self.db.on_commit(self.wake)
        self._task = self._loop.create_task(self._run(), name="mc-event-bus")

    async def stop(self) -> None:
        # Ask the loop to finish rather than cancel it: a cancelled await would leave a
        # worker thread holding a pooled connection past the engine's disposal.
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None

    def wake(self) -> None:
        """Called after a local commit (possibly from a writer thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    def add_listener(self, listener: Callable[[Event], None]) -> None:
        """In-process consumers (e.g. alert triggers) that see every event."""
        self._listeners.append(listener)

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            self._wake.clear()
            if self._stopping:
                return
            try:
                await self.pump()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event bus poll failed")
                await asyncio.sleep(1)

    async def pump(self) -> int:
        """Deliver everything committed since the last call; returns how many events."""
        delivered = 0
        while True:
            batch: list[Event] = await self.db.read(read_since, self._last_id)
            if not batch:
                return delivered
            for event in batch:
                self._dispatch(event)
            self._last_id = batch[-1].id
            delivered += len(batch)

    def _dispatch(self, event: Event) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("event listener failed")
        for sub in tuple(self._subscribers):
            if sub.workspace_id != event.workspace_id:
                continue
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:
                # A subscriber that cannot keep up is cut off; it resumes with Last-Event-ID.
                sub.overflowed = True
                self._subscribers.discard(sub)

    @contextlib.asynccontextmanager
    async def subscribe(self, workspace_id: int) -> AsyncIterator[Subscription]:
        sub = Subscription(workspace_id)
        self._subscribers.add(sub)
        try:
            yield sub
        finally:
            self._subscribers.discard(sub)

    @property
    def last_id(self) -> int:
        return self._last_id
