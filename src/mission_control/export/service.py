"""Export rows of one workspace, newest first, and render them as CSV with a fixed header."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.audit.export import CSV_COLUMNS as AUDIT_COLUMNS
from mission_control.audit.service import event_out
from mission_control.db.tables import activities, audit_log, projects, tasks
from mission_control.export.schemas import ExportType
from mission_control.security.actor import Actor
from mission_control.security.audit import audit
from mission_control.tasks.reads import ticket_ref

TASK_COLUMNS = (
    "id",
    "ticket_ref",
    "title",
    "description",
    "status",
    "priority",
    "assigned_to",
    "created_by",
    "project_id",
    "project_name",
    "due_date",
    "estimated_hours",
    "actual_hours",
    "tags",
    "outcome",
    "error_message",
    "resolution",
    "feedback_rating",
    "retry_count",
    "completed_at",
    "created_at",
    "updated_at",
)
ACTIVITY_COLUMNS = (
    "id",
    "created_at",
    "type",
    "entity_type",
    "entity_id",
    "actor",
    "description",
    "data",
)
COLUMNS: dict[ExportType, tuple[str, ...]] = {
    "audit": AUDIT_COLUMNS,
    "tasks": TASK_COLUMNS,
    "activities": ACTIVITY_COLUMNS,
}
# Spreadsheets run cells starting with these as formulas; a leading quote disarms them.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _window(column: Any, since: int | None, until: int | None) -> list[Any]:
    where = []
    if since is not None:
        where.append(column >= since)
    if until is not None:
        where.append(column <= until)
    return where


def _tasks(
    conn: Connection, workspace_id: int, since: int | None, until: int | None, limit: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(
            *tasks.c,
            projects.c.name.label("project_name"),
            projects.c.ticket_prefix.label("project_prefix"),
        )
        .select_from(tasks.outerjoin(projects, projects.c.id == tasks.c.project_id))
        .where(tasks.c.workspace_id == workspace_id, *_window(tasks.c.created_at, since, until))
        .order_by(tasks.c.created_at.desc(), tasks.c.id.desc())
        .limit(limit)
    ).mappings()
    out = []
    for row in rows:
        item = {key: row[key] for key in TASK_COLUMNS if key in row}
        item["ticket_ref"] = ticket_ref(row["project_prefix"], row["project_ticket_no"])
        item["tags"] = row["tags"] if row["tags"] is not None else []
        item["metadata"] = row["metadata"] if row["metadata"] is not None else {}
        item["workspace_id"] = row["workspace_id"]
        out.append(item)
    return out


def _activities(
    conn: Connection, workspace_id: int, since: int | None, until: int | None, limit: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(activities)
        .where(
            activities.c.workspace_id == workspace_id,
            *_window(activities.c.created_at, since, until),
        )
        .order_by(activities.c.created_at.desc(), activities.c.id.desc())
        .limit(limit)
    ).mappings()
    return [dict(row) for row in rows]


def _audit(
    conn: Connection, workspace_id: int, since: int | None, until: int | None, limit: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(audit_log)
        .where(
            audit_log.c.workspace_id == workspace_id,
            *_window(audit_log.c.created_at, since, until),
        )
        .order_by(audit_log.c.id.desc())
        .limit(limit)
    ).mappings()
    return [event_out(row) for row in rows]


_READERS = {"tasks": _tasks, "activities": _activities, "audit": _audit}


def export_rows(
    conn: Connection,
    workspace_id: int,
    kind: ExportType,
    *,
    since: int | None,
    until: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to `limit` rows of `kind` in the workspace, newest first."""
    return _READERS[kind](conn, workspace_id, since, until, limit)


def record_export(conn: Connection, actor: Actor, detail: dict[str, Any]) -> None:
    """The `data_export` audit row: who took what out, and how much."""
    audit(conn, actor, "data_export", target_type=detail["type"], detail=detail)


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    else:
        text = str(value)
    if text.startswith(_FORMULA_PREFIXES) and not isinstance(value, int | float):
        return "'" + text
    return text


def to_csv(kind: ExportType, rows: Iterable[dict[str, Any]]) -> str:
    """CSV with the type's fixed header, whatever the rows hold."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = COLUMNS[kind]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])
    return out.getvalue()
