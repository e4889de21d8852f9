"""Heartbeats: an agent says it is alive, reports token usage and learns what waits for it."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.agents.service import agent_for, announce_status, public_agent
from mission_control.db.rows import inserted_id
from mission_control.db.tables import agents, connections, notifications, tasks, token_usage
from mission_control.errors import ValidationFailed
from mission_control.security.actor import Actor
from mission_control.tokens.service import price_usage

WORK_ITEM_LIMIT = 20
PRIORITY_ORDER = sa.case(
    (tasks.c.priority == "critical", 0),
    (tasks.c.priority == "high", 1),
    (tasks.c.priority == "medium", 2),
    (tasks.c.priority == "low", 3),
    else_=4,
)


def _assigned_tasks(conn: Connection, workspace_id: int, name: str) -> dict[str, Any] | None:
    where = (
        tasks.c.workspace_id == workspace_id,
        tasks.c.assigned_to == name,
        tasks.c.status.in_(("assigned", "in_progress")),
    )
    count = conn.execute(sa.select(sa.func.count()).select_from(tasks).where(*where)).scalar()
    if not count:
        return None
    rows = conn.execute(
        sa.select(
            tasks.c.id,
            tasks.c.title,
            tasks.c.status,
            tasks.c.priority,
            tasks.c.due_date,
            tasks.c.project_id,
            tasks.c.created_at,
        )
        .where(*where)
        .order_by(PRIORITY_ORDER, tasks.c.created_at, tasks.c.id)
        .limit(WORK_ITEM_LIMIT)
    ).mappings()
    return {"type": "assigned_tasks", "count": int(count), "items": [dict(r) for r in rows]}


def _unread_notifications(conn: Connection, workspace_id: int, name: str) -> dict[str, Any] | None:
    where = (
        notifications.c.workspace_id == workspace_id,
        notifications.c.recipient == name,
        notifications.c.read_at.is_(None),
    )
    count = conn.execute(
        sa.select(sa.func.count()).select_from(notifications).where(*where)
    ).scalar()
    if not count:
        return None
    rows = conn.execute(
        sa.select(
            notifications.c.id,
            notifications.c.type,
            notifications.c.title,
            notifications.c.message,
            notifications.c.source_type,
            notifications.c.source_id,
            notifications.c.created_at,
        )
        .where(*where)
        .order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
        .limit(WORK_ITEM_LIMIT)
    ).mappings()
    return {"type": "notifications", "count": int(count), "items": [dict(r) for r in rows]}


def record_usage(
    conn: Connection, workspace_id: int, agent_name: str, usage: dict[str, Any], now: int
) -> int:
    """A `token_usage` row under the agent's name, session `<name>:cli`, priced by model."""
    task_id = usage.get("task_id")
    if task_id is not None:
        known = conn.execute(
            sa.select(tasks.c.id).where(tasks.c.id == task_id, tasks.c.workspace_id == workspace_id)
        ).first()
        if known is None:
            raise ValidationFailed(["token_usage.taskId: task not found"])
    model = usage["model"].strip()
    return inserted_id(
        conn.execute(
            sa.insert(token_usage).values(
                model=model,
                session_id=f"{agent_name}:cli",
                agent_name=agent_name,
                task_id=task_id,
                input_tokens=usage["input_tokens"],
                output_tokens=usage["output_tokens"],
                cost_usd=price_usage(conn, model, usage["input_tokens"], usage["output_tokens"]),
                operation="heartbeat",
                workspace_id=workspace_id,
                created_at=now,
            )
        )
    )


def find_for_heartbeat(conn: Connection, actor: Actor, ref: str) -> int:
    """The id of the agent a heartbeat is for (404 unknown, 403 another agent's key)."""
    return int(agent_for(conn, actor, ref)["id"])


def heartbeat(
    conn: Connection,
    actor: Actor,
    agent_id: int,
    *,
    connection_id: str | None = None,
    usage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Mark the agent alive (`idle`, or still `busy`) and list its waiting work."""
    agent = agent_for(conn, actor, agent_id)
    now = int(time.time())
    previous = agent["status"]
    status = "busy" if previous == "busy" else "idle"
    values: dict[str, Any] = {"status": status, "last_seen": now}
    if status != previous:
        values["updated_at"] = now
    conn.execute(sa.update(agents).where(agents.c.id == agent["id"]).values(**values))
    if status != previous:
        announce_status(
            conn, agent["name"], public_agent({**agent, **values}, full=False), previous
        )
    if connection_id:
        conn.execute(
            sa.update(connections)
            .where(
                connections.c.connection_id == connection_id,
                connections.c.agent_id == agent["id"],
                connections.c.status == "connected",
            )
            .values(last_heartbeat_at=now)
        )
    work_items = [
        item
        for item in (
            _assigned_tasks(conn, actor.workspace_id, agent["name"]),
            _unread_notifications(conn, actor.workspace_id, agent["name"]),
        )
        if item is not None
    ]
    total = sum(item["count"] for item in work_items)
    answer: dict[str, Any] = {
        "status": "WORK_ITEMS_FOUND" if total else "HEARTBEAT_OK",
        "agent": agent["name"],
        "checked_at": now,
        "work_items": work_items,
        "total_items": total,
    }
    if usage is not None:
        record_usage(conn, actor.workspace_id, agent["name"], usage, now)
        answer["token_recorded"] = True
    return answer
