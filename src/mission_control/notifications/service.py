"""Writing notifications; each is also published as `notification.created`."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.prepared import insert_returning_id
from mission_control.db.tables import notifications
from mission_control.events.bus import publish

_COLUMNS = (
    "recipient",
    "type",
    "title",
    "message",
    "source_type",
    "source_id",
    "read_at",
    "delivered_at",
    "workspace_id",
    "created_at",
)
_INSERT = insert_returning_id(notifications, _COLUMNS)


def notify(
    conn: Connection,
    *,
    recipient: str,
    type: str,
    title: str,
    message: str = "",
    source_type: str | None = None,
    source_id: int | None = None,
    workspace_id: int = 1,
) -> dict[str, Any]:
    """Notify `recipient` (a username or agent name) in the caller's transaction."""
    row: dict[str, Any] = {
        "recipient": recipient,
        "type": type,
        "title": title[:500],
        "message": message,
        "source_type": source_type,
        "source_id": source_id,
        "read_at": None,
        "delivered_at": None,
        "workspace_id": workspace_id,
        "created_at": int(time.time()),
    }
    row["id"] = int(_INSERT.scalar(conn, row))
    publish(conn, workspace_id, "notification.created", row)
    return row


def list_notifications(
    conn: Connection,
    workspace_id: int,
    recipient: str,
    *,
    unread_only: bool,
    type: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """A page of `recipient`'s notifications, newest first, with totals."""
    mine = [notifications.c.workspace_id == workspace_id, notifications.c.recipient == recipient]
    where = list(mine)
    if unread_only:
        where.append(notifications.c.read_at.is_(None))
    if type:
        where.append(notifications.c.type == type)
    count = sa.select(sa.func.count()).select_from(notifications)
    total = conn.execute(count.where(*where)).scalar_one()
    unread = conn.execute(count.where(*mine, notifications.c.read_at.is_(None))).scalar_one()
    rows = conn.execute(
        sa.select(notifications)
        .where(*where)
        .order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).mappings()
    return {
        "notifications": [dict(r) for r in rows],
        "total": int(total),
        "unreadCount": int(unread),
    }


def mark_read(
    conn: Connection,
    workspace_id: int,
    *,
    ids: list[int] | None = None,
    recipient: str | None = None,
) -> int:
    """Mark the given ids (or all of `recipient`'s) read; answers how many changed."""
    where = [notifications.c.workspace_id == workspace_id, notifications.c.read_at.is_(None)]
    if ids is not None:
        where.append(notifications.c.id.in_(ids))
    if recipient is not None:
        where.append(notifications.c.recipient == recipient)
    result = conn.execute(sa.update(notifications).where(*where).values(read_at=int(time.time())))
    return int(result.rowcount or 0)


def mark_delivered(conn: Connection, workspace_id: int, agent: str) -> list[dict[str, Any]]:
    """Hand `agent` its undelivered notifications, marking them delivered."""
    where = [
        notifications.c.workspace_id == workspace_id,
        notifications.c.recipient == agent,
        notifications.c.delivered_at.is_(None),
    ]
    rows = [
        dict(r)
        for r in conn.execute(
            sa.select(notifications).where(*where).order_by(notifications.c.id).limit(500)
        ).mappings()
    ]
    if not rows:
        return []
    now = int(time.time())
    conn.execute(
        sa.update(notifications)
        .where(*where, notifications.c.id.in_([r["id"] for r in rows]))
        .values(delivered_at=now)
    )
    for row in rows:
        row["delivered_at"] = now
    return rows


def delete_notifications(conn: Connection, workspace_id: int, ids: list[int]) -> int:
    result = conn.execute(
        sa.delete(notifications).where(
            notifications.c.workspace_id == workspace_id, notifications.c.id.in_(ids)
        )
    )
    return int(result.rowcount or 0)
