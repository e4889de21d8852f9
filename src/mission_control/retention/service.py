"""Deleting (or counting, for a preview) rows older than each table's retention."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import (
    activities,
    audit_log,
    connections,
    events,
    notifications,
    pipeline_runs,
    security_events,
    token_usage,
    user_sessions,
    webhook_deliveries,
)
from mission_control.security.actor import Actor
from mission_control.security.audit import audit, purge_before
from mission_control.settings import Settings
from mission_control.settings_api.service import retention_days
from mission_control.webhooks.queue import OPEN_STATES, SETTLED_STATES

DAY = 86400
Rule = Callable[[int], sa.ColumnElement[bool]]


def _older(column: sa.ColumnElement[Any]) -> Rule:
    return lambda cutoff: column < cutoff


def _finished_pipeline_runs(cutoff: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        pipeline_runs.c.created_at < cutoff,
        pipeline_runs.c.status.notin_(("pending", "running")),
    )


def _settled_deliveries(cutoff: int) -> sa.ColumnElement[bool]:
    """Deliveries done with (sent, given up, cancelled), never one waiting or being sent.
    The attempt a waiting retry points back to stays too: an open circuit can hold that
    retry for long, and the delivery log and a manual retry still find its parent."""
    wd = webhook_deliveries
    awaited = sa.select(wd.c.parent_delivery_id).where(
        wd.c.state.in_(OPEN_STATES), wd.c.parent_delivery_id.is_not(None)
    )
    return sa.and_(
        wd.c.created_at < cutoff, wd.c.state.in_(SETTLED_STATES), wd.c.id.notin_(awaited)
    )


def _closed_connections(cutoff: int) -> sa.ColumnElement[bool]:
    """Connections closed before the cutoff; an open one stays however old it is."""
    closed_at = sa.func.coalesce(connections.c.disconnected_at, connections.c.created_at)
    return sa.and_(connections.c.status != "connected", closed_at < cutoff)


# Tables purged by age alone, each with the rows its retention applies to.
_RULES: tuple[tuple[str, sa.Table, Rule], ...] = (
    ("activities", activities, _older(activities.c.created_at)),
    ("notifications", notifications, _older(notifications.c.created_at)),
    ("pipeline_runs", pipeline_runs, _finished_pipeline_runs),
    ("token_usage", token_usage, _older(token_usage.c.created_at)),
    ("security_events", security_events, _older(security_events.c.created_at)),
    ("webhook_deliveries", webhook_deliveries, _settled_deliveries),
    ("connections", connections, _closed_connections),
)


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def _count(conn: Connection, table: sa.Table, where: Any) -> int:
    return int(
        conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar() or 0
    )


def _delete(conn: Connection, table: sa.Table, where: Any, dry_run: bool) -> int:
    if dry_run:
        return _count(conn, table, where)
    return int(conn.execute(sa.delete(table).where(where)).rowcount or 0)


def _item(table: str, deleted: int, days: int | None, cutoff: int | None) -> dict[str, Any]:
    return {
        "table": table,
        "deleted": deleted,
        "retention_days": days,
        "cutoff_date": _iso(cutoff) if cutoff is not None else None,
    }


def run_cleanup(
    conn: Connection,
    settings: Settings,
    actor: Actor | None,
    *,
    dry_run: bool,
    now: int | None = None,
) -> dict[str, Any]:
    """Apply (or preview) retention to every table. Retention 0 keeps a table forever.
    The audit log is purged with a checkpoint so its hash chain still verifies."""
    stamp = now if now is not None else int(time.time())
    days = retention_days(conn, settings)
    results: list[dict[str, Any]] = []
    for name, table, rule in _RULES:
        keep = days.get(name, 0)
        if keep <= 0:
            results.append(_item(name, 0, keep, None))
            continue
        cutoff = stamp - keep * DAY
        results.append(_item(name, _delete(conn, table, rule(cutoff), dry_run), keep, cutoff))

    keep = days.get("audit_log", 0)
    if keep <= 0:
        results.append(_item("audit_log", 0, keep, None))
    else:
        cutoff = stamp - keep * DAY
        deleted = (
            _count(conn, audit_log, audit_log.c.created_at < cutoff)
            if dry_run
            else purge_before(conn, cutoff, actor="retention")
        )
        results.append(_item("audit_log", deleted, keep, cutoff))

    expired = user_sessions.c.expires_at < stamp
    results.append(_item("user_sessions", _delete(conn, user_sessions, expired, dry_run), 0, stamp))

    keep = days.get("events", 0)
    if keep <= 0:
        results.append(_item("events", 0, keep, None))
    else:
        cutoff = stamp - keep * DAY
        old = events.c.created_at_ms < cutoff * 1000
        results.append(_item("events", _delete(conn, events, old, dry_run), keep, cutoff))

    total = sum(item["deleted"] for item in results)
    if actor is not None and not dry_run:
        audit(
            conn,
            actor,
            "data_cleanup",
            target_type="retention",
            detail={
                "total_deleted": total,
                "tables": {item["table"]: item["deleted"] for item in results},
            },
        )
    return {"dry_run": dry_run, "total_deleted": total, "results": results}
