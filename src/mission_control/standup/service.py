"""Build a day's standup from the tasks and activities tables, store it, read the history."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.activities.service import log_activity
from mission_control.db.rows import inserted_id
from mission_control.db.tables import activities, agents, projects, standup_reports, tasks
from mission_control.errors import BadRequest, Forbidden, NotFound
from mission_control.security.actor import Actor
from mission_control.tasks.access import OWN_TASKS_ONLY
from mission_control.tasks.queue import PRIORITY_RANK
from mission_control.tasks.reads import ticket_ref

DAY = 86400
# Per agent and per category; the summary counts are exact even when a list is cut.
TASKS_PER_LIST = 100
MAX_AGENTS = 200
MAX_OVERDUE = 200
CATEGORIES: dict[str, tuple[str, ...]] = {
    "inProgress": ("in_progress",),
    "assigned": ("assigned",),
    "review": ("review", "quality_review"),
    "blocked": ("awaiting_owner", "failed"),
}
CLOSED = ("done", "failed")
NOT_FOUND = "Standup not found"


def day_bounds(day: str | None, now: int) -> tuple[str, int, int]:
    """`(YYYY-MM-DD, start, end)` of a UTC day; today by default, never in the future."""
    today = datetime.fromtimestamp(now, UTC).date()
    if day is None:
        chosen = today
    else:
        try:
            chosen = date.fromisoformat(day)
        except ValueError:
            raise BadRequest("date must be a real day as YYYY-MM-DD") from None
        if chosen > today:
            raise BadRequest("date cannot be in the future")
    start = int(datetime(chosen.year, chosen.month, chosen.day, tzinfo=UTC).timestamp())
    return chosen.isoformat(), start, start + DAY


def _task(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "status": row.status,
        "priority": row.priority,
        "ticket_ref": ticket_ref(row.project_prefix, row.project_ticket_no),
        "assigned_to": row.assigned_to,
        "due_date": row.due_date,
        "completed_at": row.completed_at,
    }


def _task_query(workspace_id: int) -> sa.Select[Any]:
    return (
        sa.select(
            tasks.c.id,
            tasks.c.title,
            tasks.c.status,
            tasks.c.priority,
            tasks.c.assigned_to,
            tasks.c.due_date,
            tasks.c.completed_at,
            tasks.c.project_ticket_no,
            projects.c.ticket_prefix.label("project_prefix"),
        )
        .select_from(tasks.outerjoin(projects, projects.c.id == tasks.c.project_id))
        .where(tasks.c.workspace_id == workspace_id)
    )


def _agents(conn: Connection, workspace_id: int, names: list[str] | None) -> list[Any]:
    query = sa.select(agents.c.name, agents.c.role, agents.c.status, agents.c.last_seen).where(
        agents.c.workspace_id == workspace_id
    )
    if names is None:
        query = query.where(agents.c.hidden == sa.false())
    else:
        query = query.where(agents.c.name.in_(names))
    rows = list(conn.execute(query.order_by(agents.c.name).limit(MAX_AGENTS)).all())
    if names is not None:
        missing = sorted(set(names) - {r.name for r in rows})
        if missing:
            raise BadRequest(f"Unknown agents: {', '.join(missing)}")
    return rows


def _agent_report(
    conn: Connection, workspace_id: int, agent: Any, start: int, end: int
) -> dict[str, Any]:
    base = _task_query(workspace_id).where(tasks.c.assigned_to == agent.name)
    order = (PRIORITY_RANK, tasks.c.id)
    lists: dict[str, list[dict[str, Any]]] = {}
    counts: dict[str, int] = {}
    done = sa.and_(
        tasks.c.status == "done", tasks.c.completed_at >= start, tasks.c.completed_at < end
    )
    filters = {"completedToday": done} | {
        key: tasks.c.status.in_(statuses) for key, statuses in CATEGORIES.items()
    }
    for key, condition in filters.items():
        rows = conn.execute(base.where(condition).order_by(*order).limit(TASKS_PER_LIST)).all()
        lists[key] = [_task(r) for r in rows]
        counts[key] = int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(tasks)
                .where(
                    tasks.c.workspace_id == workspace_id,
                    tasks.c.assigned_to == agent.name,
                    condition,
                )
            ).scalar_one()
        )
    activity = conn.execute(
        sa.select(sa.func.count())
        .select_from(activities)
        .where(
            activities.c.workspace_id == workspace_id,
            activities.c.actor == agent.name,
            activities.c.created_at >= start,
            activities.c.created_at < end,
        )
    ).scalar_one()
    return {
        "agent": {
            "name": agent.name,
            "role": agent.role,
            "status": agent.status,
            "last_seen": agent.last_seen,
        },
        **lists,
        "activityCount": int(activity),
        "_counts": counts,
    }


def build_report(
    conn: Connection, workspace_id: int, day: str, start: int, end: int, names: list[str] | None
) -> dict[str, Any]:
    """The report body: per-agent sections, team totals and the tasks overdue by day's end."""
    reports = [
        _agent_report(conn, workspace_id, a, start, end) for a in _agents(conn, workspace_id, names)
    ]
    overdue_where = sa.and_(
        tasks.c.status.not_in(CLOSED), tasks.c.due_date.is_not(None), tasks.c.due_date < end
    )
    if names is not None:
        overdue_where = sa.and_(overdue_where, tasks.c.assigned_to.in_(names))
    overdue_rows = conn.execute(
        _task_query(workspace_id)
        .where(overdue_where)
        .order_by(tasks.c.due_date, tasks.c.id)
        .limit(MAX_OVERDUE)
    ).all()
    overdue_total = conn.execute(
        sa.select(sa.func.count())
        .select_from(tasks)
        .where(tasks.c.workspace_id == workspace_id, overdue_where)
    ).scalar_one()

    def total(key: str) -> int:
        return sum(r["_counts"][key] for r in reports)

    summary = {
        "totalAgents": len(reports),
        "totalCompleted": total("completedToday"),
        "totalInProgress": total("inProgress"),
        "totalAssigned": total("assigned"),
        "totalReview": total("review"),
        "totalBlocked": total("blocked"),
        "totalActivity": sum(r["activityCount"] for r in reports),
        "overdue": int(overdue_total),
    }
    for r in reports:
        del r["_counts"]
    return {
        "date": day,
        "summary": summary,
        "agentReports": reports,
        "overdueTasks": [_task(r) for r in overdue_rows],
    }


