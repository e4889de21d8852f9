"""Resolves the one actor of a request from its session cookie or API key."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import audit_log
from mission_control.security.actor import ANONYMOUS, Actor
from mission_control.security.api_keys import lookup_key, mark_key_used
from mission_control.security.audit import audit
from mission_control.security.security_events import record_security_event
from mission_control.security.sessions import (
    SESSION_COOKIE_NAMES,
    TOUCH_INTERVAL_S,
    find_session,
    read_cookie,
    touch,
)

if TYPE_CHECKING:
    from mission_control.runtime import Runtime

_AUTH_SCHEMES = ("bearer", "apikey", "token")
KEY_USE_AUDIT_INTERVAL_S = 3600


def public_user(row: Any) -> dict[str, Any]:
    """The user object the API shows: never a hash or a secret."""
    return {
        "id": row["id"],
        "username": row["username"],
        "display_name": row["display_name"],
        "role": row["role"],
        "provider": row["provider"],
        "email": row["email"],
        "avatar_url": row["avatar_url"],
        "workspace_id": row["workspace_id"],
        "tenant_id": 1,
        "is_approved": bool(row["is_approved"]),
        "disabled": row["disabled_at"] is not None,
        "two_factor_enabled": bool(row["totp_enabled"]),
        "last_login_at": row["last_login_at"],
        "created_at": row["created_at"],
    }


def presented_key(headers: Mapping[str, str]) -> str | None:
    key = headers.get("x-api-key")
    if key is not None:
        return key.strip()
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() in _AUTH_SCHEMES:
            return value.strip()
        return ""  # present but not a scheme we accept: an invalid credential
    return None


def user_actor(row: Any, session_id: int | None = None) -> Actor:
    return Actor(
        kind="user",
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        workspace_id=row["workspace_id"],
        session_id=session_id,
        user=public_user(row),
    )


class Resolution:
    __slots__ = ("actor", "invalid")

    def __init__(self, actor: Actor, invalid: bool) -> None:
        self.actor = actor
        self.invalid = invalid


class IdentityResolver:
    """Looks credentials up and keeps the bookkeeping writes (last seen, key use) cheap."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self._background: set[asyncio.Task[None]] = set()
        self._key_use_seen: dict[tuple[int, str], int] = {}

    async def resolve(self, headers: Mapping[str, str], ip: str, user_agent: str) -> Resolution:
        settings = self.rt.settings
        now = int(time.time())
        token = read_cookie(dict(headers), SESSION_COOKIE_NAMES)
        key = presented_key(headers)
        actor: Actor | None = None
        if token:
            row = await self.rt.db.read(
                find_session, token, now=now, idle_seconds=settings.session_idle_minutes * 60
            )
            if row is None:
                return Resolution(ANONYMOUS.with_origin(ip, user_agent), True)
            actor = user_actor(row, row["session_id"])
            if now - row["last_seen_at"] >= TOUCH_INTERVAL_S:
                self._later(touch, row["session_id"], now)
        if key is not None:
            key_actor = (
                await self.rt.db.read(lookup_key, key, env_key=settings.api_key, now=now)
                if key
                else None
            )
            if key_actor is None:
                return Resolution(ANONYMOUS.with_origin(ip, user_agent), True)
            if actor is None:
                actor = key_actor
                self._note_key_use(key_actor.with_origin(ip, user_agent), now)
        if actor is None:
            return Resolution(ANONYMOUS.with_origin(ip, user_agent), False)
        return Resolution(actor.with_origin(ip, user_agent), False)

    def _note_key_use(self, actor: Actor, now: int) -> None:
        marker = (actor.key_id if actor.key_id is not None else 0, actor.ip)
        if now - self._key_use_seen.get(marker, 0) < KEY_USE_AUDIT_INTERVAL_S:
            return
        if len(self._key_use_seen) > 50_000:
            self._key_use_seen.clear()
        self._key_use_seen[marker] = now
        self._later(record_key_use, actor, now)

    def _later(self, fn: Any, *args: Any) -> None:
        async def run() -> None:
            try:
                await self.rt.db.write(fn, *args)
            except Exception:  # bookkeeping must never fail a request
                return

        task = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)


def record_key_use(conn: Connection, actor: Actor, now: int) -> None:
    """`api_key_used`: first use per key per IP per hour, checked in the database."""
    mark_key_used(conn, actor, now)
    key_ref = f"{actor.kind}:{actor.key_id or 0}"
    seen = conn.execute(
        sa.select(audit_log.c.id)
        .where(
            audit_log.c.action == "api_key_used",
            audit_log.c.target_id == key_ref,
            audit_log.c.ip_address == (actor.ip or None),
            audit_log.c.created_at > now - KEY_USE_AUDIT_INTERVAL_S,
        )
        .limit(1)
    ).first()
    if seen is not None:
        return
    audit(
        conn,
        actor,
        "api_key_used",
        target_type="api_key",
        target_id=key_ref,
        detail={"kind": actor.kind, "agent": actor.agent_name},
    )
    record_security_event(
        conn,
        "api_key_used",
        ip=actor.ip,
        detail={"key": key_ref},
        agent_name=actor.agent_name,
        workspace_id=actor.workspace_id,
        now=now,
    )
