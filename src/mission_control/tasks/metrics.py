"""Outcome statistics of finished work and the before/after regression report."""

from __future__ import annotations

import math
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import tasks
from mission_control.errors import BadRequest

TIMEFRAMES = {"day": 86_400, "week": 7 * 86_400, "month": 30 * 86_400, "all": None}
OUTCOMES = ("success", "failed", "partial", "abandoned")
BAD_OUTCOMES = ("failed", "partial", "abandoned")
DEFAULT_LOOKBACK = 604_800
MIN_LOOKBACK, MAX_LOOKBACK = 60, 2_592_000
TOP_ERRORS = 10


def _rate(part: int, whole: int) -> float:
    """A percentage with two decimals; 0 when there is nothing to divide."""
    return round(part * 100 / whole, 2) if whole else 0.0


def _bucket() -> dict[str, Any]:
    return {name: 0 for name in (*OUTCOMES, "unknown")}


def _outcome(value: str | None) -> str:
    return value if value in OUTCOMES else "unknown"


def outcomes(conn: Connection, workspace_id: int, timeframe: str) -> dict[str, Any]:
    """Done tasks (by `completed_at` within the timeframe) counted by outcome, agent, priority."""
    if timeframe not in TIMEFRAMES:
        raise BadRequest("Invalid timeframe. Expected day, week, month or all.")
    query = sa.select(
        tasks.c.outcome,
        tasks.c.assigned_to,
        tasks.c.priority,
        tasks.c.retry_count,
        tasks.c.error_message,
        tasks.c.created_at,
        tasks.c.completed_at,
    ).where(tasks.c.workspace_id == workspace_id, tasks.c.status == "done")
    span = TIMEFRAMES[timeframe]
    if span is not None:
        query = query.where(tasks.c.completed_at >= int(time.time()) - span)
    rows = conn.execute(query).fetchall()

    by_outcome = _bucket()
    by_agent: dict[str, dict[str, Any]] = {}
    by_priority: dict[str, dict[str, Any]] = {}
    errors: Counter[str] = Counter()
    retries = 0
    durations: list[int] = []
    for row in rows:
        kind = _outcome(row.outcome)
        by_outcome[kind] += 1
        for table, key in (
            (by_agent, row.assigned_to or "unassigned"),
            (by_priority, row.priority),
        ):
            entry = table.setdefault(key, {**_bucket(), "total": 0})
            entry[kind] += 1
            entry["total"] += 1
        retries += row.retry_count or 0
        if row.completed_at is not None:
            durations.append(max(0, row.completed_at - row.created_at))
        if row.error_message:
            errors[row.error_message] += 1
    for table in (by_agent, by_priority):
        for entry in table.values():
            entry["success_rate"] = _rate(entry["success"], entry["total"])
    total = len(rows)
    with_outcome = total - by_outcome["unknown"]
    return {
        "timeframe": timeframe,
        "summary": {
            "total_done": total,
            "with_outcome": with_outcome,
            "by_outcome": by_outcome,
            "avg_retry_count": round(retries / total, 2) if total else 0,
            "avg_time_to_resolution_seconds": round(sum(durations) / len(durations))
            if durations
            else 0,
            "success_rate": _rate(by_outcome["success"], with_outcome),
        },
        "by_agent": by_agent,
        "by_priority": by_priority,
        "common_errors": [
            {"error_message": message, "count": count}
            for message, count in errors.most_common(TOP_ERRORS)
        ],
        "record_count": total,
    }


# -- regression ------------------------------------------------------------------


def parse_instant(raw: str | None) -> int:
    """`beta_start` as unix seconds, given as seconds, milliseconds or an ISO 8601 time."""
    if raw is None or not raw.strip():
        raise BadRequest("beta_start is required (unix seconds or ISO 8601)")
    text = raw.strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number) or number < 0:
            raise BadRequest("beta_start must be a unix time or an ISO 8601 date")
        # A 13-digit value is milliseconds, as JavaScript clients send.
        return int(number / 1000) if number >= 1e12 else int(number)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest("beta_start must be a unix time or an ISO 8601 date") from None
    if moment.tzinfo is None:
        return int(moment.replace(tzinfo=UTC).timestamp())
    return int(moment.timestamp())


def parse_lookback(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LOOKBACK
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("lookback_seconds must be an integer") from None
    return max(MIN_LOOKBACK, min(MAX_LOOKBACK, value))


def _percentile(sorted_values: list[int], fraction: float) -> float | None:
    """Nearest-rank percentile."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return float(sorted_values[rank - 1])


def _intervened(row: Any) -> bool:
    return bool(
        (row.retry_count or 0) > 0
        or (row.error_message or "").strip()
        or row.outcome in BAD_OUTCOMES
    )


def _window(
    conn: Connection, workspace_id: int, label: str, start: int, end: int
) -> dict[str, Any]:
    rows = conn.execute(
        sa.select(
            tasks.c.created_at,
            tasks.c.completed_at,
            tasks.c.retry_count,
            tasks.c.error_message,
            tasks.c.outcome,
        ).where(
            tasks.c.workspace_id == workspace_id,
            tasks.c.status == "done",
            tasks.c.completed_at >= start,
            tasks.c.completed_at < end,
        )
    ).fetchall()
    latencies = sorted(max(0, row.completed_at - row.created_at) for row in rows)
    count = sum(1 for row in rows if _intervened(row))
    size = len(rows)
    return {
        "label": label,
        "start": start,
        "end": end,
        "sample_size": size,
        "latency_seconds": {
            "p50": _percentile(latencies, 0.50),
            "p95": _percentile(latencies, 0.95),
            "avg": round(sum(latencies) / size, 2) if size else None,
        },
        "interventions": {"count": count, "rate": round(count / size, 4) if size else None},
    }


def _delta(after: float | None, before: float | None, digits: int) -> float | None:
    if after is None or before is None:
        return None
    return round(after - before, digits)


def regression(
    conn: Connection, workspace_id: int, beta_start: int, lookback_seconds: int
) -> dict[str, Any]:
    """Latency and intervention rate of done tasks before and after `beta_start`."""
    now = int(time.time())
    if beta_start > now:
        raise BadRequest("beta_start must not be in the future")
    length = min(max(now - beta_start, 1), lookback_seconds)
    baseline = _window(conn, workspace_id, "baseline", beta_start - length, beta_start)
    # `now + 1` so a task finished in the current second is inside the post window.
    post = _window(conn, workspace_id, "post", beta_start, now + 1)
    post["end"] = now
    return {
        "metric_definitions": {
            "latency_seconds": "completed_at - created_at of tasks done in the window "
            "(p50/p95 nearest rank, avg mean)",
            "interventions": "done tasks with retry_count > 0, an error_message, or outcome "
            "failed, partial or abandoned; rate = count / sample_size",
            "windows": "post = [beta_start, now]; baseline = the same length before "
            "beta_start, at most lookback_seconds",
        },
        "params": {"beta_start": beta_start, "lookback_seconds": lookback_seconds},
        "windows": {"baseline": baseline, "post": post},
        "deltas": {
            "p95_latency_seconds": _delta(
                post["latency_seconds"]["p95"], baseline["latency_seconds"]["p95"], 2
            ),
            "intervention_rate": _delta(
                post["interventions"]["rate"], baseline["interventions"]["rate"], 4
            ),
        },
    }
