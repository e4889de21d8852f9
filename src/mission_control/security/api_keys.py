"""API keys: the global key (env or rotated), agent keys (`mca_`) and personal keys (`mcu_`)."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.prepared import Prepared
from mission_control.db.rows import inserted_id
from mission_control.db.tables import agent_api_keys, agents, settings_table, user_api_keys, users
from mission_control.security.actor import GLOBAL_KEY_ACTOR, ROLE_LEVELS, Actor, Role
from mission_control.security.digests import key_prefix, new_key, same_secret, sha256_hex

GLOBAL_KEY_SETTING = "security.api_key_hash"
AGENT_KEY_PREFIX = "mca_"
USER_KEY_PREFIX = "mcu_"
GLOBAL_KEY_PREFIX = "mc_"
AGENT_SCOPES = frozenset(
    {
        "viewer",
        "operator",
        "admin",
        "agent:self",
        "agent:diagnostics",
        "agent:attribution",
        "agent:heartbeat",
        "agent:messages",
    }
)


# Looked up on every request that presents a key: statements prepared once.
_ROTATED = Prepared(
    sa.select(settings_table.c.value).where(settings_table.c.key == GLOBAL_KEY_SETTING)
)
_AGENT_KEY = Prepared(
    sa.select(agent_api_keys, agents.c.name.label("agent_name"))
    .join(agents, agents.c.id == agent_api_keys.c.agent_id)
    .where(agent_api_keys.c.key_hash == sa.bindparam("hash"))
)
_PERSONAL_KEY = Prepared(
    sa.select(
        user_api_keys.c.id.label("key_id"),
        user_api_keys.c.role.label("key_role"),
        user_api_keys.c.expires_at,
        user_api_keys.c.revoked_at,
        users,
    )
    .join(users, users.c.id == user_api_keys.c.user_id)
    .where(user_api_keys.c.key_hash == sa.bindparam("hash"))
)


def rotated_key_hash(conn: Connection) -> str | None:
    value = _ROTATED.scalar(conn)
    return str(value) if value is not None else None


def rotate_global_key(conn: Connection, *, updated_by: str, now: int) -> str:
    """A new `mc_` key; only its hash is kept, and the env key stops working."""
    key = new_key(GLOBAL_KEY_PREFIX)
    values = {
        "value": sha256_hex(key),
        "description": "SHA-256 of the rotated global API key",
        "category": "security",
        "updated_by": updated_by,
        "updated_at": now,
    }
    updated = conn.execute(
        sa.update(settings_table).where(settings_table.c.key == GLOBAL_KEY_SETTING).values(**values)
    )
    if not updated.rowcount:
        conn.execute(sa.insert(settings_table).values(key=GLOBAL_KEY_SETTING, **values))
    return key


def global_key_status(conn: Connection, env_key: str) -> dict[str, Any]:
    row = conn.execute(
        sa.select(settings_table.c.updated_at, settings_table.c.updated_by).where(
            settings_table.c.key == GLOBAL_KEY_SETTING
        )
    ).first()
    if row is not None:
        return {
            "source": "rotated",
            "configured": True,
            "rotated_at": row.updated_at,
            "rotated_by": row.updated_by,
        }
    return {
        "source": "env" if env_key else "none",
        "configured": bool(env_key),
        "rotated_at": None,
        "rotated_by": None,
    }


def role_from_scopes(scopes: frozenset[str]) -> Role:
    best: Role = "viewer"
    for scope in scopes:
        if scope in ROLE_LEVELS and ROLE_LEVELS[scope] > ROLE_LEVELS[best]:
            best = scope  # type: ignore[assignment]
    return best


def _agent_actor(conn: Connection, key: str, now: int) -> Actor | None:
    row = _AGENT_KEY.first_mapping(conn, {"hash": sha256_hex(key)})
    if row is None or row["revoked_at"] is not None:
        return None
    if row["expires_at"] is not None and row["expires_at"] <= now:
        return None
    scopes = frozenset(row["scopes"] or [])
    return Actor(
        kind="agent_key",
        id=-(row["id"]),
        username=row["agent_name"],
        display_name=row["agent_name"],
        role=role_from_scopes(scopes),
        workspace_id=row["workspace_id"],
        key_id=row["id"],
        agent_id=row["agent_id"],
        agent_name=row["agent_name"],
        scopes=scopes,
    )


def _personal_actor(conn: Connection, key: str, now: int) -> Actor | None:
    row = _PERSONAL_KEY.first_mapping(conn, {"hash": sha256_hex(key)})
    if row is None or row["revoked_at"] is not None or row["disabled_at"] is not None:
        return None
    if not row["is_approved"]:
        return None
    if row["expires_at"] is not None and row["expires_at"] <= now:
        return None
    # Never more than the owner has now, even if the owner was demoted after creating it.
    role = min(row["key_role"], row["role"], key=lambda r: ROLE_LEVELS.get(r, -1))
    from mission_control.security.identity import public_user

    return Actor(
        kind="personal_key",
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=role,
        workspace_id=row["workspace_id"],
        key_id=row["key_id"],
        user=public_user(row),
    )


def lookup_key(conn: Connection, key: str, *, env_key: str, now: int | None = None) -> Actor | None:
    """The actor behind an API key, or None when the key is not valid."""
    moment = now if now is not None else int(time.time())
    if key.startswith(AGENT_KEY_PREFIX):
        return _agent_actor(conn, key, moment)
    if key.startswith(USER_KEY_PREFIX):
        return _personal_actor(conn, key, moment)
    rotated = rotated_key_hash(conn)
    if rotated is not None:
        return GLOBAL_KEY_ACTOR if same_secret(sha256_hex(key), rotated) else None
    if env_key and same_secret(key, env_key):
        return GLOBAL_KEY_ACTOR
    return None


def mark_key_used(conn: Connection, actor: Actor, now: int) -> None:
    if actor.kind == "agent_key" and actor.key_id is not None:
        conn.execute(
            sa.update(agent_api_keys)
            .where(agent_api_keys.c.id == actor.key_id)
            .values(last_used_at=now)
        )
    elif actor.kind == "personal_key" and actor.key_id is not None:
        conn.execute(
            sa.update(user_api_keys)
            .where(user_api_keys.c.id == actor.key_id)
            .values(last_used_at=now)
        )


def create_personal_key(
    conn: Connection, *, user_id: int, name: str, role: Role, expires_at: int | None, now: int
) -> tuple[dict[str, Any], str]:
    key = new_key(USER_KEY_PREFIX)
    result = conn.execute(
        sa.insert(user_api_keys).values(
            user_id=user_id,
            name=name,
            key_hash=sha256_hex(key),
            key_prefix=key_prefix(key),
            role=role,
            expires_at=expires_at,
            created_at=now,
        )
    )
    row = {
        "id": inserted_id(result),
        "name": name,
        "key_prefix": key_prefix(key),
        "role": role,
        "expires_at": expires_at,
        "created_at": now,
        "last_used_at": None,
        "revoked_at": None,
    }
    return row, key


def create_agent_key(
    conn: Connection,
    *,
    agent_id: int,
    workspace_id: int,
    name: str,
    scopes: list[str],
    expires_at: int | None,
    created_by: str,
    now: int,
) -> tuple[dict[str, Any], str]:
    key = new_key(AGENT_KEY_PREFIX)
    result = conn.execute(
        sa.insert(agent_api_keys).values(
            agent_id=agent_id,
            workspace_id=workspace_id,
            name=name,
            key_hash=sha256_hex(key),
            key_prefix=key_prefix(key),
            scopes=scopes,
            expires_at=expires_at,
            created_by=created_by,
            created_at=now,
        )
    )
    row = {
        "id": inserted_id(result),
        "name": name,
        "key_prefix": key_prefix(key),
        "scopes": scopes,
        "expires_at": expires_at,
        "created_at": now,
        "last_used_at": None,
        "revoked_at": None,
    }
    return row, key
