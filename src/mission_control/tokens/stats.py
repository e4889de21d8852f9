"""Aggregated views of token usage: by model, session, agent and task, trends, export.

Sums and counts are computed by the database (GROUP BY), so the views stay cheap however
many records there are; only the grouped rows come back to Python."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import projects, tasks, token_usage
from mission_control.tokens.service import public, scope

DAY = 86400
HOUR = 3600
MAX_TASKS = 500  # the costliest tasks listed by task-costs
MAX_TREND_POINTS = 1000  # hourly buckets, newest kept
EXPORT_CAP = 50_000
CSV_COLUMNS = (
    "id",
    "timestamp",
    "model",
    "sessionId",
    "agentName",
    "taskId",
    "inputTokens",
    "outputTokens",
    "totalTokens",
    "cost",
    "operation",
    "duration",
)

_IN = sa.func.coalesce(sa.func.sum(token_usage.c.input_tokens), 0)
_OUT = sa.func.coalesce(sa.func.sum(token_usage.c.output_tokens), 0)
_COST = sa.func.coalesce(sa.func.sum(token_usage.c.cost_usd), 0.0)
_COUNT = sa.func.count(token_usage.c.id)
_SUMS = (_IN.label("in_"), _OUT.label("out_"), _COST.label("cost_"), _COUNT.label("n_"))


def _bucket(size: int) -> Any:
    """The start of the `size`-second bucket a record falls in (integer arithmetic works the
    same on SQLite and PostgreSQL)."""
    return (token_usage.c.created_at - token_usage.c.created_at % size).label("bucket")


def stats_of(in_: Any, out_: Any, cost_: Any, n_: Any) -> dict[str, Any]:
    """`{totalTokens, totalCost, requestCount, avgTokensPerRequest, avgCostPerRequest}`."""
    tokens_in, tokens_out, count = int(in_ or 0), int(out_ or 0), int(n_ or 0)
    cost = float(cost_ or 0.0)
    total = tokens_in + tokens_out
    return {
        "totalTokens": total,
        "inputTokens": tokens_in,
        "outputTokens": tokens_out,
        "totalCost": round(cost, 6),
        "requestCount": count,
        "avgTokensPerRequest": round(total / count, 2) if count else 0,
        "avgCostPerRequest": round(cost / count, 6) if count else 0,
    }


def _row_stats(row: Any) -> dict[str, Any]:
    return stats_of(row.in_, row.out_, row.cost_, row.n_)


def _grouped(conn: Connection, where: list[Any], *keys: Any) -> list[Any]:
    query = sa.select(*keys, *_SUMS).where(*where).group_by(*keys)
    return list(conn.execute(query).all())


def _summary(conn: Connection, where: list[Any]) -> dict[str, Any]:
    row = conn.execute(sa.select(*_SUMS).where(*where)).one()
    return _row_stats(row)


def _date(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def usage_stats(
    conn: Connection, workspace_id: int, since: int | None, timeframe: str
) -> dict[str, Any]:
    """`{summary, models, sessions, agents, tasks, timeframe, recordCount}`."""
    where = scope(workspace_id, since)
    summary = _summary(conn, where)
    c = token_usage.c
    by = {
        "models": _grouped(conn, where, c.model),
        "sessions": _grouped(conn, where, c.session_id),
        "agents": _grouped(conn, [*where, c.agent_name.is_not(None)], c.agent_name),
        "tasks": _grouped(conn, [*where, c.task_id.is_not(None)], c.task_id),
    }
    out: dict[str, Any] = {
        name: {str(row[0]): _row_stats(row) for row in rows} for name, rows in by.items()
    }
    return {
        "summary": summary,
        **out,
        "timeframe": timeframe,
        "recordCount": summary["requestCount"],
    }


def agent_costs(
    conn: Connection, workspace_id: int, since: int | None, timeframe: str
) -> dict[str, Any]:
    """`{agents:{<name>:{stats, models, sessions, timeline}}, timeframe, recordCount}`."""
    c = token_usage.c
    where = [*scope(workspace_id, since), c.agent_name.is_not(None)]
    agents: dict[str, Any] = {
        str(row.agent_name): {
            "stats": _row_stats(row),
            "models": {},
            "sessions": [],
            "timeline": [],
        }
        for row in _grouped(conn, where, c.agent_name)
    }
    for row in _grouped(conn, where, c.agent_name, c.model):
        agents[str(row.agent_name)]["models"][str(row.model)] = _row_stats(row)
    sessions = conn.execute(
        sa.select(c.agent_name, c.session_id)
        .where(*where)
        .group_by(c.agent_name, c.session_id)
        .order_by(c.agent_name, c.session_id)
    ).all()
    for agent, session in sessions:
        agents[str(agent)]["sessions"].append(session)
    day = _bucket(DAY)
    timeline = conn.execute(
        sa.select(c.agent_name, day, *_SUMS)
        .where(*where)
        .group_by(c.agent_name, day)
        .order_by(c.agent_name, day)
    ).all()
    for row in timeline:
        agents[str(row.agent_name)]["timeline"].append(
            {
                "date": _date(int(row.bucket)),
                "cost": round(float(row.cost_), 6),
                "tokens": int(row.in_) + int(row.out_),
            }
        )
    total = sum(a["stats"]["requestCount"] for a in agents.values())
    return {"agents": agents, "timeframe": timeframe, "recordCount": total}


def _group_costs(rows: Sequence[Any]) -> dict[str, Any]:
    """`{<key>: {stats, taskCount, taskIds}}` from rows of (key, task_id, sums…)."""
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        group = groups.setdefault(str(row[0]), {"sums": [0, 0, 0.0, 0], "taskIds": []})
        sums = group["sums"]
        sums[0] += int(row.in_)
        sums[1] += int(row.out_)
        sums[2] += float(row.cost_)
        sums[3] += int(row.n_)
        group["taskIds"].append(int(row.task_id))
    return {
        key: {
            "stats": stats_of(*g["sums"]),
            "taskCount": len(g["taskIds"]),
            "taskIds": sorted(g["taskIds"]),
        }
        for key, g in groups.items()
    }


def task_costs(
    conn: Connection, workspace_id: int, since: int | None, timeframe: str
) -> dict[str, Any]:
    """`{summary, tasks:[…], agents, projects, unattributed, timeframe, recordCount}` where
    `tasks` lists the costliest tasks (at most 500) and `agents`/`projects` group every
    attributed record by the reporting agent and the task's project."""
    c = token_usage.c
    base = scope(workspace_id, since)
    attributed = [*base, c.task_id.is_not(None)]
    summary = _summary(conn, attributed)
    unattributed = _summary(conn, [*base, c.task_id.is_(None)])
    per_task = conn.execute(
        sa.select(c.task_id, *_SUMS)
        .where(*attributed)
        .group_by(c.task_id)
        .order_by(_COST.desc(), c.task_id)
        .limit(MAX_TASKS)
    ).all()
    ids = [int(r.task_id) for r in per_task]
    info = {
        int(r.id): r
        for r in conn.execute(
            sa.select(
                tasks.c.id,
                tasks.c.title,
                tasks.c.status,
                tasks.c.priority,
                tasks.c.assigned_to,
                projects.c.id.label("project_id"),
                projects.c.name.label("project_name"),
            )
            .select_from(tasks.outerjoin(projects, projects.c.id == tasks.c.project_id))
            .where(tasks.c.id.in_(ids), tasks.c.workspace_id == workspace_id)
        ).all()
    }
    models: dict[int, dict[str, Any]] = {i: {} for i in ids}
    timelines: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        chosen = [*attributed, c.task_id.in_(ids)]
        for row in _grouped(conn, chosen, c.task_id, c.model):
            models[int(row.task_id)][str(row.model)] = _row_stats(row)
        day = _bucket(DAY)
        for row in conn.execute(
            sa.select(c.task_id, day, *_SUMS)
            .where(*chosen)
            .group_by(c.task_id, day)
            .order_by(c.task_id, day)
        ).all():
            timelines[int(row.task_id)].append(
                {
                    "date": _date(int(row.bucket)),
                    "cost": round(float(row.cost_), 6),
                    "tokens": int(row.in_) + int(row.out_),
                }
            )
    items = []
    for row in per_task:
        task_id = int(row.task_id)
        meta = info.get(task_id)
        items.append(
            {
                "taskId": task_id,
                "title": meta.title if meta else None,
                "status": meta.status if meta else None,
                "priority": meta.priority if meta else None,
                "assignedTo": meta.assigned_to if meta else None,
                "project": (
                    {"id": meta.project_id, "name": meta.project_name}
                    if meta and meta.project_id is not None
                    else None
                ),
                "stats": _row_stats(row),
                "models": models[task_id],
                "timeline": timelines[task_id],
            }
        )
    by_agent = _grouped(conn, [*attributed, c.agent_name.is_not(None)], c.agent_name, c.task_id)
    by_project = conn.execute(
        sa.select(projects.c.name, c.task_id, *_SUMS)
        .select_from(
            token_usage.join(tasks, tasks.c.id == c.task_id).join(
                projects, projects.c.id == tasks.c.project_id
            )
        )
        .where(*attributed)
        .group_by(projects.c.name, c.task_id)
    ).all()
    return {
        "summary": summary,
        "tasks": items,
        "agents": _group_costs(by_agent),
        "projects": _group_costs(by_project),
        "unattributed": unattributed,
        "timeframe": timeframe,
        "recordCount": summary["requestCount"] + unattributed["requestCount"],
    }


