"""Webhooks: create, list (secrets masked), update, delete, and the delivery log."""

from __future__ import annotations

import secrets
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id
from mission_control.db.tables import webhook_deliveries as wd
from mission_control.db.tables import webhooks
from mission_control.errors import NotFound
from mission_control.security.actor import Actor
from mission_control.security.audit import audit
from mission_control.security.secretbox import SecretBox, SecretBoxError
from mission_control.webhooks.catalog import validate_events
from mission_control.webhooks.queue import circuit_threshold
from mission_control.webhooks.sealing import open_secret, seal
from mission_control.webhooks.ssrf import check_saved_url

MASK = "••••••"
# Shown for a secret the current key cannot open (the secret key changed): regenerate it.
UNREADABLE = MASK + "????"
MAX_LISTED = 500


def new_secret() -> str:
    return secrets.token_hex(32)


def mask_secret(box: SecretBox, stored: str | None) -> str | None:
    try:
        secret = open_secret(box, stored)
    except SecretBoxError:
        return UNREADABLE
    if not secret:
        return None
    return MASK + secret[-4:]


def _stats(conn: Connection, workspace_id: int) -> dict[int, dict[str, int]]:
    rows = conn.execute(
        sa.select(wd.c.webhook_id, wd.c.state, sa.func.count())
        .where(wd.c.workspace_id == workspace_id)
        .group_by(wd.c.webhook_id, wd.c.state)
    )
    stats: dict[int, dict[str, int]] = {}
    for webhook_id, state, count in rows:
        entry = stats.setdefault(webhook_id, {"total": 0, "success": 0, "failed": 0})
        entry["total"] += count
        if state in ("success", "failed"):
            entry[state] += count
    return stats


def public_webhook(
    row: dict[str, Any], stats: dict[str, int] | None, max_retries: int, box: SecretBox
) -> dict[str, Any]:
    stats = stats or {}
    return {
        "id": row["id"],
        "name": row["name"],
        "url": row["url"],
        "secret": mask_secret(box, row["secret"]),
        "events": row["events"],
        "enabled": bool(row["enabled"]),
        "consecutive_failures": row["consecutive_failures"],
        "last_fired_at": row["last_fired_at"],
        "last_status": row["last_status"],
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "circuit_open": not row["enabled"]
        and row["consecutive_failures"] >= circuit_threshold(max_retries),
        "total_deliveries": stats.get("total", 0),
        "successful_deliveries": stats.get("success", 0),
        "failed_deliveries": stats.get("failed", 0),
    }


def list_webhooks(
    conn: Connection, workspace_id: int, max_retries: int, box: SecretBox
) -> list[dict[str, Any]]:
    stats = _stats(conn, workspace_id)
    rows = conn.execute(
        sa.select(webhooks)
        .where(webhooks.c.workspace_id == workspace_id)
        .order_by(webhooks.c.id)
        .limit(MAX_LISTED)
    ).mappings()
    return [public_webhook(dict(r), stats.get(r["id"]), max_retries, box) for r in rows]


