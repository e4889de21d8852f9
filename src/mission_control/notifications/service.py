"""Writing notifications; each is also published as `notification.created`."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id
from mission_control.db.tables import notifications
from mission_control.events.bus import publish


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
    row["id"] = inserted_id(conn.execute(sa.insert(notifications).values(**row)))
    publish(conn, workspace_id, "notification.created", row)
    return row