def trends(
    conn: Connection, workspace_id: int, since: int | None, timeframe: str
) -> dict[str, Any]:
    """Hourly buckets `{trends:[{timestamp, hour, tokens, cost, requests}]}`, oldest first
    (the newest 1000 hours at most)."""
    hour = _bucket(HOUR)
    rows = conn.execute(
        sa.select(hour, *_SUMS)
        .where(*scope(workspace_id, since))
        .group_by(hour)
        .order_by(hour.desc())
        .limit(MAX_TREND_POINTS)
    ).all()
    points = [
        {
            "timestamp": int(r.bucket),
            "hour": datetime.fromtimestamp(int(r.bucket), UTC).strftime("%Y-%m-%dT%H:00:00Z"),
            "tokens": int(r.in_) + int(r.out_),
            "cost": round(float(r.cost_), 6),
            "requests": int(r.n_),
        }
        for r in reversed(rows)
    ]
    return {
        "trends": points,
        "timeframe": timeframe,
        "recordCount": sum(p["requests"] for p in points),
    }


def export_rows(
    conn: Connection, workspace_id: int, since: int | None
) -> tuple[list[dict[str, Any]], dict[str, Any], bool]:
    """Records oldest first (at most 50,000), the summary, and whether the cap cut them."""
    where = scope(workspace_id, since)
    rows = conn.execute(
        sa.select(token_usage)
        .where(*where)
        .order_by(token_usage.c.created_at, token_usage.c.id)
        .limit(EXPORT_CAP + 1)
    ).mappings()
    records = [public(r) for r in rows]
    truncated = len(records) > EXPORT_CAP
    return records[:EXPORT_CAP], _summary(conn, where), truncated


