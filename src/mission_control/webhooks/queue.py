"""The delivery queue in `webhook_deliveries`: claiming due rows, recording attempts, retries.

States: `pending` (due at `next_retry_at`), `sending` (claimed; `next_retry_at` is the
claim's lease, after which a crashed sender's row is claimed again), `success`,
`failed` (a retry, if any, is a new `pending` row pointing back with
`parent_delivery_id`) and `cancelled`.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import webhook_deliveries as wd
from mission_control.db.tables import webhooks
from mission_control.webhooks.delivery import Outcome

# Rows still to be sent, and rows that are done with: only the latter may be purged.
OPEN_STATES = ("pending", "sending")
SETTLED_STATES = ("success", "failed", "cancelled")
BACKOFF_SECONDS = (30, 300, 1800, 7200, 28800)
JITTER = 0.2
LEASE_SECONDS = 120


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery row taken for sending, with what sending needs from its webhook."""

    id: int
    uid: str
    webhook_id: int
    event_type: str
    payload: str
    attempt: int
    url: str
    secret: str | None
    auto_retry: bool = True

    @property
    def root_uid(self) -> str:
        """The id receivers see in `X-MC-Delivery`: the same for every attempt."""
        return self.uid.split(":", 1)[0]


def backoff_seconds(failed_attempt: int, rng: Callable[[], float] = random.random) -> int:
    """Delay before the retry that follows attempt `failed_attempt` (1-based), ±20 %."""
    base = BACKOFF_SECONDS[min(failed_attempt, len(BACKOFF_SECONDS)) - 1]
    return round(base * (1 - JITTER + 2 * JITTER * rng()))


def circuit_threshold(max_retries: int) -> int:
    return max(1, max_retries)


def retry_uid(root: str) -> str:
    return f"{root}:{secrets.token_hex(4)}"


def _claimed_query() -> sa.Select[Any]:
    return sa.select(
        wd.c.id,
        wd.c.delivery_uid,
        wd.c.webhook_id,
        wd.c.event_type,
        wd.c.payload,
        wd.c.attempt,
        webhooks.c.url,
        webhooks.c.secret,
    ).join(webhooks, webhooks.c.id == wd.c.webhook_id)


def _claimed(row: Any, *, auto_retry: bool = True) -> Claimed:
    return Claimed(
        id=row.id,
        uid=row.delivery_uid,
        webhook_id=row.webhook_id,
        event_type=row.event_type,
        payload=row.payload,
        attempt=row.attempt,
        url=row.url,
        secret=row.secret,
        auto_retry=auto_retry,
    )


def has_due(conn: Connection, now: int) -> bool:
    """Cheap check before taking the write lock: is any row due or any lease expired?"""
    due = sa.or_(
        sa.and_(wd.c.state == "pending", wd.c.next_retry_at <= now),
        sa.and_(wd.c.state == "sending", wd.c.next_retry_at < now),
    )
    return conn.execute(sa.select(wd.c.id).where(due).limit(1)).first() is not None


