"""Reading tasks: the one-query list and single tasks with project and comment count."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.prepared import Prepared
from mission_control.db.tables import comments, projects, tasks
from mission_control.errors import NotFound

_comment_count = (
    sa.select(sa.func.count())
    .select_from(comments)
    .where(comments.c.task_id == tasks.c.id)
    .correlate(tasks)
    .scalar_subquery()
)

_COLUMNS: list[Any] = [
    *tasks.c,
    projects.c.name.label("project_name"),
    projects.c.ticket_prefix.label("project_prefix"),
    _comment_count.label("comment_count"),
]
_FROM = tasks.outerjoin(projects, projects.c.id == tasks.c.project_id)
_KEYS = [*(str(c.key) for c in tasks.c), "project_name", "project_prefix", "comment_count"]


def ticket_ref(prefix: str | None, number: int | None) -> str | None:
    if not prefix or number is None:
        return None
    return f"{prefix}-{number:03d}"


def _task(values: Any) -> dict[str, Any]:
    task = dict(zip(_KEYS, values, strict=False))
    if task["tags"] is None:
        task["tags"] = []
    if task["metadata"] is None:
        task["metadata"] = {}
    task["ticket_ref"] = ticket_ref(task["project_prefix"], task["project_ticket_no"])
    return task


def list_tasks(
    conn: Connection,
    workspace_id: int,
    *,
    status: str | None = None,
    assigned_to: str | None = None,
    priority: str | None = None,
    project_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """One page, newest first, and the number of matching tasks.

    Two statements in one read transaction: the page walks the (workspace, created_at)
    index and stops after `limit` rows, and the count reads only that index. (A window
    count in the page query would make the database build every matching row, with its
    comment count, before it could return the first fifty.)"""
    where: list[Any] = [tasks.c.workspace_id == workspace_id]
    if status is not None:
        where.append(tasks.c.status == status)
    if assigned_to is not None:
        where.append(tasks.c.assigned_to == assigned_to)
    if priority is not None:
        where.append(tasks.c.priority == priority)
    if project_id is not None:
        where.append(tasks.c.project_id == project_id)
    query = (
        sa.select(*_COLUMNS)
        .select_from(_FROM)
        .where(*where)
        .order_by(tasks.c.created_at.desc(), tasks.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = conn.execute(query).fetchall()
    if len(rows) < limit and (rows or offset == 0):
        return [_task(row) for row in rows], offset + len(rows)  # the last page
    total = conn.execute(sa.select(sa.func.count()).select_from(tasks).where(*where)).scalar()
    return [_task(row) for row in rows], int(total or 0)


def find_task(conn: Connection, workspace_id: int, task_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        sa.select(*_COLUMNS)
        .select_from(_FROM)
        .where(tasks.c.id == task_id, tasks.c.workspace_id == workspace_id)
    ).first()
    return _task(row) if row is not None else None


def get_task(conn: Connection, workspace_id: int, task_id: int) -> dict[str, Any]:
    """The task as the API shows it; 404 when missing or in another workspace."""
    task = find_task(conn, workspace_id, task_id)
    if task is None:
        raise NotFound("Task not found")
    return task


_BY_ID = Prepared(
    sa.select(*_COLUMNS)
    .select_from(_FROM)
    .where(tasks.c.id == sa.bindparam("id"), tasks.c.workspace_id == sa.bindparam("ws"))
)


def load_task(conn: Connection, workspace_id: int, task_id: int) -> dict[str, Any]:
    """`get_task` for the write paths, with the statement prepared once; 404 when missing."""
    row = _BY_ID.first(conn, {"id": task_id, "ws": workspace_id})
    if row is None:
        raise NotFound("Task not found")
    return _task(row)
