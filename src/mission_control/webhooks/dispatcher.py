"""Turning outbox events into delivery rows, exactly once per event and webhook.

The cursor row in `event_cursors` is locked, advanced and the deliveries inserted in one
transaction, so a crash either keeps all of a batch or none of it; each delivery's id is
derived from (event, webhook) and unique, so even two instances cannot double a delivery.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from mission_control.db.tables import event_cursors, events, webhook_deliveries, webhooks
from mission_control.events.bus import Event, latest_id, read_since
from mission_control.webhooks.catalog import matches, webhook_events_for

CURSOR_NAME = "webhooks"
BATCH = 500


def _insert(conn: Connection, table: sa.Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def event_uid(event_id: int, webhook_id: int, index: int = 0) -> str:
    """Deterministic, so a second insert of the same delivery is a no-op."""
    return f"evt{event_id}-wh{webhook_id}" + (f"-{index}" if index else "")


def event_body(event_type: str, timestamp: int, data: Any) -> str:
    """The delivery body: `{"event", "timestamp", "data"}`, serialised once and stored."""
    return orjson.dumps({"event": event_type, "timestamp": timestamp, "data": data}).decode()


def ensure_cursor(conn: Connection, now: int) -> None:
    """A new cursor starts at the newest event: history before the first start is not
    replayed. Created by the server as it starts, so events committed before a delivery
    process has made its first pass are still delivered."""
    conn.execute(
        _insert(conn, event_cursors)
        .values(name=CURSOR_NAME, last_event_id=latest_id(conn), updated_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )


def _lock_cursor(conn: Connection, now: int) -> int:
    ensure_cursor(conn, now)
    query = sa.select(event_cursors.c.last_event_id).where(event_cursors.c.name == CURSOR_NAME)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return int(conn.execute(query).scalar_one())


def cursor_behind(conn: Connection) -> bool:
    """Cheap check before taking the write lock: are there events past the cursor?"""
    position = conn.execute(
        sa.select(event_cursors.c.last_event_id).where(event_cursors.c.name == CURSOR_NAME)
    ).scalar()
    if position is None:
        return True
    return (
        conn.execute(sa.select(events.c.id).where(events.c.id > position).limit(1)).first()
        is not None
    )


def _hooks_by_workspace(conn: Connection) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    rows = conn.execute(
        sa.select(
            webhooks.c.id, webhooks.c.events, webhooks.c.workspace_id, webhooks.c.created_at
        ).where(webhooks.c.enabled.is_(True))
    )
    for row in rows:
        grouped[row.workspace_id].append(row)
    return grouped


def _deliveries_for(event: Event, hooks: list[Any], now: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if not hooks:
        return rows
    timestamp = event.timestamp // 1000
    for index, event_type in enumerate(webhook_events_for(event.type, event.data)):
        body: str | None = None
        for hook in hooks:
            # A webhook receives events from its creation on, even if the cursor lagged.
            if event.timestamp < hook.created_at * 1000 or not matches(hook.events, event_type):
                continue
            body = body or event_body(event_type, timestamp, event.data)
            rows.append(
                {
                    "webhook_id": hook.id,
                    "delivery_uid": event_uid(event.id, hook.id, index),
                    "event_type": event_type,
                    "payload": body,
                    "state": "pending",
                    "attempt": 1,
                    "next_retry_at": now,
                    "is_retry": False,
                    "workspace_id": event.workspace_id,
                    "created_at": now,
                }
            )
    return rows


def dispatch_batch(conn: Connection, now: int, *, limit: int = BATCH) -> tuple[int, int]:
    """Advance the cursor over up to `limit` events; returns (events read, deliveries queued)."""
    position = _lock_cursor(conn, now)
    batch = read_since(conn, position, limit=limit)
    if not batch:
        return 0, 0
    hooks = _hooks_by_workspace(conn)
    rows: list[dict[str, Any]] = []
    for event in batch:
        rows.extend(_deliveries_for(event, hooks.get(event.workspace_id, []), now))
    if rows:
        conn.execute(
            _insert(conn, webhook_deliveries).on_conflict_do_nothing(
                index_elements=["delivery_uid"]
            ),
            rows,
        )
    conn.execute(
        sa.update(event_cursors)
        .where(event_cursors.c.name == CURSOR_NAME)
        .values(last_event_id=batch[-1].id, updated_at=now)
    )
    return len(batch), len(rows)
