"""Search: case-insensitive substring matches, ranked by where and how well they match.

Each kind of row is searched with one bounded query (newest first, at most `limit` rows), so
the cost stays flat however large the tables grow; the merged results are then ranked.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import activities, agents, audit_log, tasks
from mission_control.search.schemas import ResultType
from mission_control.security.actor import Actor
from mission_control.tasks.access import visible_assignee

MIN_QUERY = 2
MAX_QUERY = 200


def like_pattern(query: str) -> str:
    """`%query%` with LIKE's wildcards and the escape character taken literally."""
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matches(column: Any, pattern: str) -> Any:
    return sa.func.coalesce(column, "").ilike(pattern, escape="\\")


def relevance(query: str, title: str, others: tuple[str | None, ...] = ()) -> int:
    """100 exact title, 80 title prefix, 60 title contains, 30 another field matched."""
    q = query.casefold()
    t = (title or "").casefold()
    if t == q:
        return 100
    if t.startswith(q):
        return 80
    if q in t:
        return 60
    return 30 if any(q in (o or "").casefold() for o in others) else 0


def _tasks(
    conn: Connection, actor: Actor, query: str, pattern: str, limit: int
) -> list[dict[str, Any]]:
    where: list[Any] = [
        tasks.c.workspace_id == actor.workspace_id,
        sa.or_(_matches(tasks.c.title, pattern), _matches(tasks.c.description, pattern)),
    ]
    assignee = visible_assignee(actor, None)
    if assignee is not None:
        where.append(tasks.c.assigned_to == assignee)
    rows = conn.execute(
        sa.select(
            tasks.c.id,
            tasks.c.title,
            tasks.c.description,
            tasks.c.status,
            tasks.c.assigned_to,
            tasks.c.created_at,
        )
        .where(*where)
        .order_by(tasks.c.created_at.desc(), tasks.c.id.desc())
        .limit(limit)
    ).all()
    return [
        _result(
            "task",
            r.id,
            r.title,
            f"{r.status} · {r.assigned_to}" if r.assigned_to else r.status,
            r.created_at,
            relevance(query, r.title, (r.description,)),
        )
        for r in rows
    ]


def _agents(
    conn: Connection, actor: Actor, query: str, pattern: str, limit: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(agents.c.id, agents.c.name, agents.c.role, agents.c.status, agents.c.created_at)
        .where(
            agents.c.workspace_id == actor.workspace_id,
            agents.c.hidden == sa.false(),
            sa.or_(_matches(agents.c.name, pattern), _matches(agents.c.role, pattern)),
        )
        .order_by(agents.c.created_at.desc(), agents.c.id.desc())
        .limit(limit)
    ).all()
    return [
        _result(
            "agent",
            r.id,
            r.name,
            f"{r.role} · {r.status}",
            r.created_at,
            relevance(query, r.name, (r.role,)),
        )
        for r in rows
    ]


def _activities(
    conn: Connection, actor: Actor, query: str, pattern: str, limit: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(
            activities.c.id,
            activities.c.type,
            activities.c.actor,
            activities.c.description,
            activities.c.created_at,
        )
        .where(
            activities.c.workspace_id == actor.workspace_id,
            sa.or_(
                _matches(activities.c.description, pattern),
                _matches(activities.c.actor, pattern),
                _matches(activities.c.type, pattern),
            ),
        )
        .order_by(activities.c.created_at.desc(), activities.c.id.desc())
        .limit(limit)
    ).all()
    return [
        _result(
            "activity",
            r.id,
            r.description,
            f"{r.type} by {r.actor}",
            r.created_at,
            relevance(query, r.description, (r.actor, r.type)),
        )
        for r in rows
    ]


def _audit(
    conn: Connection, actor: Actor, query: str, pattern: str, limit: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(
            audit_log.c.id,
            audit_log.c.action,
            audit_log.c.actor,
            audit_log.c.target_type,
            audit_log.c.target_id,
            audit_log.c.created_at,
        )
        .where(
            audit_log.c.workspace_id == actor.workspace_id,
            sa.or_(
                _matches(audit_log.c.action, pattern),
                _matches(audit_log.c.actor, pattern),
                _matches(audit_log.c.target_id, pattern),
            ),
        )
        .order_by(audit_log.c.id.desc())
        .limit(limit)
    ).all()
    return [
        _result(
            "audit",
            r.id,
            r.action,
            f"by {r.actor}"
            + (f" on {r.target_type} {r.target_id}" if r.target_type or r.target_id else ""),
            r.created_at,
            relevance(query, r.action, (r.actor, r.target_id)),
        )
        for r in rows
    ]


def _result(
    kind: ResultType, ident: int, title: str, subtitle: str | None, created_at: int, score: int
) -> dict[str, Any]:
    return {
        "type": kind,
        "id": int(ident),
        "title": title,
        "subtitle": subtitle,
        "created_at": int(created_at or 0),
        "relevance": score,
    }


_SEARCHERS = {"task": _tasks, "agent": _agents, "activity": _activities, "audit": _audit}


def allowed_types(actor: Actor) -> tuple[ResultType, ...]:
    """The audit log is searched for admins only."""
    base: tuple[ResultType, ...] = ("task", "agent", "activity")
    return (*base, "audit") if actor.at_least("admin") else base


def search(
    conn: Connection, actor: Actor, query: str, *, types: tuple[ResultType, ...], limit: int
) -> list[dict[str, Any]]:
    """The best `limit` matches of the actor's workspace: most relevant first, then newest."""
    pattern = like_pattern(query)
    results: list[dict[str, Any]] = []
    for kind in types:
        results += _SEARCHERS[kind](conn, actor, query, pattern, limit)
    results.sort(key=lambda r: (-r["relevance"], -r["created_at"], r["type"], -r["id"]))
    return results[:limit]
