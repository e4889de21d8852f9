"""Agent API keys: listing, minting (shown once) and revoking, each audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.agents.service import agent_for, get_agent
from mission_control.db.tables import agent_api_keys
from mission_control.errors import BadRequest, Conflict, NotFound, ValidationFailed
from mission_control.security.actor import Actor
from mission_control.security.api_keys import AGENT_SCOPES, create_agent_key
from mission_control.security.audit import audit

# A fresh key can heartbeat, pull its own queue and report its work, nothing more.
DEFAULT_SCOPES = ["operator", "agent:self"]
DAY_S = 86_400


def public_key(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A key as listed: never its hash."""
    return {
        "id": row["id"],
        "name": row["name"],
        "key_prefix": row["key_prefix"],
        "scopes": list(row["scopes"] or []),
        "expires_at": row["expires_at"],
        "revoked_at": row["revoked_at"],
        "last_used_at": row["last_used_at"],
        "created_by": row.get("created_by"),
        "created_at": row["created_at"],
    }


def normalize_scopes(scopes: list[str] | None) -> list[str]:
    if scopes is None:
        return list(DEFAULT_SCOPES)
    unknown = [s for s in scopes if s not in AGENT_SCOPES]
    if unknown:
        allowed = ", ".join(sorted(AGENT_SCOPES))
        raise ValidationFailed(
            [f"scopes: unknown scope {s!r}; allowed: {allowed}" for s in unknown]
        )
    return list(dict.fromkeys(scopes))


def expiry(expires_in_days: int | None, expires_at: int | None, now: int) -> int | None:
    """When the key stops working; a moment in the past is accepted (the key never works)."""
    if expires_in_days is not None and expires_at is not None:
        raise BadRequest("Give expires_in_days or expires_at, not both")
    if expires_in_days is not None:
        return now + expires_in_days * DAY_S
    return expires_at


def list_keys(conn: Connection, actor: Actor, ref: str) -> dict[str, Any]:
    agent = get_agent(conn, actor.workspace_id, ref)
    rows = conn.execute(
        sa.select(agent_api_keys)
        .where(
            agent_api_keys.c.agent_id == agent["id"],
            agent_api_keys.c.workspace_id == actor.workspace_id,
        )
        .order_by(agent_api_keys.c.created_at.desc(), agent_api_keys.c.id.desc())
    ).mappings()
    return {
        "agent": {"id": agent["id"], "name": agent["name"]},
        "keys": [public_key(r) for r in rows],
    }


def create_key(
    conn: Connection,
    actor: Actor,
    ref: str,
    *,
    name: str | None,
    scopes: list[str],
    expires_at: int | None,
    now: int,
) -> tuple[dict[str, Any], str]:
    agent = agent_for(conn, actor, ref)
    row, key = create_agent_key(
        conn,
        agent_id=agent["id"],
        workspace_id=actor.workspace_id,
        name=(name or f"{agent['name']} key").strip()[:100],
        scopes=scopes,
        expires_at=expires_at,
        created_by=actor.display_name,
        now=now,
    )
    audit(
        conn,
        actor,
        "api_key_created",
        target_type="agent_api_key",
        target_id=row["id"],
        detail={
            "agent": agent["name"],
            "agent_id": agent["id"],
            "key_prefix": row["key_prefix"],
            "scopes": scopes,
            "expires_at": expires_at,
        },
    )
    return {**row, "created_by": actor.display_name}, key


def revoke_key(conn: Connection, actor: Actor, ref: str, key_id: int, now: int) -> dict[str, Any]:
    agent = agent_for(conn, actor, ref)
    row = (
        conn.execute(
            sa.select(agent_api_keys).where(
                agent_api_keys.c.id == key_id,
                agent_api_keys.c.agent_id == agent["id"],
                agent_api_keys.c.workspace_id == actor.workspace_id,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("API key not found")
    if row["revoked_at"] is not None:
        raise Conflict("API key already revoked")
    conn.execute(
        sa.update(agent_api_keys).where(agent_api_keys.c.id == key_id).values(revoked_at=now)
    )
    audit(
        conn,
        actor,
        "api_key_revoked",
        target_type="agent_api_key",
        target_id=key_id,
        detail={"agent": agent["name"], "agent_id": agent["id"], "key_prefix": row["key_prefix"]},
    )
    return {"success": True, "key_id": key_id, "revoked_at": now}
