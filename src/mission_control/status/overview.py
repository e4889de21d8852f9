"""The dashboard counts behind /api/status?action=overview|dashboard (viewer).

A handful of grouped COUNT queries over indexed columns, all scoped to the caller's
workspace, so the dashboard stays cheap however much history there is.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from fastapi import Request
from sqlalchemy.engine import Connection
from starlette.responses import Response

from mission_control.agents.schemas import STATUSES as AGENT_STATUSES
from mission_control.db.tables import agents, audit_log, notifications, tasks, token_usage
from mission_control.errors import BadRequest
from mission_control.responses import json_response
from mission_control.runtime import Runtime
from mission_control.security.actor import Actor
from mission_control.security.rbac import require_role
from mission_control.tasks.access import visible_assignee
from mission_control.tasks.schemas import STATUSES as TASK_STATUSES

DAY = 86400
WEEK = 7 * DAY
OVERVIEW_ACTIONS = ("overview", "dashboard")
OPEN_TASK_STATUSES = tuple(s for s in TASK_STATUSES if s not in ("done", "failed"))


def _count(conn: Connection, table: sa.Table, *where: Any) -> int:
    return int(
        conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
    )


def _by_status(
    conn: Connection, table: sa.Table, known: tuple[str, ...], *where: Any
) -> dict[str, Any]:
    counts = dict.fromkeys(known, 0)
    for status, n in conn.execute(
        sa.select(table.c.status, sa.func.count()).where(*where).group_by(table.c.status)
    ).all():
        counts[status] = int(n)
    return {"total": sum(counts.values()), "by_status": counts}


def _window(conn: Connection, now: int, *where: Any) -> dict[str, int]:
    return {
        "last_day": _count(conn, audit_log, audit_log.c.created_at >= now - DAY, *where),
        "last_week": _count(conn, audit_log, audit_log.c.created_at >= now - WEEK, *where),
    }


def dashboard_counts(conn: Connection, actor: Actor, *, now: int | None = None) -> dict[str, Any]:
    """Tasks and agents by status, audit events and failed logins over the last day and
    week, unread notifications and today's spend (UTC day) for the actor's workspace."""
    now = now if now is not None else int(time.time())
    today = now - now % DAY
    ws = actor.workspace_id
    task_where: list[Any] = [tasks.c.workspace_id == ws]
    assignee = visible_assignee(actor, None)
    if assignee is not None:  # a restricted agent key counts only its own tasks
        task_where.append(tasks.c.assigned_to == assignee)
    task_counts = _by_status(conn, tasks, TASK_STATUSES, *task_where)
    task_counts["done_today"] = _count(
        conn, tasks, *task_where, tasks.c.status == "done", tasks.c.completed_at >= today
    )
    task_counts["overdue"] = _count(
        conn,
        tasks,
        *task_where,
        tasks.c.status.in_(OPEN_TASK_STATUSES),
        tasks.c.due_date.is_not(None),
        tasks.c.due_date < now,
    )
    agent_counts = _by_status(
        conn, agents, AGENT_STATUSES, agents.c.workspace_id == ws, agents.c.hidden == sa.false()
    )
    unread = [notifications.c.workspace_id == ws, notifications.c.read_at.is_(None)]
    cost, tokens = conn.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(token_usage.c.cost_usd), 0.0),
            sa.func.coalesce(
                sa.func.sum(token_usage.c.input_tokens + token_usage.c.output_tokens), 0
            ),
        ).where(token_usage.c.workspace_id == ws, token_usage.c.created_at >= today)
    ).one()
    return {
        "workspace_id": ws,
        "generated_at": now,
        "tasks": task_counts,
        "agents": agent_counts,
        "audit": _window(conn, now, audit_log.c.workspace_id == ws),
        "login_failures": _window(
            conn, now, audit_log.c.workspace_id == ws, audit_log.c.action == "login_failed"
        ),
        "notifications": {
            "unread": _count(conn, notifications, *unread),
            "unread_for_you": _count(
                conn,
                notifications,
                *unread,
                notifications.c.recipient.in_({actor.username, actor.agent_name or ""} - {""}),
            ),
        },
        "spend_today": {"cost_usd": round(float(cost), 6), "tokens": int(tokens)},
    }


async def status_overview(request: Request, rt: Runtime, action: str) -> Response:
    actor = await require_role("viewer")(request)
    if action not in OVERVIEW_ACTIONS:
        raise BadRequest("Unknown action; expected health, overview or dashboard")
    counts = await rt.db.read(dashboard_counts, actor)
    return json_response({"action": action, **counts})
