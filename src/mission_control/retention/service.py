"""Deleting (or counting, for a preview) rows older than each table's retention."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import (
    activities,
    audit_log,
    events,
    notifications,
    pipeline_runs,
    security_events,
    token_usage,
    user_sessions,
)
from mission_control.security.actor import Actor
from mission_control.security.audit import audit, purge_before
from mission_control.settings import Settings
from mission_control.settings_api.service import retention_days

DAY = 86400
_PLAIN = (
    ("activities", activities, activities.c.created_at, None),
    ("notifications", notifications, notifications.c.created_at, None),
    (
        "pipeline_runs",
        pipeline_runs,
        pipeline_runs.c.created_at,
        pipeline_runs.c.status.notin_(("pending", "running")),
    ),
    ("token_usage", token_usage, token_usage.c.created_at, None),
    ("security_events", security_events, security_events.c.created_at, None),
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
    for name, table, column, extra in _PLAIN:
        keep = days.get(name, 0)
        if keep <= 0:
            results.append(_item(name, 0, keep, None))
            continue
        cutoff = stamp - keep * DAY
        where = column < cutoff if extra is None else sa.and_(column < cutoff, extra)
        results.append(_item(name, _delete(conn, table, where, dry_run), keep, cutoff))

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
