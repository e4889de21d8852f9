"""Diagnostics: the health of one agent in a window — tasks, errors, activity, trends, tokens."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.agents.insights import (
    RECENT_LIMIT,
    Window,
    access_scope,
    count_by,
    token_totals,
)
from mission_control.agents.service import get_agent
from mission_control.db.tables import activities, tasks
from mission_control.security.actor import Actor

SECTIONS = ("summary", "tasks", "errors", "activity", "trends", "tokens")
RECENT_TASKS = 10


def _in(column: sa.ColumnElement[Any], window: Window) -> sa.ColumnElement[bool]:
    return sa.and_(column >= window.since, column <= window.until)


def _is_error_activity() -> sa.ColumnElement[bool]:
    return sa.or_(activities.c.type.like("%error%"), activities.c.type.like("%fail%"))


def _counts(conn: Connection, workspace_id: int, name: str, window: Window) -> dict[str, int]:
    """Activity, completions and errors of the agent in one window."""
    mine = (activities.c.workspace_id == workspace_id, activities.c.actor == name)
    activity_count = conn.execute(
        sa.select(sa.func.count())
        .select_from(activities)
        .where(*mine, _in(activities.c.created_at, window))
    ).scalar()
    error_activities = conn.execute(
        sa.select(sa.func.count())
        .select_from(activities)
        .where(*mine, _in(activities.c.created_at, window), _is_error_activity())
    ).scalar()
    assigned = (tasks.c.workspace_id == workspace_id, tasks.c.assigned_to == name)
    completed = conn.execute(
        sa.select(sa.func.count())
        .select_from(tasks)
        .where(*assigned, tasks.c.status == "done", _in(tasks.c.completed_at, window))
    ).scalar()
    failed = conn.execute(
        sa.select(sa.func.count())
        .select_from(tasks)
        .where(*assigned, tasks.c.status == "failed", _in(tasks.c.updated_at, window))
    ).scalar()
    return {
        "activity_count": int(activity_count or 0),
        "tasks_completed": int(completed or 0),
        "error_count": int(error_activities or 0) + int(failed or 0),
    }


def _rate(errors: int, activity: int) -> float:
    return round(100.0 * errors / activity, 1) if activity else 0.0


def _tasks(conn: Connection, workspace_id: int, name: str, window: Window) -> dict[str, Any]:
    assigned = (tasks.c.workspace_id == workspace_id, tasks.c.assigned_to == name)
    by_status = count_by(conn, tasks.c.status, *assigned)
    recent = conn.execute(
        sa.select(
            tasks.c.id,
            tasks.c.title,
            tasks.c.status,
            tasks.c.priority,
            tasks.c.updated_at,
            tasks.c.completed_at,
        )
        .where(*assigned, _in(tasks.c.updated_at, window))
        .order_by(tasks.c.updated_at.desc(), tasks.c.id.desc())
        .limit(RECENT_TASKS)
    ).mappings()
    return {
        "total": sum(by_status.values()),
        "by_status": by_status,
        "recent": [dict(r) for r in recent],
    }


def _errors(conn: Connection, workspace_id: int, name: str, window: Window) -> dict[str, Any]:
    failed = conn.execute(
        sa.select(tasks.c.id, tasks.c.title, tasks.c.error_message, tasks.c.updated_at)
        .where(
            tasks.c.workspace_id == workspace_id,
            tasks.c.assigned_to == name,
            tasks.c.status == "failed",
            _in(tasks.c.updated_at, window),
        )
        .order_by(tasks.c.updated_at.desc())
        .limit(RECENT_LIMIT)
    ).mappings()
    events = conn.execute(
        sa.select(
            activities.c.id, activities.c.type, activities.c.description, activities.c.created_at
        )
        .where(
            activities.c.workspace_id == workspace_id,
            activities.c.actor == name,
            _in(activities.c.created_at, window),
            _is_error_activity(),
        )
        .order_by(activities.c.id.desc())
        .limit(RECENT_LIMIT)
    ).mappings()
    failed_tasks = [dict(r) for r in failed]
    error_activities = [dict(r) for r in events]
    return {
        "count": len(failed_tasks) + len(error_activities),
        "failed_tasks": failed_tasks,
        "error_activities": error_activities,
    }


def _activity(conn: Connection, workspace_id: int, name: str, window: Window) -> dict[str, Any]:
    where = (
        activities.c.workspace_id == workspace_id,
        activities.c.actor == name,
        _in(activities.c.created_at, window),
    )
    by_type = count_by(conn, activities.c.type, *where)
    hour = activities.c.created_at // 3600
    hourly = conn.execute(
        sa.select(hour, sa.func.count()).where(*where).group_by(hour).order_by(hour)
    ).all()
    return {
        "total": sum(by_type.values()),
        "by_type": by_type,
        "hourly": [{"hour": int(h) * 3600, "count": int(n)} for h, n in hourly],
    }


def _change(current: int, previous: int) -> float | None:
    return round(100.0 * (current - previous) / previous, 1) if previous else None


def diagnostics(
    conn: Connection,
    actor: Actor,
    ref: str,
    *,
    window: Window,
    sections: list[str],
    caller_name: str | None,
    privileged: bool,
) -> dict[str, Any]:
    """The agent's diagnostics report; only the sections asked for appear."""
    agent = get_agent(conn, actor.workspace_id, ref)
    scope = access_scope(actor, agent, caller_name, privileged, what="diagnostics")
    ws, name = actor.workspace_id, agent["name"]
    report: dict[str, Any] = {
        "agent": {
            "id": agent["id"],
            "name": name,
            "role": agent["role"],
            "status": agent["status"],
            "last_seen": agent["last_seen"],
        },
        "timeframe": window.as_dict(),
        "access_scope": scope,
    }
    current = _counts(conn, ws, name, window) if {"summary", "trends"} & set(sections) else {}
    if "summary" in sections:
        total = conn.execute(
            sa.select(sa.func.count())
            .select_from(tasks)
            .where(tasks.c.workspace_id == ws, tasks.c.assigned_to == name)
        ).scalar()
        report["summary"] = {
            "tasks_completed": current["tasks_completed"],
            "tasks_total": int(total or 0),
            "activity_count": current["activity_count"],
            "error_count": current["error_count"],
            "error_rate_percent": _rate(current["error_count"], current["activity_count"]),
        }
    if "tasks" in sections:
        report["tasks"] = _tasks(conn, ws, name, window)
    if "errors" in sections:
        report["errors"] = _errors(conn, ws, name, window)
    if "activity" in sections:
        report["activity"] = _activity(conn, ws, name, window)
    if "trends" in sections:
        previous = _counts(conn, ws, name, window.previous())
        report["trends"] = {
            "current": current,
            "previous": previous,
            "change_percent": {k: _change(current[k], previous[k]) for k in current},
        }
    if "tokens" in sections:
        report["tokens"] = token_totals(conn, ws, name, window)
    return report
