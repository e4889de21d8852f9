"""Recurring tasks: a task with `metadata.recurrence = {cron_expr, enabled, timezone?}`
spawns a dated copy at each cron slot (5 fields, evaluated in the given time zone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from croniter import croniter
from sqlalchemy.engine import Connection

from mission_control.db.tables import tasks
from mission_control.jobs.cron import valid_cron, zone_of
from mission_control.jobs.spawn import create_task

if TYPE_CHECKING:
    from mission_control.runtime import Runtime

SYSTEM_AUTHOR = "scheduler"


def latest_slot(expr: str, zone: ZoneInfo, now: int) -> datetime:
    """The newest cron slot at or before `now`, as an aware datetime in `zone`."""
    base = datetime.fromtimestamp(now, zone) + timedelta(seconds=1)
    slot: datetime = croniter(expr, base).get_prev(datetime)
    return slot


def _label(expr: str, slot: datetime) -> str:
    following: datetime = croniter(expr, slot).get_next(datetime)
    if following - slot < timedelta(days=1):
        return slot.strftime("%Y-%m-%d %H:%M")
    return slot.strftime("%Y-%m-%d")


def _candidate_ids(conn: Connection) -> list[int]:
    text = sa.cast(tasks.c.metadata, sa.Text)
    query = sa.select(tasks.c.id).where(text.like('%"recurrence"%')).order_by(tasks.c.id)
    return [int(i) for i in conn.execute(query).scalars()]


def spawn_for_task(conn: Connection, task_id: int, now: int) -> dict[str, Any] | None:
    """Spawn the copy for the newest due slot of one recurring task, at most once per slot."""
    # Lock the template row so two writers cannot both see the slot as not yet spawned.
    row = (
        conn.execute(sa.select(tasks).where(tasks.c.id == task_id).with_for_update())
        .mappings()
        .first()
    )
    if row is None:
        return None
    meta = row["metadata"] if isinstance(row["metadata"], dict) else {}
    rec = meta.get("recurrence")
    if not isinstance(rec, dict) or rec.get("enabled", True) is False:
        return None
    expr, zone = rec.get("cron_expr"), zone_of(rec.get("timezone"))
    if not valid_cron(expr) or zone is None:
        return None
    assert isinstance(expr, str)
    slot = latest_slot(expr, zone, now)
    slot_ts = int(slot.timestamp())
    last = rec.get("last_spawned_at")
    floor = last if isinstance(last, int) else int(row["created_at"])
    if slot_ts <= floor:
        return None
    copy_meta = {k: v for k, v in meta.items() if k != "recurrence"}
    copy_meta.update(
        recurrence_parent_id=task_id,
        recurrence_slot=slot_ts,
        recurrence_date=slot.isoformat(),
    )
    copy = create_task(
        conn,
        title=f"{row['title']} - {_label(expr, slot)}",
        description=row["description"],
        created_by=SYSTEM_AUTHOR,
        workspace_id=row["workspace_id"],
        priority=row["priority"],
        assigned_to=row["assigned_to"],
        project_id=row["project_id"],
        tags=row["tags"] if isinstance(row["tags"], list) else [],
        metadata=copy_meta,
        activity="task_created",
        now=now,
    )
    new_meta = dict(meta)
    new_meta["recurrence"] = {
        **rec,
        "last_spawned_at": slot_ts,
        "last_spawned_at_iso": slot.astimezone(UTC).isoformat(),
    }
    conn.execute(sa.update(tasks).where(tasks.c.id == task_id).values(metadata=new_meta))
    return copy


def spawn_due(conn: Connection, now: int) -> int:
    """Spawn every due copy; returns how many tasks were created."""
    created = 0
    for task_id in _candidate_ids(conn):
        if spawn_for_task(conn, task_id, now) is not None:
            created += 1
    return created


async def recurring_tasks_job(rt: Runtime, now: float) -> str:
    created = await rt.db.write(spawn_due, int(now))
    return f"spawned {created} task(s)"