def _cell(value: Any) -> Any:
    # Spreadsheet apps run cells that start with these as formulas (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def to_csv(records: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow([_cell(record[col]) for col in CSV_COLUMNS])
    return buffer.getvalue()


def by_agent(conn: Connection, workspace_id: int, since: int) -> dict[str, Any]:
    """Per agent totals and per model, over the last `days` days."""
    c = token_usage.c
    where = [*scope(workspace_id, since), c.agent_name.is_not(None)]

    def totals(row: Any) -> dict[str, Any]:
        return {
            "input_tokens": int(row.in_),
            "output_tokens": int(row.out_),
            "total_tokens": int(row.in_) + int(row.out_),
            "cost": round(float(row.cost_), 6),
            "request_count": int(row.n_),
        }

    rows = conn.execute(
        sa.select(
            c.agent_name,
            *_SUMS,
            sa.func.count(sa.distinct(c.session_id)).label("sessions"),
            sa.func.max(c.created_at).label("last"),
        )
        .where(*where)
        .group_by(c.agent_name)
        .order_by(_COST.desc(), c.agent_name)
    ).all()
    agents: dict[str, dict[str, Any]] = {
        str(r.agent_name): {
            "agent": str(r.agent_name),
            **totals(r),
            "session_count": int(r.sessions),
            "last_active": r.last,
            "models": [],
        }
        for r in rows
    }
    for r in conn.execute(
        sa.select(c.agent_name, c.model, *_SUMS)
        .where(*where)
        .group_by(c.agent_name, c.model)
        .order_by(c.agent_name, _COST.desc(), c.model)
    ).all():
        agents[str(r.agent_name)]["models"].append({"model": str(r.model), **totals(r)})
    items = list(agents.values())
    summary = {
        "agent_count": len(items),
        "input_tokens": sum(a["input_tokens"] for a in items),
        "output_tokens": sum(a["output_tokens"] for a in items),
        "total_tokens": sum(a["total_tokens"] for a in items),
        "cost": round(sum(a["cost"] for a in items), 6),
        "request_count": sum(a["request_count"] for a in items),
    }
    return {"agents": items, "summary": summary}
