"""User accounts: lookup, creation, updates and the rules that protect the last admin."""

from __future__ import annotations

import re
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id
from mission_control.db.tables import users
from mission_control.errors import BadRequest, Conflict, NotFound, ValidationFailed
from mission_control.security.actor import ROLES, Actor
from mission_control.security.audit import audit
from mission_control.security.identity import public_user
from mission_control.security.sessions import revoke_user_sessions

USERNAME_RE = re.compile(r"^[a-z0-9_.-]{2,64}$")
# Serialises "is anybody there yet?" checks on PostgreSQL (setup, seeding).
PG_SETUP_LOCK = 0x4D43_0501


def normalize_username(raw: str) -> str:
    username = raw.strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationFailed(["username: 2 to 64 characters of a-z, 0-9, '_', '.', '-'"])
    return username


def lock_user_table(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_SETUP_LOCK})


def count_users(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar() or 0)


def find_by_username(conn: Connection, username: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()
    return dict(row) if row else None


def find_by_id(conn: Connection, user_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(users).where(users.c.id == user_id)).mappings().first()
    return dict(row) if row else None


def list_users(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(users).order_by(users.c.id)).mappings().all()
    return [public_user(r) for r in rows]


def page_users(conn: Connection, limit: int, offset: int) -> dict[str, Any]:
    """One page of users, newest first, with the total: `{users, total, limit, offset}`."""
    rows = (
        conn.execute(sa.select(users).order_by(users.c.id.desc()).limit(limit).offset(offset))
        .mappings()
        .all()
    )
    return {
        "users": [public_user(r) for r in rows],
        "total": count_users(conn),
        "limit": limit,
        "offset": offset,
    }


def insert_user(
    conn: Connection,
    *,
    username: str,
    password_hash: str,
    role: str,
    display_name: str | None = None,
    email: str | None = None,
    provider: str = "local",
    provider_user_id: str | None = None,
    avatar_url: str | None = None,
    is_approved: bool = True,
    approved_by: str | None = None,
    workspace_id: int = 1,
) -> dict[str, Any]:
    if role not in ROLES:
        raise ValidationFailed([f"role: must be one of {', '.join(ROLES)}"])
    if find_by_username(conn, username) is not None:
        raise Conflict("Username already exists")
    now = int(time.time())
    result = conn.execute(
        sa.insert(users).values(
            username=username,
            display_name=(display_name or username)[:200],
            password_hash=password_hash,
            role=role,
            provider=provider,
            provider_user_id=provider_user_id,
            email=email,
            avatar_url=avatar_url,
            is_approved=is_approved,
            approved_by=approved_by,
            approved_at=now if approved_by else None,
            password_changed_at=now,
            workspace_id=workspace_id,
            created_at=now,
            updated_at=now,
        )
    )
    user = find_by_id(conn, inserted_id(result))
    assert user is not None
    return user


def create_user(conn: Connection, actor: Actor, **fields: Any) -> dict[str, Any]:
    user = insert_user(conn, **fields)
    audit(
        conn,
        actor,
        "user_create",
        target_type="user",
        target_id=user["id"],
        detail={"username": user["username"], "role": user["role"]},
    )
    return user


def _active_admins(conn: Connection) -> int:
    """Admins who can act: not disabled and approved."""
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(users)
            .where(
                users.c.role == "admin",
                users.c.disabled_at.is_(None),
                users.c.is_approved.is_(sa.true()),
            )
        ).scalar()
        or 0
    )


def _is_active_admin(user: dict[str, Any]) -> bool:
    return user["role"] == "admin" and user["disabled_at"] is None and bool(user["is_approved"])


def _is_last_active_admin(conn: Connection, user: dict[str, Any]) -> bool:
    return _is_active_admin(user) and _active_admins(conn) <= 1


def _access_removed(
    conn: Connection, actor: Actor, user: dict[str, Any], *, own: str, last: str
) -> None:
    """The rules of every change that takes someone's access away (disable, un-approve)."""
    if actor.is_same_person(user["id"]):
        raise BadRequest(own)
    if _is_last_active_admin(conn, user):
        raise BadRequest(last)


def update_user(
    conn: Connection,
    actor: Actor,
    user_id: int,
    changes: dict[str, Any],
    *,
    password_hash: str | None = None,
) -> dict[str, Any]:
    """Apply `changes`; role, password, disabling and un-approving revoke the user's sessions."""
    user = find_by_id(conn, user_id)
    if user is None:
        raise NotFound("User not found")
    values: dict[str, Any] = {}
    revoke = False
    if "role" in changes and changes["role"] != user["role"]:
        if actor.is_same_person(user_id):
            raise BadRequest("You cannot change your own role")
        if _is_last_active_admin(conn, user):
            raise BadRequest("Cannot demote the last active admin")
        values["role"] = changes["role"]
        revoke = True
    if "disabled" in changes and bool(changes["disabled"]) != (user["disabled_at"] is not None):
        if changes["disabled"]:
            _access_removed(
                conn,
                actor,
                user,
                own="You cannot disable your own account",
                last="Cannot disable the last active admin",
            )
            values["disabled_at"] = int(time.time())
            revoke = True
        else:
            values["disabled_at"] = None
    if "is_approved" in changes and bool(changes["is_approved"]) != bool(user["is_approved"]):
        if not changes["is_approved"]:
            _access_removed(
                conn,
                actor,
                user,
                own="You cannot withdraw your own approval",
                last="Cannot withdraw the approval of the last active admin",
            )
            revoke = True
        values["is_approved"] = bool(changes["is_approved"])
    for field in ("display_name", "email"):
        if field in changes and changes[field] != user[field]:
            values[field] = changes[field]
    if password_hash is not None:
        values["password_hash"] = password_hash
        values["password_changed_at"] = int(time.time())
        revoke = True
    if not values:
        return user
    values["updated_at"] = int(time.time())
    conn.execute(sa.update(users).where(users.c.id == user_id).values(**values))
    revoked = revoke_user_sessions(conn, user_id) if revoke else 0
    detail = {k: v for k, v in values.items() if k not in ("password_hash", "updated_at")}
    if password_hash is not None:
        detail["password_reset"] = True
    detail["sessions_revoked"] = revoked
    audit(conn, actor, "user_update", target_type="user", target_id=user_id, detail=detail)
    updated = find_by_id(conn, user_id)
    assert updated is not None
    return updated


def delete_user(conn: Connection, actor: Actor, user_id: int) -> None:
    user = find_by_id(conn, user_id)
    if user is None:
        raise NotFound("User not found")
    if actor.is_same_person(user_id):
        raise BadRequest("You cannot delete your own account")
    if _is_last_active_admin(conn, user):
        raise BadRequest("Cannot delete the last active admin")
    revoke_user_sessions(conn, user_id)
    conn.execute(sa.delete(users).where(users.c.id == user_id))
    audit(
        conn,
        actor,
        "user_delete",
        target_type="user",
        target_id=user_id,
        detail={"username": user["username"]},
    )


def revoke_sessions(conn: Connection, actor: Actor, user_id: int) -> int:
    """End every session of a user (they must log in again); audited as `session_revoked`."""
    user = find_by_id(conn, user_id)
    if user is None:
        raise NotFound("User not found")
    count = revoke_user_sessions(conn, user_id)
    audit(
        conn,
        actor,
        "session_revoked",
        target_type="user",
        target_id=user_id,
        detail={"username": user["username"], "count": count},
    )
    return count
