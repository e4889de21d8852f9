"""The agents' pull loop: keep working on the current task or atomically claim the next one.

No task is ever claimed twice. On PostgreSQL the claim is one `UPDATE … FROM (SELECT …
FOR UPDATE SKIP LOCKED)`: concurrent claimers skip each other's rows instead of waiting,
and a row claimed since the statement began fails the re-check and is passed over. On
SQLite the whole call runs inside the `BEGIN IMMEDIATE` write transaction, which holds
the database's single write lock across processes.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.activities.service import log_activity
from mission_control.db.prepared import Prepared
from mission_control.db.tables import tasks
from mission_control.db.tables.work import CLAIMABLE_SQL, DUE_LAST_SQL, PRIORITY_RANK_SQL
from mission_control.errors import BadRequest
from mission_control.events.bus import publish
from mission_control.security.actor import Actor
from mission_control.tasks import mentions
from mission_control.tasks.reads import get_task
from mission_control.tasks.service import notify_status, status_event

MAX_CAPACITY = 20
CAPACITY_MESSAGE = f"Invalid max_capacity. Expected integer 1..{MAX_CAPACITY}."
# Literal SQL, as the index ix_tasks_queue spells it, so the claim reads that index in
# order and stops at the first match instead of sorting every open task.
PRIORITY_RANK: sa.ColumnElement[int] = sa.literal_column(PRIORITY_RANK_SQL, sa.Integer)
QUEUE_ORDER: tuple[sa.ColumnElement[Any], ...] = (
    PRIORITY_RANK,
    sa.literal_column(DUE_LAST_SQL, sa.Boolean),
    tasks.c.due_date,
    tasks.c.created_at,
    tasks.c.id,
)


def parse_capacity(raw: str | None) -> int:
    if raw is None or raw == "":
        return 1
    try:
        value = int(raw.strip())
    except ValueError:
        raise BadRequest(CAPACITY_MESSAGE) from None
    if not 1 <= value <= MAX_CAPACITY:
        raise BadRequest(CAPACITY_MESSAGE)
    return value


_CLAIMABLE = sa.text(CLAIMABLE_SQL)
_CANDIDATE = (
    sa.select(tasks.c.id, tasks.c.status.label("previous_status"))
    .where(
        tasks.c.workspace_id == sa.bindparam("ws"),
        _CLAIMABLE,
        sa.or_(tasks.c.assigned_to == sa.bindparam("agent"), tasks.c.assigned_to.is_(None)),
    )
    .order_by(*QUEUE_ORDER)
    .limit(1)
)
_CLAIM_VALUES = {
    "status": "in_progress",
    "assigned_to": sa.bindparam("agent"),
    "updated_at": sa.bindparam("now"),
}
# SQLite: the best candidate, then the claim of that row; the write lock (BEGIN IMMEDIATE)
# is held from before the first statement, so no other claim can come in between, and the
# status test makes the UPDATE claim nothing should the row have changed all the same.
_SQLITE_PICK = Prepared(_CANDIDATE)
_SQLITE_CLAIM = Prepared(
    sa.update(tasks).where(tasks.c.id == sa.bindparam("id"), _CLAIMABLE).values(_CLAIM_VALUES)
)


def _pg_claim() -> sa.Update:
    pick = _CANDIDATE.with_for_update(skip_locked=True).subquery()
    return (
        sa.update(tasks)
        .where(tasks.c.id == pick.c.id, _CLAIMABLE)
        .values(_CLAIM_VALUES)
        .returning(tasks.c.id, pick.c.previous_status)
    )


_PG_CLAIM = Prepared(_pg_claim())
_PG_TURN_LOCK = Prepared(
    sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(sa.bindparam("key"))))
)
_CURRENT = Prepared(
    sa.select(tasks.c.id)
    .where(
        tasks.c.workspace_id == sa.bindparam("ws"),
        tasks.c.assigned_to == sa.bindparam("agent"),
        tasks.c.status == "in_progress",
    )
    .order_by(tasks.c.updated_at.desc(), tasks.c.id.desc())
)


def _claim(conn: Connection, workspace_id: int, agent: str, now: int) -> tuple[int, str] | None:
    """Claim the best open task for `agent`; (id, previous status) or None."""
    params = {"ws": workspace_id, "agent": agent, "now": now}
    if conn.dialect.name == "postgresql":
        row = _PG_CLAIM.first(conn, params)
        return (int(row[0]), str(row[1])) if row is not None else None
    found = _SQLITE_PICK.first(conn, params)
    if found is None:
        return None
    claimed = _SQLITE_CLAIM.run(conn, {**params, "id": found[0]})
    return (int(found[0]), str(found[1])) if claimed == 1 else None


def next_task(conn: Connection, actor: Actor, agent: str, max_capacity: int) -> dict[str, Any]:
    """`{task, reason, agent, timestamp}` for one turn of an agent's pull loop."""
    ws = actor.workspace_id
    now = int(time.time())
    if conn.dialect.name == "postgresql":
        # One turn per agent at a time, so two parallel polls cannot exceed its capacity.
        _PG_TURN_LOCK.run(conn, {"key": f"mc-queue:{ws}:{agent}"})
    current = [row[0] for row in _CURRENT.all(conn, {"ws": ws, "agent": agent})]
    if len(current) >= max_capacity:
        reason = "continue_current" if max_capacity == 1 else "at_capacity"
        task = get_task(conn, ws, current[0])
        return {"task": task, "reason": reason, "agent": agent, "timestamp": now}
    claimed = _claim(conn, ws, agent, now)
    if claimed is None:
        return {"task": None, "reason": "no_tasks_available", "agent": agent, "timestamp": now}
    task_id, previous = claimed
    task = get_task(conn, ws, task_id)
    mentions.subscribe(conn, ws, task_id, [agent])
    log_activity(
        conn,
        type="task_claimed",
        entity_type="task",
        entity_id=task_id,
        actor=agent,
        description=f"{agent} claimed task {task['ticket_ref']}: {task['title']}",
        data={"previous_status": previous, "status": "in_progress", "claimed_by": actor.username},
        workspace_id=ws,
    )
    notify_status(conn, actor, task, previous, {agent})
    publish(conn, ws, "task.status_changed", status_event(task, previous))
    return {"task": task, "reason": "assigned", "agent": agent, "timestamp": now}
