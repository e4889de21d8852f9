"""Writing activity rows; every activity is also published as `activity.created`."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.prepared import insert_returning_id
from mission_control.db.tables import activities
from mission_control.events.bus import publish

_COLUMNS = (
    "type",
    "entity_type",
    "entity_id",
    "actor",
    "description",
    "data",
    "workspace_id",
    "created_at",
)
_INSERT = insert_returning_id(activities, _COLUMNS)


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
    row["id"] = int(_INSERT.scalar(conn, row))
    publish(conn, workspace_id, "activity.created", row)
    return row


def _row(row: Any) -> dict[str, Any]:
    item = dict(row)
    if item.get("data") is None:
        item["data"] = {}
    return item


def list_activities(
    conn: Connection,
    workspace_id: int,
    *,
    types: list[str] | None = None,
    actor: str | None = None,
    entity_type: str | None = None,
    since: int | None = None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of the workspace's activities, newest first, and how many match in all."""
    where = [activities.c.workspace_id == workspace_id]
    if types:
        where.append(activities.c.type.in_(types))
    if actor:
        where.append(activities.c.actor == actor)
    if entity_type:
        where.append(activities.c.entity_type == entity_type)
    if since is not None:
        where.append(activities.c.created_at >= since)
    total = conn.execute(
        sa.select(sa.func.count()).select_from(activities).where(*where)
    ).scalar_one()
    rows = conn.execute(
        sa.select(activities)
        .where(*where)
        .order_by(activities.c.created_at.desc(), activities.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [_row(r) for r in rows], int(total)


def activity_stats(conn: Connection, workspace_id: int, *, hours: int) -> dict[str, Any]:
    """Counts by type, the most active actors and an hourly timeline over the last `hours`."""
    since = int(time.time()) - hours * 3600
    where = [activities.c.workspace_id == workspace_id, activities.c.created_at >= since]
    count = sa.func.count().label("n")
    by_type = conn.execute(
        sa.select(activities.c.type, count)
        .where(*where)
        .group_by(activities.c.type)
        .order_by(count.desc(), activities.c.type)
    ).all()
    top_actors = conn.execute(
        sa.select(activities.c.actor, count)
        .where(*where)
        .group_by(activities.c.actor)
        .order_by(count.desc(), activities.c.actor)
        .limit(10)
    ).all()
    bucket = activities.c.created_at // 3600
    hourly = conn.execute(
        sa.select(bucket.label("bucket"), count).where(*where).group_by(bucket).order_by(bucket)
    ).all()
    total = sum(int(r.n) for r in by_type)
    return {
        "timeframe": f"{hours} hours",
        "hours": hours,
        "total": total,
        "activityByType": [{"type": r.type, "count": int(r.n)} for r in by_type],
        "topActors": [{"actor": r.actor, "activity_count": int(r.n)} for r in top_actors],
        "timeline": [{"hour": int(r.bucket) * 3600, "activity_count": int(r.n)} for r in hourly],
    }