def get_webhook(conn: Connection, workspace_id: int, webhook_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            sa.select(webhooks).where(
                webhooks.c.id == webhook_id, webhooks.c.workspace_id == workspace_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("Webhook not found")
    return dict(row)


def create_webhook(
    conn: Connection,
    actor: Actor,
    *,
    name: str,
    url: str,
    events: list[str] | None,
    generate_secret: bool,
    allow_private: bool,
    box: SecretBox,
) -> dict[str, Any]:
    """Save a webhook; the full secret is in the answer this once (stored sealed)."""
    check_saved_url(url, allow_private=allow_private)
    event_list = validate_events(events)
    secret = new_secret() if generate_secret else None
    now = int(time.time())
    webhook_id = inserted_id(
        conn.execute(
            sa.insert(webhooks).values(
                name=name,
                url=url,
                secret=seal(box, secret),
                events=event_list,
                enabled=True,
                consecutive_failures=0,
                created_by=actor.display_name,
                workspace_id=actor.workspace_id,
                created_at=now,
                updated_at=now,
            )
        )
    )
    audit(
        conn,
        actor,
        "webhook_create",
        target_type="webhook",
        target_id=webhook_id,
        detail={"name": name, "url": url, "events": event_list, "signed": secret is not None},
    )
    return {
        "id": webhook_id,
        "name": name,
        "url": url,
        "secret": secret,
        "events": event_list,
        "enabled": True,
        "message": "Webhook created. Save the secret now; it is not shown again.",
    }


def update_webhook(
    conn: Connection,
    actor: Actor,
    webhook_id: int,
    changes: dict[str, Any],
    *,
    regenerate_secret: bool,
    reset_circuit: bool,
    allow_private: bool,
    box: SecretBox,
) -> dict[str, Any]:
    """Apply `changes` (name, url, events, enabled); answer `{success}` (+ the new secret)."""
    current = get_webhook(conn, actor.workspace_id, webhook_id)
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = changes["name"]
    if "url" in changes:
        values["url"] = check_saved_url(changes["url"], allow_private=allow_private)
    if "events" in changes:
        values["events"] = validate_events(changes["events"])
    if "enabled" in changes:
        values["enabled"] = bool(changes["enabled"])
        if values["enabled"] and not current["enabled"]:
            values["consecutive_failures"] = 0
    if reset_circuit:
        values["enabled"] = True
        values["consecutive_failures"] = 0
    secret: str | None = None
    if regenerate_secret:
        secret = new_secret()
        values["secret"] = seal(box, secret)
    values["updated_at"] = int(time.time())
    conn.execute(sa.update(webhooks).where(webhooks.c.id == webhook_id).values(**values))
    detail = {k: v for k, v in values.items() if k not in ("secret", "updated_at")}
    audit(conn, actor, "webhook_update", target_type="webhook", target_id=webhook_id, detail=detail)
    if regenerate_secret:
        audit(conn, actor, "webhook_secret_regenerate", target_type="webhook", target_id=webhook_id)
    answer: dict[str, Any] = {"success": True}
    if secret is not None:
        answer["secret"] = secret
    return answer


def delete_webhook(conn: Connection, actor: Actor, webhook_id: int) -> int:
    row = conn.execute(
        sa.select(webhooks.c.name, webhooks.c.url).where(
            webhooks.c.id == webhook_id, webhooks.c.workspace_id == actor.workspace_id
        )
    ).first()
    if row is None:
        return 0
    conn.execute(sa.delete(wd).where(wd.c.webhook_id == webhook_id))
    deleted = conn.execute(sa.delete(webhooks).where(webhooks.c.id == webhook_id)).rowcount or 0
    audit(
        conn,
        actor,
        "webhook_delete",
        target_type="webhook",
        target_id=webhook_id,
        detail={"name": row.name, "url": row.url},
    )
    return deleted


def _public_delivery(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "webhook_id": row.webhook_id,
        "webhook_name": row.webhook_name,
        "webhook_url": row.webhook_url,
        "delivery_uid": row.delivery_uid,
        "event_type": row.event_type,
        "payload": row.payload,
        "state": row.state,
        "status_code": row.status_code,
        "response_body": row.response_body,
        "error": row.error,
        "duration_ms": row.duration_ms,
        "attempt": row.attempt,
        "next_retry_at": row.next_retry_at,
        "is_retry": bool(row.is_retry),
        "parent_delivery_id": row.parent_delivery_id,
        "created_at": row.created_at,
    }


def list_deliveries(
    conn: Connection, workspace_id: int, *, webhook_id: int | None, limit: int, offset: int
) -> dict[str, Any]:
    where = [wd.c.workspace_id == workspace_id]
    if webhook_id is not None:
        where.append(wd.c.webhook_id == webhook_id)
    total = conn.execute(sa.select(sa.func.count()).select_from(wd).where(*where)).scalar() or 0
    rows = conn.execute(
        sa.select(
            wd,
            webhooks.c.name.label("webhook_name"),
            webhooks.c.url.label("webhook_url"),
        )
        .join(webhooks, webhooks.c.id == wd.c.webhook_id)
        .where(*where)
        .order_by(wd.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return {
        "deliveries": [_public_delivery(r) for r in rows],
        "total": int(total),
        "limit": limit,
        "offset": offset,
    }


def get_delivery(conn: Connection, workspace_id: int, delivery_id: int) -> dict[str, Any]:
    row = (
        conn.execute(sa.select(wd).where(wd.c.id == delivery_id, wd.c.workspace_id == workspace_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("Delivery not found")
    return dict(row)
