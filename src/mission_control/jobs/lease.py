"""Job leases in `scheduler_jobs`: one conditional UPDATE decides which instance runs a job."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from mission_control.db.tables import scheduler_jobs


def ensure_rows(conn: Connection, names: list[str]) -> None:
    """Create the missing job rows (concurrent instances may race; conflicts are ignored)."""
    insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for name in names:
        conn.execute(insert(scheduler_jobs).values(name=name).on_conflict_do_nothing())


def acquire(
    conn: Connection,
    name: str,
    holder: str,
    now: int,
    ttl: int,
    *,
    due_before: int | None = None,
) -> bool:
    """Take the lease on `name` if it is free or expired (and, with `due_before`, only when
    the job last ran at or before it, so one schedule slot runs once across instances)."""
    free = sa.or_(
        scheduler_jobs.c.lease_holder.is_(None),
        scheduler_jobs.c.lease_expires_at.is_(None),
        scheduler_jobs.c.lease_expires_at <= now,
    )
    condition = sa.and_(scheduler_jobs.c.name == name, free)
    if due_before is not None:
        condition = sa.and_(
            condition,
            sa.or_(
                scheduler_jobs.c.last_run_at.is_(None),
                scheduler_jobs.c.last_run_at <= due_before,
            ),
        )
    result = conn.execute(
        sa.update(scheduler_jobs)
        .where(condition)
        .values(lease_holder=holder, lease_expires_at=now + ttl)
    )
    return result.rowcount == 1


def release(
    conn: Connection, name: str, holder: str, *, ran_at: int, result: str, duration_ms: int
) -> bool:
    """Record the run and free the lease; False when the lease was lost meanwhile."""
    updated = conn.execute(
        sa.update(scheduler_jobs)
        .where(scheduler_jobs.c.name == name, scheduler_jobs.c.lease_holder == holder)
        .values(
            lease_holder=None,
            lease_expires_at=None,
            last_run_at=ran_at,
            last_result=result[:2000],
            last_duration_ms=duration_ms,
        )
    )
    return updated.rowcount == 1


def job_rows(conn: Connection) -> dict[str, dict[str, Any]]:
    return {row["name"]: dict(row) for row in conn.execute(sa.select(scheduler_jobs)).mappings()}
