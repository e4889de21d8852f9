"""Reading the audit log: filtered pages, batches for export, the tail, and the chain check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.audit.schemas import AuditFilter
from mission_control.db.tables import audit_log
from mission_control.security.audit import ChainStatus, verify_chain

EVENT_FIELDS = (
    "id",
    "action",
    "actor",
    "actor_id",
    "target_type",
    "target_id",
    "detail",
    "ip_address",
    "user_agent",
    "workspace_id",
    "created_at",
    "prev_hash",
    "hash",
)


def event_out(row: Any) -> dict[str, Any]:
    """One audit row as the API shows it; `detail` is always an object."""
    event = {name: row[name] for name in EVENT_FIELDS}
    if not isinstance(event["detail"], dict):
        event["detail"] = {} if event["detail"] is None else {"value": event["detail"]}
    return event


def _conditions(flt: AuditFilter) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if flt.action:
        actions = [a.strip() for a in flt.action.split(",") if a.strip()]
        where.append(
            audit_log.c.action.in_(actions)
            if len(actions) > 1
            else audit_log.c.action == actions[0]
        )
    if flt.actor:
        where.append(audit_log.c.actor == flt.actor)
    if flt.target_type:
        where.append(audit_log.c.target_type == flt.target_type)
    if flt.target_id:
        where.append(audit_log.c.target_id == flt.target_id)
    if flt.since is not None:
        where.append(audit_log.c.created_at >= flt.since)
    if flt.until is not None:
        where.append(audit_log.c.created_at <= flt.until)
    return where


def list_events(conn: Connection, flt: AuditFilter, *, limit: int, offset: int) -> dict[str, Any]:
    """`{events, total, limit, offset}`, newest first."""
    where = _conditions(flt)
    total = conn.execute(sa.select(sa.func.count()).select_from(audit_log).where(*where)).scalar()
    rows = (
        conn.execute(
            sa.select(audit_log)
            .where(*where)
            .order_by(audit_log.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        .mappings()
        .all()
    )
    return {
        "events": [event_out(r) for r in rows],
        "total": int(total or 0),
        "limit": limit,
        "offset": offset,
    }


def iter_events(
    conn: Connection, flt: AuditFilter, *, batch: int = 1000, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    """Matching rows oldest first, read in keyset batches so an export never loads them all."""
    where = _conditions(flt)
    after = 0
    sent = 0
    while limit is None or sent < limit:
        size = batch if limit is None else min(batch, limit - sent)
        rows = (
            conn.execute(
                sa.select(audit_log)
                .where(audit_log.c.id > after, *where)
                .order_by(audit_log.c.id)
                .limit(size)
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        for row in rows:
            yield event_out(row)
        sent += len(rows)
        after = rows[-1]["id"]


def tail(conn: Connection, count: int) -> list[dict[str, Any]]:
    """The newest `count` rows, oldest of them first (as a terminal shows a log)."""
    rows = (
        conn.execute(sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(count))
        .mappings()
        .all()
    )
    return [event_out(r) for r in reversed(rows)]


def events_after(conn: Connection, after_id: int, *, limit: int = 500) -> list[dict[str, Any]]:
    rows = (
        conn.execute(
            sa.select(audit_log)
            .where(audit_log.c.id > after_id)
            .order_by(audit_log.c.id)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    return [event_out(r) for r in rows]


def chain_status(conn: Connection) -> dict[str, Any]:
    """The hash chain's state, plus the newest retention checkpoint if there is one."""
    status: ChainStatus = verify_chain(conn)
    result = status.as_dict()
    checkpoint = (
        conn.execute(
            sa.select(audit_log.c.id, audit_log.c.created_at, audit_log.c.detail)
            .where(audit_log.c.action == "audit_checkpoint")
            .order_by(audit_log.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    result["checkpoint"] = dict(checkpoint) if checkpoint else None
    return result