def claim_due(conn: Connection, now: int, limit: int) -> list[Claimed]:
    """Take up to `limit` due rows of enabled webhooks; no other sender gets them."""
    conn.execute(
        sa.update(wd)
        .where(wd.c.state == "sending", wd.c.next_retry_at < now)
        .values(state="pending", next_retry_at=now)
    )
    pick = (
        sa.select(wd.c.id)
        .join(webhooks, webhooks.c.id == wd.c.webhook_id)
        .where(wd.c.state == "pending", wd.c.next_retry_at <= now, webhooks.c.enabled.is_(True))
        .order_by(wd.c.next_retry_at, wd.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True, of=wd)
    ids = list(conn.execute(pick).scalars())
    if not ids:
        return []
    conn.execute(
        sa.update(wd)
        .where(wd.c.id.in_(ids))
        .values(state="sending", next_retry_at=now + LEASE_SECONDS)
    )
    rows = conn.execute(_claimed_query().where(wd.c.id.in_(ids)).order_by(wd.c.id))
    return [_claimed(r) for r in rows]


def release(conn: Connection, ids: list[int], now: int) -> None:
    """Give claimed rows back (the sender is shutting down before they finished)."""
    if ids:
        conn.execute(
            sa.update(wd)
            .where(wd.c.id.in_(ids), wd.c.state == "sending")
            .values(state="pending", next_retry_at=now)
        )


def insert_attempt(
    conn: Connection,
    *,
    webhook: dict[str, Any],
    event_type: str,
    payload: str,
    now: int,
    uid: str,
    attempt: int = 1,
    parent_id: int | None = None,
    state: str = "pending",
) -> Claimed:
    """A new delivery row; `state="sending"` when the caller sends it right away."""
    result = conn.execute(
        sa.insert(wd).values(
            webhook_id=webhook["id"],
            delivery_uid=uid,
            event_type=event_type,
            payload=payload,
            state=state,
            attempt=attempt,
            next_retry_at=now + LEASE_SECONDS if state == "sending" else now,
            is_retry=parent_id is not None,
            parent_delivery_id=parent_id,
            workspace_id=webhook["workspace_id"],
            created_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return Claimed(
        id=int(key[0]),
        uid=uid,
        webhook_id=webhook["id"],
        event_type=event_type,
        payload=payload,
        attempt=attempt,
        url=webhook["url"],
        secret=webhook["secret"],
        auto_retry=False,
    )


def record_outcome(
    conn: Connection,
    claimed: Claimed,
    outcome: Outcome,
    *,
    now: int,
    max_retries: int,
    rng: Callable[[], float] = random.random,
) -> int | None:
    """Store an attempt's result, update the webhook's health and schedule the retry.

    Returns when the retry is due, or None. A row whose claim was lost (its lease ran
    out and another sender took it) is left to that sender.
    """
    success = outcome.success
    updated = conn.execute(
        sa.update(wd)
        .where(wd.c.id == claimed.id, wd.c.state == "sending")
        .values(
            state="success" if success else "failed",
            status_code=outcome.status_code,
            response_body=outcome.response_body,
            error=(outcome.error or "")[:2000] or None,
            duration_ms=outcome.duration_ms,
            next_retry_at=None,
        )
    )
    if not updated.rowcount:
        return None
    hook = conn.execute(
        sa.select(webhooks.c.consecutive_failures, webhooks.c.workspace_id).where(
            webhooks.c.id == claimed.webhook_id
        )
    ).first()
    if hook is None:
        return None
    failures = 0 if success else hook.consecutive_failures + 1
    values: dict[str, Any] = {
        "last_fired_at": now,
        "last_status": outcome.status_code,
        "consecutive_failures": failures,
    }
    if failures >= circuit_threshold(max_retries):
        values["enabled"] = False  # the circuit opens until an admin resets it
    conn.execute(sa.update(webhooks).where(webhooks.c.id == claimed.webhook_id).values(**values))
    if success or not claimed.auto_retry or claimed.attempt > max_retries:
        return None
    due = now + backoff_seconds(claimed.attempt, rng)
    conn.execute(sa.update(wd).where(wd.c.id == claimed.id).values(next_retry_at=due))
    conn.execute(
        sa.insert(wd).values(
            webhook_id=claimed.webhook_id,
            delivery_uid=retry_uid(claimed.root_uid),
            event_type=claimed.event_type,
            payload=claimed.payload,
            state="pending",
            attempt=claimed.attempt + 1,
            next_retry_at=due,
            is_retry=True,
            parent_delivery_id=claimed.id,
            workspace_id=hook.workspace_id,
            created_at=now,
        )
    )
    return due


def cancel_scheduled_retries(conn: Connection, parent_id: int) -> None:
    """A manual retry succeeded: the automatic one it overtook is no longer wanted."""
    conn.execute(
        sa.update(wd)
        .where(wd.c.parent_delivery_id == parent_id, wd.c.state == "pending")
        .values(state="cancelled")
    )


def settle_and_claim(
    conn: Connection,
    finished: list[tuple[Claimed, Outcome]],
    *,
    now: int,
    max_retries: int,
    want: int,
    rng: Callable[[], float] = random.random,
) -> list[Claimed]:
    """Record a batch of finished attempts and claim up to `want` due rows, in one
    transaction: one write per worker pass instead of two per delivery.

    Attempts are recorded in webhook order, so two senders settling batches that touch
    the same webhooks lock those rows in the same order and cannot deadlock (PostgreSQL).
    """
    for claimed, outcome in sorted(finished, key=lambda item: (item[0].webhook_id, item[0].id)):
        record_outcome(conn, claimed, outcome, now=now, max_retries=max_retries, rng=rng)
    return claim_due(conn, now, want) if want > 0 else []
