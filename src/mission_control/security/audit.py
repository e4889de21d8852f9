"""The audit log: written in the caller's transaction, hash-chained, secrets redacted."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import audit_log
from mission_control.events.bus import publish
from mission_control.security.actor import Actor

GENESIS_HASH = "0" * 64
CHECKPOINT_ACTION = "audit_checkpoint"
# Serialises audit inserts on PostgreSQL so each row sees the true previous hash.
_PG_AUDIT_LOCK = 0x4D43_0A01
_SECRET_KEY_RE = re.compile(
    r"(password|passwd|secret|token|api_?key|credential|otp|private_?key)$", re.I
)
SECURITY_ACTIONS = frozenset(
    {"login_failed", "permission_denied", "host_denied", "password_change", "logout_all"}
)
SECURITY_ACTION_PREFIXES = ("user_", "api_key_", "totp_", "2fa_", "session_")
_HASHED_FIELDS = (
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
)


def redact(value: Any) -> Any:
    """Replace values under secret-looking keys, at any depth."""
    if isinstance(value, dict):
        return {
            k: (
                "[redacted]"
                if _SECRET_KEY_RE.search(str(k)) and v not in (None, "") and not isinstance(v, bool)
                else redact(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def row_hash(row: dict[str, Any]) -> str:
    canonical = orjson.dumps({k: row.get(k) for k in _HASHED_FIELDS}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def _last_hash(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    last = conn.execute(
        sa.select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)
    ).scalar()
    return last or GENESIS_HASH


def write_audit(
    conn: Connection,
    action: str,
    *,
    actor: str,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: Any = None,
    detail: dict[str, Any] | None = None,
    ip: str = "",
    user_agent: str = "",
    workspace_id: int = 1,
    now: int | None = None,
    announce: bool = True,
) -> None:
    row: dict[str, Any] = {
        "action": action,
        "actor": actor[:200],
        "actor_id": actor_id,
        "target_type": target_type,
        "target_id": None if target_id is None else str(target_id),
        "detail": redact(detail or {}),
        "ip_address": (ip or "")[:64] or None,
        "user_agent": (user_agent or "")[:512] or None,
        "workspace_id": workspace_id,
        "created_at": now if now is not None else int(time.time()),
    }
    # Round-trip the detail through JSON so the hash covers exactly what is stored.
    row["detail"] = orjson.loads(orjson.dumps(row["detail"], default=str))
    if announce and is_security_action(action):  # off for history carried over (mc import)
        # Published before the chain lock is taken: `publish` takes the events lock on
        # PostgreSQL, and callers that publish then audit take them in that order too.
        publish(
            conn,
            workspace_id,
            "audit.security",
            {
                "action": action,
                "actor": row["actor"],
                "target_type": target_type,
                "target_id": row["target_id"],
                "ip_address": row["ip_address"],
                "created_at": row["created_at"],
            },
        )
    row["prev_hash"] = _last_hash(conn)
    row["hash"] = row_hash(row)
    conn.execute(sa.insert(audit_log).values(**row))


def is_security_action(action: str) -> bool:
    """Audit actions that are also announced as `audit.security` (and `security.*` webhooks)."""
    return action in SECURITY_ACTIONS or action.startswith(SECURITY_ACTION_PREFIXES)


def audit(
    conn: Connection,
    actor: Actor,
    action: str,
    *,
    target_type: str | None = None,
    target_id: Any = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record `action` by `actor` (with its IP and user agent) in this transaction."""
    write_audit(
        conn,
        action,
        actor=actor.display_name if actor.kind != "user" else actor.username,
        actor_id=actor.id if actor.id >= 0 else None,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
        ip=actor.ip,
        user_agent=actor.user_agent,
        workspace_id=actor.workspace_id,
    )


@dataclass(frozen=True)
class ChainStatus:
    ok: bool
    checked: int
    first_id: int | None
    last_id: int | None
    broken_at: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_id": self.first_id,
            "last_id": self.last_id,
            "broken_at": self.broken_at,
            "reason": self.reason,
        }


def verify_chain(conn: Connection, *, batch: int = 2000) -> ChainStatus:
    """Recompute every row's hash and check each links to the one before.

    The first remaining row may follow a retention purge: its `prev_hash` is then
    vouched for by the newest checkpoint row, which records the purged chain's tip.
    """
    anchors = {GENESIS_HASH}
    for detail in conn.execute(
        sa.select(audit_log.c.detail).where(audit_log.c.action == CHECKPOINT_ACTION)
    ).scalars():
        if isinstance(detail, dict) and isinstance(detail.get("anchor_hash"), str):
            anchors.add(detail["anchor_hash"])
    checked = 0
    prev: str | None = None
    first_id: int | None = None
    last_id: int | None = None
    after = -1
    while True:
        rows = (
            conn.execute(
                sa.select(audit_log)
                .where(audit_log.c.id > after)
                .order_by(audit_log.c.id)
                .limit(batch)
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        for row in rows:
            data = dict(row)
            if first_id is None:
                first_id = data["id"]
                if data["prev_hash"] not in anchors:
                    return ChainStatus(
                        False,
                        checked,
                        first_id,
                        data["id"],
                        data["id"],
                        "first row does not follow a known anchor",
                    )
            elif data["prev_hash"] != prev:
                return ChainStatus(
                    False,
                    checked,
                    first_id,
                    data["id"],
                    data["id"],
                    "row does not link to the previous row",
                )
            if row_hash(data) != data["hash"]:
                return ChainStatus(
                    False,
                    checked,
                    first_id,
                    data["id"],
                    data["id"],
                    "row content does not match its hash",
                )
            prev = data["hash"]
            last_id = data["id"]
            checked += 1
        after = rows[-1]["id"]
    return ChainStatus(True, checked, first_id, last_id)


def purge_before(conn: Connection, cutoff: int, *, actor: str = "retention") -> int:
    """Delete rows older than `cutoff`, leaving a checkpoint so the chain still verifies."""
    doomed = conn.execute(
        sa.select(sa.func.max(audit_log.c.id)).where(audit_log.c.created_at < cutoff)
    ).scalar()
    if doomed is None:
        return 0
    # The first surviving row links to the last deleted one; that hash becomes the anchor.
    anchor = conn.execute(sa.select(audit_log.c.hash).where(audit_log.c.id == doomed)).scalar()
    count = conn.execute(sa.delete(audit_log).where(audit_log.c.id <= doomed)).rowcount or 0
    write_audit(
        conn,
        CHECKPOINT_ACTION,
        actor=actor,
        detail={
            "purged_through_id": doomed,
            "deleted": count,
            "anchor_hash": anchor,
            "cutoff": cutoff,
        },
    )
    return count
