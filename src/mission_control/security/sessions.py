"""Session tokens: random in the cookie, only their SHA-256 in the database."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.prepared import Prepared
from mission_control.db.rows import inserted_id
from mission_control.db.tables import user_sessions, users
from mission_control.security.digests import new_session_token, sha256_hex

SESSION_COOKIE = "mc-session"
SECURE_SESSION_COOKIE = "__Host-mc-session"
SESSION_COOKIE_NAMES = (SECURE_SESSION_COOKIE, SESSION_COOKIE)
TOUCH_INTERVAL_S = 60


def read_cookie(headers: dict[str, str], names: tuple[str, ...]) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    found: dict[str, str] = {}
    for part in raw.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name in names and name not in found:
            found[name] = value.strip().strip('"')
    for name in names:
        if found.get(name):
            return found[name]
    return None


def cookie_name(secure: bool) -> str:
    return SECURE_SESSION_COOKIE if secure else SESSION_COOKIE


def set_cookie_header(token: str, *, secure: bool, samesite: str, max_age: int) -> str:
    flags = f"HttpOnly; SameSite={samesite.capitalize()}; Path=/; Max-Age={max_age}"
    if secure:
        flags += "; Secure"
    return f"{cookie_name(secure)}={token}; {flags}"


def clear_cookie_headers(*, secure: bool, samesite: str) -> list[str]:
    tail = f"HttpOnly; SameSite={samesite.capitalize()}; Path=/; Max-Age=0"
    cleared = [f"{SESSION_COOKIE}=; {tail}"]
    if secure:
        cleared.append(f"{SECURE_SESSION_COOKIE}=; {tail}; Secure")
    return cleared


def purge_expired(conn: Connection, now: int) -> int:
    result = conn.execute(sa.delete(user_sessions).where(user_sessions.c.expires_at <= now))
    return result.rowcount or 0


def create_session(
    conn: Connection,
    *,
    user_id: int,
    workspace_id: int,
    ip: str,
    user_agent: str,
    ttl_seconds: int,
    now: int,
) -> tuple[str, int]:
    """A new session (never reusing an old id); returns the cookie token and the row id."""
    purge_expired(conn, now)
    token = new_session_token()
    result = conn.execute(
        sa.insert(user_sessions).values(
            token_hash=sha256_hex(token),
            user_id=user_id,
            expires_at=now + ttl_seconds,
            last_seen_at=now,
            ip_address=ip[:64],
            user_agent=user_agent[:512],
            workspace_id=workspace_id,
            created_at=now,
        )
    )
    session_id = inserted_id(result)
    return token, int(session_id)


_SESSION = Prepared(
    sa.select(
        user_sessions.c.id.label("session_id"),
        user_sessions.c.expires_at,
        user_sessions.c.last_seen_at,
        users,
    )
    .join(users, users.c.id == user_sessions.c.user_id)
    .where(user_sessions.c.token_hash == sa.bindparam("token_hash"))
)  # prepared once: it runs on every request with a session cookie


def find_session(
    conn: Connection, token: str, *, now: int, idle_seconds: int
) -> dict[str, Any] | None:
    """The live session for `token` with its user, or None."""
    row = _SESSION.first_mapping(conn, {"token_hash": sha256_hex(token)})
    if row is None or row["expires_at"] <= now or row["disabled_at"] is not None:
        return None
    if not row["is_approved"]:  # access withdrawn: the session no longer speaks for anyone
        return None
    if idle_seconds and now - row["last_seen_at"] > idle_seconds:
        return None
    return row


def touch(conn: Connection, session_id: int, now: int) -> None:
    conn.execute(
        sa.update(user_sessions).where(user_sessions.c.id == session_id).values(last_seen_at=now)
    )


def revoke_user_sessions(conn: Connection, user_id: int, *, keep: int | None = None) -> int:
    query = sa.delete(user_sessions).where(user_sessions.c.user_id == user_id)
    if keep is not None:
        query = query.where(user_sessions.c.id != keep)
    return conn.execute(query).rowcount or 0


def delete_session(conn: Connection, session_id: int) -> None:
    conn.execute(sa.delete(user_sessions).where(user_sessions.c.id == session_id))


def list_user_sessions(conn: Connection, user_id: int, now: int) -> list[dict[str, Any]]:
    rows = (
        conn.execute(
            sa.select(user_sessions)
            .where(user_sessions.c.user_id == user_id, user_sessions.c.expires_at > now)
            .order_by(user_sessions.c.created_at.desc())
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]