def own_agents(actor: Actor, names: list[str] | None) -> list[str] | None:
    """A restricted agent key reports on its own agent only."""
    if not actor.agent_restricted:
        return names
    assert actor.agent_name is not None
    if names is not None and set(names) - {actor.agent_name}:
        raise Forbidden(OWN_TASKS_ONLY)
    return [actor.agent_name]


def generate(
    conn: Connection,
    actor: Actor,
    *,
    day: str | None,
    names: list[str] | None,
    now: int | None = None,
) -> dict[str, Any]:
    """Build, store and announce a standup; answers it as the API shows it."""
    now = now if now is not None else int(time.time())
    wanted = None if names is None else sorted({n.strip() for n in names if n.strip()})
    label, start, end = day_bounds(day, now)
    report = build_report(conn, actor.workspace_id, label, start, end, own_agents(actor, wanted))
    created_by = actor.display_name
    ident = inserted_id(
        conn.execute(
            sa.insert(standup_reports).values(
                date=label,
                report=report,
                created_by=created_by,
                workspace_id=actor.workspace_id,
                created_at=now,
            )
        )
    )
    summary = report["summary"]
    log_activity(
        conn,
        type="standup_generated",
        entity_type="standup",
        entity_id=ident,
        actor=created_by,
        description=f"Standup for {label}: {summary['totalCompleted']} completed, "
        f"{summary['totalBlocked']} blocked, {summary['overdue']} overdue",
        data={"date": label, "agents": summary["totalAgents"]},
        workspace_id=actor.workspace_id,
    )
    return _standup(ident, label, now, created_by, report)


def _standup(
    ident: int, day: str, created_at: int, created_by: str, report: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": ident,
        "date": day,
        "generatedAt": created_at,
        "created_by": created_by,
        "summary": report["summary"],
        "agentReports": report["agentReports"],
        "overdueTasks": report["overdueTasks"],
    }


def list_history(
    conn: Connection, workspace_id: int, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    where = standup_reports.c.workspace_id == workspace_id
    total = conn.execute(
        sa.select(sa.func.count()).select_from(standup_reports).where(where)
    ).scalar_one()
    rows = conn.execute(
        sa.select(standup_reports)
        .where(where)
        .order_by(standup_reports.c.created_at.desc(), standup_reports.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    items = [
        {
            "id": r.id,
            "date": r.date,
            "generatedAt": r.created_at,
            "created_by": r.created_by,
            "summary": r.report["summary"],
            "agentCount": len(r.report["agentReports"]),
        }
        for r in rows
    ]
    return items, int(total)


def get_standup(conn: Connection, actor: Actor, ident: int) -> dict[str, Any]:
    """One stored standup of the actor's workspace; a restricted agent key sees its part."""
    row = conn.execute(
        sa.select(standup_reports).where(
            standup_reports.c.id == ident, standup_reports.c.workspace_id == actor.workspace_id
        )
    ).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    standup = _standup(row.id, row.date, row.created_at, row.created_by, row.report)
    if actor.agent_restricted:
        mine = actor.agent_name
        standup["agentReports"] = [r for r in standup["agentReports"] if r["agent"]["name"] == mine]
        standup["overdueTasks"] = [t for t in standup["overdueTasks"] if t["assigned_to"] == mine]
    return standup
