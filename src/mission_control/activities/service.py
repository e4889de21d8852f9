"""Writing activity rows; every activity is also published as `activity.created`."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id
from mission_control.db.tables import activities
from mission_control.events.bus import publish


def log_activity(
    conn: Connection,
    *,
    type: str,
    entity_type: str,
    entity_id: int | None,
    actor: str,
    description: str,
    data: dict[str, Any] | None = None,
    workspace_id: int = 1,
) -> dict[str, Any]:
    """Record an activity in the caller's transaction and announce it after commit."""
    row: dict[str, Any] = {
        "type": type,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "actor": actor[:200],
        "description": description,
        "data": data or {},
        "workspace_id": workspace_id,
        "created_at": int(time.time()),
    }
    row["id"] = inserted_id(conn.execute(sa.insert(activities).values(**row)))
    publish(conn, workspace_id, "activity.created", row)
    return row
