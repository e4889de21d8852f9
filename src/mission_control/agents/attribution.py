"""Attribution: what one agent did (audit rows, activities) and what it spent, in a window."""

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
from mission_control.agents.keys import public_key
from mission_control.agents.service import get_agent
from mission_control.db.tables import activities, agent_api_keys, audit_log, comments, tasks
from mission_control.security.actor import Actor

SECTIONS = ("identity", "audit", "mutations", "cost")


def _identity(conn: Connection, agent: dict[str, Any]) -> dict[str, Any]:
    keys = conn.execute(
        sa.select(agent_api_keys)
        .where(agent_api_keys.c.agent_id == agent["id"])
        .order_by(agent_api_keys.c.id)
    ).mappings()
    return {
        "id": agent["id"],
        "name": agent["name"],
        "role": agent["role"],
        "status": agent["status"],
        "source": agent["source"],
        "runtime_type": agent["runtime_type"],
        "hidden": bool(agent["hidden"]),
        "created_at": agent["created_at"],
        "last_seen": agent["last_seen"],
        "api_keys": [public_key(k) for k in keys],
    }


def _audit(conn: Connection, workspace_id: int, name: str, window: Window) -> dict[str, Any]:
    where = (
        audit_log.c.workspace_id == workspace_id,
        audit_log.c.actor == name,
        audit_log.c.created_at >= window.since,
        audit_log.c.created_at <= window.until,
    )
    by_action = count_by(conn, audit_log.c.action, *where)
    rows = conn.execute(
        sa.select(
            audit_log.c.id,
            audit_log.c.action,
            audit_log.c.target_type,
            audit_log.c.target_id,
            audit_log.c.detail,
            audit_log.c.ip_address,
            audit_log.c.created_at,
        )
        .where(*where)
        .order_by(audit_log.c.id.desc())
        .limit(RECENT_LIMIT)
    ).mappings()
    return {
        "total": sum(by_action.values()),
        "by_action": by_action,
        "events": [dict(r) for r in rows],
    }


def _mutations(conn: Connection, workspace_id: int, name: str, window: Window) -> dict[str, Any]:
    where = (
        activities.c.workspace_id == workspace_id,
        activities.c.actor == name,
        activities.c.created_at >= window.since,
        activities.c.created_at <= window.until,
    )
    by_type = count_by(conn, activities.c.type, *where)
    rows = conn.execute(
        sa.select(
            activities.c.id,
            activities.c.type,
            activities.c.entity_type,
            activities.c.entity_id,
            activities.c.description,
            activities.c.created_at,
        )
        .where(*where)
        .order_by(activities.c.id.desc())
        .limit(RECENT_LIMIT)
    ).mappings()
    tasks_created = conn.execute(
        sa.select(sa.func.count())
        .select_from(tasks)
        .where(
            tasks.c.workspace_id == workspace_id,
            tasks.c.created_by == name,
            tasks.c.created_at >= window.since,
            tasks.c.created_at <= window.until,
        )
    ).scalar()
    comments_posted = conn.execute(
        sa.select(sa.func.count())
        .select_from(comments)
        .where(
            comments.c.workspace_id == workspace_id,
            comments.c.author == name,
            comments.c.created_at >= window.since,
            comments.c.created_at <= window.until,
        )
    ).scalar()
    return {
        "total": sum(by_type.values()),
        "by_type": by_type,
        "tasks_created": int(tasks_created or 0),
        "comments_posted": int(comments_posted or 0),
        "recent": [dict(r) for r in rows],
    }


def attribution(
    conn: Connection,
    actor: Actor,
    ref: str,
    *,
    window: Window,
    sections: list[str],
    caller_name: str | None,
    privileged: bool,
) -> dict[str, Any]:
    """The agent's attribution report; only the sections asked for appear."""
    agent = get_agent(conn, actor.workspace_id, ref)
    scope = access_scope(actor, agent, caller_name, privileged, what="attribution")
    name = agent["name"]
    report: dict[str, Any] = {
        "agent_name": name,
        "timeframe": window.as_dict(),
        "access_scope": scope,
    }
    if "identity" in sections:
        report["identity"] = _identity(conn, agent)
    if "audit" in sections:
        report["audit"] = _audit(conn, actor.workspace_id, name, window)
    if "mutations" in sections:
        report["mutations"] = _mutations(conn, actor.workspace_id, name, window)
    if "cost" in sections:
        report["cost"] = token_totals(conn, actor.workspace_id, name, window)
    return report
