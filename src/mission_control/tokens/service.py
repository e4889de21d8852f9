"""Recording token usage at the configured prices, and reading the raw records back."""

from __future__ import annotations

import time
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id
from mission_control.db.tables import settings_table, tasks, token_usage
from mission_control.errors import BadRequest, ValidationFailed
from mission_control.security.actor import Actor
from mission_control.tasks.access import check_agent
from mission_control.tokens.pricing import DEFAULT_PRICE, Price, cost_usd, parse_overrides

PRICING_KEY = "pricing.overrides"
TIMEFRAMES: dict[str, int | None] = {
    "hour": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 30 * 86400,
    "all": None,
}


def load_pricing(conn: Connection) -> tuple[dict[str, Price], Price]:
    """The price overrides and default from settings; the built-in table when unset or
    (for a row written around the API) malformed."""
    raw = conn.execute(
        sa.select(settings_table.c.value).where(settings_table.c.key == PRICING_KEY)
    ).scalar()
    if not raw:
        return {}, DEFAULT_PRICE
    try:
        value = orjson.loads(raw)
        if isinstance(value, dict):
            return parse_overrides(value)
    except (orjson.JSONDecodeError, ValueError):
        pass
    return {}, DEFAULT_PRICE


def price_usage(conn: Connection, model: str, input_tokens: int, output_tokens: int) -> float:
    """The cost in dollars of one usage record at the configured prices."""
    overrides, default = load_pricing(conn)
    return cost_usd(model, input_tokens, output_tokens, overrides, default)


def since_for(timeframe: str, now: int) -> int | None:
    """The first second inside `timeframe` (None for all time); 400 for an unknown one."""
    if timeframe not in TIMEFRAMES:
        raise BadRequest(f"Invalid timeframe. Expected one of: {', '.join(TIMEFRAMES)}")
    span = TIMEFRAMES[timeframe]
    return None if span is None else now - span


def scope(workspace_id: int, since: int | None) -> list[Any]:
    """WHERE terms for the records of a workspace inside a timeframe."""
    terms: list[Any] = [token_usage.c.workspace_id == workspace_id]
    if since is not None:
        terms.append(token_usage.c.created_at >= since)
    return terms


def public(row: Any) -> dict[str, Any]:
    """A record in the wire shape (camelCase, as the original's clients read it)."""
    return {
        "id": row["id"],
        "model": row["model"],
        "sessionId": row["session_id"],
        "agentName": row["agent_name"],
        "taskId": row["task_id"],
        "inputTokens": int(row["input_tokens"]),
        "outputTokens": int(row["output_tokens"]),
        "totalTokens": int(row["input_tokens"]) + int(row["output_tokens"]),
        "cost": round(float(row["cost_usd"]), 6),
        "operation": row["operation"],
        "duration": row["duration_ms"],
        "timestamp": row["created_at"],
    }


def agent_of(session_id: str) -> str:
    """The agent is the part of the session id before the first `:`."""
    return session_id.split(":", 1)[0].strip()


def record_usage(conn: Connection, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    """Store one usage record priced from the table; a restricted agent key may only report
    for its own agent, and a `taskId` must name a task of the workspace."""
    session_id = body["sessionId"].strip()
    agent = agent_of(session_id)
    if not agent:
        raise ValidationFailed(['sessionId: expected "<agent>:<chatType>"'])
    check_agent(actor, agent)
    task_id = body.get("taskId")
    if task_id is not None:
        known = conn.execute(
            sa.select(tasks.c.id).where(
                tasks.c.id == task_id, tasks.c.workspace_id == actor.workspace_id
            )
        ).first()
        if known is None:
            raise ValidationFailed(["taskId: task not found"])
    model = body["model"].strip()
    if not model:
        raise ValidationFailed(["model: may not be blank"])
    values = {
        "model": model,
        "session_id": session_id,
        "agent_name": agent,
        "task_id": task_id,
        "input_tokens": body["inputTokens"],
        "output_tokens": body["outputTokens"],
        "cost_usd": price_usage(conn, model, body["inputTokens"], body["outputTokens"]),
        "operation": body.get("operation"),
        "duration_ms": body.get("duration"),
        "workspace_id": actor.workspace_id,
        "created_at": int(time.time()),
    }
    new_id = inserted_id(conn.execute(sa.insert(token_usage).values(**values)))
    return public({**values, "id": new_id})


def list_usage(
    conn: Connection, workspace_id: int, since: int | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Records newest first, one page, and how many there are in the timeframe."""
    where = scope(workspace_id, since)
    total = conn.execute(sa.select(sa.func.count()).select_from(token_usage).where(*where)).scalar()
    rows = conn.execute(
        sa.select(token_usage)
        .where(*where)
        .order_by(token_usage.c.created_at.desc(), token_usage.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [public(r) for r in rows], int(total or 0)
