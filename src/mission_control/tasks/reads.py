"""Reading tasks: the one-query list and single tasks with project and comment count."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.prepared import Prepared
from mission_control.db.tables import comments, projects, tasks
from mission_control.errors import NotFound
from mission_control.tasks.json_rows import TASK_OBJECT

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


_FILTERS = ("status", "assigned_to", "priority", "project_id")


class _ListQueries(NamedTuple):
    page: Prepared  # the rows, for PostgreSQL
    page_json: Prepared  # the rows as JSON objects, for SQLite
    total: Prepared


@functools.cache
def _list_queries(filters: tuple[str, ...]) -> _ListQueries:
    """The page and count statements for one combination of filters, built once: building a
    forty-column SELECT costs more than SQLite takes to run it."""
    where = [tasks.c.workspace_id == sa.bindparam("workspace_id")]
    where += [tasks.c[name] == sa.bindparam(name) for name in filters]

    def page_of(*columns: Any) -> Prepared:
        return Prepared(
            sa.select(*columns)
            .select_from(_FROM)
            .where(*where)
            .order_by(tasks.c.created_at.desc(), tasks.c.id.desc())
            .limit(sa.bindparam("limit", type_=sa.Integer))
            .offset(sa.bindparam("offset", type_=sa.Integer))
        )

    count = sa.select(sa.func.count()).select_from(tasks).where(*where)
    return _ListQueries(page_of(*_COLUMNS), page_of(TASK_OBJECT), Prepared(count))


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
) -> tuple[orjson.Fragment, int]:
    """One page, newest first, as an encoded JSON array, and the number of matching tasks.

    Two statements in one read transaction: the page walks the (workspace, created_at)
    index and stops after `limit` rows, and the count reads only that index. (A window
    count in the page query would make the database build every matching row, with its
    comment count, before it could return the first fifty.) On SQLite the database writes
    the JSON (tasks/json_rows.py); elsewhere the rows are encoded here."""
    given: dict[str, Any] = {"status": status, "assigned_to": assigned_to}
    given.update(priority=priority, project_id=project_id)
    filters = tuple(name for name in _FILTERS if given[name] is not None)
    params: dict[str, Any] = {name: given[name] for name in filters}
    params["workspace_id"] = workspace_id
    queries = _list_queries(filters)
    window = {**params, "limit": limit, "offset": offset}
    if conn.dialect.name == "sqlite":
        objects = [row[0] for row in queries.page_json.all(conn, window)]
        page = orjson.Fragment("[" + ",".join(objects) + "]")
        shown = len(objects)
    else:
        items = [_task(row) for row in queries.page.all(conn, window)]
        page = orjson.Fragment(orjson.dumps(items))
        shown = len(items)
    if shown < limit and (shown or offset == 0):
        return page, offset + shown  # the last page
    return page, int(queries.total.scalar(conn, params) or 0)


_BY_ID = Prepared(
    sa.select(*_COLUMNS)
    .select_from(_FROM)
    .where(tasks.c.id == sa.bindparam("id"), tasks.c.workspace_id == sa.bindparam("ws"))
)


def find_task(conn: Connection, workspace_id: int, task_id: int) -> dict[str, Any] | None:
    row = _BY_ID.first(conn, {"id": task_id, "ws": workspace_id})
    return _task(row) if row is not None else None


def get_task(conn: Connection, workspace_id: int, task_id: int) -> dict[str, Any]:
    """The task as the API shows it; 404 when missing or in another workspace."""
    task = find_task(conn, workspace_id, task_id)
    if task is None:
        raise NotFound("Task not found")
    return task
