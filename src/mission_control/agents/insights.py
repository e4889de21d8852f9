"""What attribution and diagnostics share: the time window, sections, access scope, token totals."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.agents.access import is_self
from mission_control.db.tables import token_usage
from mission_control.errors import BadRequest, Forbidden
from mission_control.security.actor import Actor

MAX_HOURS = 720
DEFAULT_HOURS = 24
RECENT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Window:
    hours: int
    since: int
    until: int

    def as_dict(self) -> dict[str, int]:
        return {"hours": self.hours, "since": self.since, "until": self.until}

    def previous(self) -> Window:
        """The window of the same length just before this one."""
        return Window(self.hours, self.since - self.hours * 3600, self.since)


def parse_window(raw: str | None, now: int | None = None) -> Window:
    """`hours` 1..720 (default 24) ending now; anything else is a 400."""
    hours = DEFAULT_HOURS
    if raw is not None and raw != "":
        text = raw.strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_HOURS:
            raise BadRequest(f"Invalid hours. Expected integer 1..{MAX_HOURS}.")
        hours = int(text)
    until = now if now is not None else int(time.time())
    return Window(hours, until - hours * 3600, until)


def parse_sections(raw: str | None, allowed: tuple[str, ...]) -> list[str]:
    """The comma list of sections asked for (all when absent); an unknown one is a 400."""
    if raw is None or not raw.strip():
        return list(allowed)
    asked = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = [part for part in asked if part not in allowed]
    if unknown:
        raise BadRequest(
            f"Invalid section: {', '.join(unknown)[:200]}. Expected one of: {', '.join(allowed)}"
        )
    return [section for section in allowed if section in asked]


def access_scope(
    actor: Actor,
    agent: Mapping[str, Any],
    caller_name: str | None,
    privileged: bool,
    *,
    what: str,
) -> str:
    """`self` for the agent itself, `privileged` for an admin asking with privileged=1, else 403."""
    if is_self(actor, agent, caller_name):
        return "self"
    if privileged and actor.at_least("admin"):
        return "privileged"
    raise Forbidden(
        f"Access denied: {what} is limited to the agent itself; admins may pass privileged=1."
    )


def _stats(requests: int, tokens_in: int, tokens_out: int, cost: float) -> dict[str, Any]:
    return {
        "request_count": requests,
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "total_tokens": tokens_in + tokens_out,
        "cost_usd": round(cost, 6),
    }


def token_totals(
    conn: Connection, workspace_id: int, agent_name: str, window: Window
) -> dict[str, Any]:
    """Requests, tokens and cost of the agent in the window, overall and per model."""
    rows = conn.execute(
        sa.select(
            token_usage.c.model,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(token_usage.c.input_tokens), 0),
            sa.func.coalesce(sa.func.sum(token_usage.c.output_tokens), 0),
            sa.func.coalesce(sa.func.sum(token_usage.c.cost_usd), 0.0),
        )
        .where(
            token_usage.c.workspace_id == workspace_id,
            token_usage.c.agent_name == agent_name,
            token_usage.c.created_at >= window.since,
            token_usage.c.created_at <= window.until,
        )
        .group_by(token_usage.c.model)
        .order_by(token_usage.c.model)
    ).all()
    by_model = {
        model: _stats(int(n), int(tin), int(tout), float(cost))
        for model, n, tin, tout, cost in rows
    }
    total = _stats(
        sum(m["request_count"] for m in by_model.values()),
        sum(m["input_tokens"] for m in by_model.values()),
        sum(m["output_tokens"] for m in by_model.values()),
        sum(m["cost_usd"] for m in by_model.values()),
    )
    return {**total, "by_model": by_model}


def count_by(
    conn: Connection, column: sa.ColumnElement[Any], *where: sa.ColumnElement[bool]
) -> dict[str, int]:
    """`{value: count}` of rows matching `where`, grouped by `column`."""
    rows = conn.execute(sa.select(column, sa.func.count()).where(*where).group_by(column))
    return {str(value): int(count) for value, count in rows}
