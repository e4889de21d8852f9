"""The overview page's numbers, read in one transaction for the actor's workspace."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.activities.service import list_activities
from mission_control.db.tables import agents, notifications, security_events, tasks, token_usage
from mission_control.security.actor import Actor

TASK_STATUSES = (
    "backlog",
    "inbox",
    "assigned",
    "awaiting_owner",
    "in_progress",
    "review",
    "quality_review",
    "done",
    "failed",
)
AGENT_STATUSES = ("online", "idle", "busy", "sleeping", "error", "offline")
FLEET_LIMIT = 24
STREAM_LIMIT = 20


def _start_of_day(now: int) -> int:
    local = time.localtime(now)
    return int(time.mktime((local.tm_year, local.tm_mon, local.tm_mday, 0, 0, 0, 0, 0, -1)))


def _counts(conn: Connection, column: Any, where: Any) -> dict[str, int]:
    rows = conn.execute(sa.select(column, sa.func.count()).where(where).group_by(column))
    return {str(key): int(count) for key, count in rows}


def overview(conn: Connection, actor: Actor, now: int | None = None) -> dict[str, Any]:
    """Agents and tasks by status, today's finished tasks and spend, failed logins in 24 h,
    the actor's unread notifications, the task pipeline, the fleet and recent activity."""
    now = now or int(time.time())
    ws = actor.workspace_id
    today = _start_of_day(now)
    by_task = _counts(conn, tasks.c.status, tasks.c.workspace_id == ws)
    by_agent = _counts(
        conn, agents.c.status, sa.and_(agents.c.workspace_id == ws, agents.c.hidden.is_(False))
    )
    done_today = conn.execute(
        sa.select(sa.func.count())
        .select_from(tasks)
        .where(tasks.c.workspace_id == ws, tasks.c.completed_at >= today)
    ).scalar_one()
    failed_logins = conn.execute(
        sa.select(sa.func.count())
        .select_from(security_events)
        .where(
            security_events.c.event_type == "auth_failure",
            security_events.c.created_at >= now - 86400,
        )
    ).scalar_one()
    unread = conn.execute(
        sa.select(sa.func.count())
        .select_from(notifications)
        .where(
            notifications.c.workspace_id == ws,
            notifications.c.recipient == actor.username,
            notifications.c.read_at.is_(None),
        )
    ).scalar_one()
    spend = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(token_usage.c.cost_usd), 0.0)).where(
            token_usage.c.workspace_id == ws, token_usage.c.created_at >= today
        )
    ).scalar_one()
    fleet = [
        dict(r)
        for r in conn.execute(
            sa.select(
                agents.c.id, agents.c.name, agents.c.role, agents.c.status, agents.c.last_seen
            )
            .where(agents.c.workspace_id == ws, agents.c.hidden.is_(False))
            .order_by(agents.c.last_seen.desc().nulls_last(), agents.c.name)
            .limit(FLEET_LIMIT)
        ).mappings()
    ]
    stream, _total = list_activities(conn, ws, limit=STREAM_LIMIT, offset=0)
    total_tasks = sum(by_task.values())
    pipeline = [
        {"status": s, "count": by_task.get(s, 0), "share": by_task.get(s, 0) / total_tasks * 100}
        for s in TASK_STATUSES
        if total_tasks
    ]
    online = sum(by_agent.get(s, 0) for s in ("online", "idle"))
    return {
        "agents": {
            "online": online,
            "busy": by_agent.get("busy", 0),
            "offline": by_agent.get("offline", 0),
            "other": sum(by_agent.get(s, 0) for s in ("sleeping", "error")),
            "total": sum(by_agent.values()),
        },
        "tasks": {s: by_task.get(s, 0) for s in TASK_STATUSES},
        "tasks_total": total_tasks,
        "tasks_open": total_tasks - by_task.get("done", 0) - by_task.get("failed", 0),
        "done_today": int(done_today),
        "failed_logins_24h": int(failed_logins),
        "unread_notifications": int(unread),
        "spend_today": float(spend or 0.0),
        "pipeline": pipeline,
        "fleet": fleet,
        "stream": stream,
    }
