"""Login, logout, setup and password changes: the identity flows behind the auth routes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import audit_log, users
from mission_control.errors import BadRequest, Forbidden, TooManyRequests, Unauthorized
from mission_control.security.actor import Actor
from mission_control.security.audit import audit, write_audit
from mission_control.security.identity import public_user, user_actor
from mission_control.security.login_throttle import LoginAttempt, LoginThrottle
from mission_control.security.passwords import PasswordPolicyError, check_length, check_policy
from mission_control.security.security_events import record_security_event
from mission_control.security.sessions import create_session, delete_session, revoke_user_sessions
from mission_control.two_factor.login import check_second_factor
from mission_control.users.service import (
    count_users,
    find_by_id,
    find_by_username,
    insert_user,
    lock_user_table,
    normalize_username,
)

if TYPE_CHECKING:
    from mission_control.runtime import Runtime

KNOWN_IP_DAYS = 30


@dataclass(frozen=True)
class LoginResult:
    user: dict[str, Any]
    token: str


def _policy(password: str) -> None:
    try:
        check_policy(password)
    except PasswordPolicyError as exc:
        raise BadRequest(str(exc)) from None


def is_known_ip(conn: Connection, user_id: int, ip: str, now: int, action: str = "login") -> bool:
    """Has this IP signed in as this user (audit `action`) in the last KNOWN_IP_DAYS? Such an
    IP bypasses the account's login lock."""
    if not ip:
        return False
    return (
        conn.execute(
            sa.select(audit_log.c.id)
            .where(
                audit_log.c.action == action,
                audit_log.c.actor_id == user_id,
                audit_log.c.ip_address == ip,
                audit_log.c.created_at > now - KNOWN_IP_DAYS * 86400,
            )
            .limit(1)
        ).first()
        is not None
    )


def _lookup_for_login(
    conn: Connection, username: str, ip: str, now: int
) -> tuple[dict[str, Any] | None, int, bool]:
    user = find_by_username(conn, username)
    total = 1 if user else count_users(conn)
    known = bool(user) and is_known_ip(conn, user["id"], ip, now)  # type: ignore[index]
    return user, total, known


def _record_failure(
    conn: Connection, origin: Actor, username: str, reason: str, user_id: int | None
) -> None:
    write_audit(
        conn,
        "login_failed",
        actor=username[:64],
        actor_id=user_id,
        target_type="user",
        target_id=user_id,
        detail={"reason": reason},
        ip=origin.ip,
        user_agent=origin.user_agent,
    )
    record_security_event(
        conn,
        "auth_failure",
        ip=origin.ip,
        severity="warning",
        detail={"username": username[:64], "reason": reason},
    )


def _record_success(
    conn: Connection,
    user: dict[str, Any],
    origin: Actor,
    ttl: int,
    new_hash: str | None,
    action: str = "login",
) -> str:
    now = int(time.time())
    token, session_id = create_session(
        conn,
        user_id=user["id"],
        workspace_id=user["workspace_id"],
        ip=origin.ip,
        user_agent=origin.user_agent,
        ttl_seconds=ttl,
        now=now,
    )
    values: dict[str, Any] = {"last_login_at": now}
    if new_hash:
        values["password_hash"] = new_hash
    conn.execute(sa.update(users).where(users.c.id == user["id"]).values(**values))
    actor = user_actor(user, session_id).with_origin(origin.ip, origin.user_agent)
    audit(
        conn,
        actor,
        action,
        target_type="user",
        target_id=user["id"],
        detail={"hash_upgraded": True} if new_hash else None,
    )
    return token


async def login(
    rt: Runtime,
    origin: Actor,
    username_raw: str,
    password: str,
    otp: str | None = None,
    device: tuple[str, str] | None = None,
) -> LoginResult:
    """Check a password login (and its two-factor code) under the login limits of
    security.md 5b. A wrong two-factor code counts as a failed attempt.

    An IP that signed in as this user recently, or a browser holding this user's device
    cookie (`device`: its username and throttle key), skips the username's throttle, so a
    flood of guesses against a name cannot lock its owner out of their usual places. A
    device cookie has a throttle of its own, so a stolen one buys no extra guesses.
    """
    try:
        check_length(password)
    except PasswordPolicyError as exc:
        raise BadRequest(str(exc)) from None
    username = username_raw.strip().lower()[:64]
    ip = origin.ip
    throttle = LoginThrottle(rt.limiter)
    attempt = LoginAttempt(throttle, rt.security, ip)
    await attempt.reserve("login_ip", ip)
    try:
        now = int(time.time())
        user, total, known_ip = await rt.db.read(_lookup_for_login, username, ip, now)
        if total == 0:
            raise Unauthorized("No users exist yet; complete setup first", code="NO_USERS")
        if device is not None and device[0] == username:
            await attempt.reserve("login_device", device[1])
        elif not known_ip:
            await attempt.reserve("login_user", username)
        usable = (
            user is not None
            and user["disabled_at"] is None
            and user["provider"] == "local"
            and bool(user["password_hash"])
        )
        if usable:
            assert user is not None
            result = await rt.passwords.verify(user["password_hash"], password)
        else:
            await rt.passwords.dummy_verify(password)
            result = None
        if result is None or not result.ok:
            await attempt.fail()
            reason = "bad password" if usable else "unknown or unusable account"
            await rt.db.write(
                _record_failure, origin, username, reason, user["id"] if user else None
            )
            raise Unauthorized("Invalid credentials")
        assert user is not None
        second_factor = user["is_approved"] and user["totp_enabled"]
        if second_factor and not await check_second_factor(rt, origin, user, otp):
            await attempt.fail()
            raise Unauthorized("Invalid two-factor code", code="OTP_INVALID")
    finally:
        await attempt.release()
    assert user is not None
    await throttle.forgive("login_user", username)
    if device is not None:
        await throttle.forgive("login_device", device[1])
    if not user["is_approved"]:
        raise Forbidden("Access request pending admin approval", code="PENDING_APPROVAL")
    new_hash = await rt.passwords.hash(password) if result.needs_upgrade else None
    ttl = rt.settings.session_ttl_hours * 3600
    token = await rt.db.write(_record_success, user, origin, ttl, new_hash)
    return LoginResult(public_user(user), token)


def logout(conn: Connection, actor: Actor) -> None:
    if actor.session_id is None:
        return
    delete_session(conn, actor.session_id)
    audit(conn, actor, "logout", target_type="user", target_id=actor.id)


def _setup(
    conn: Connection,
    origin: Actor,
    username: str,
    display_name: str | None,
    password_hash: str,
    ttl: int,
) -> tuple[dict[str, Any], str]:
    lock_user_table(conn)
    if count_users(conn):
        raise Forbidden("Setup has already been completed")
    user = insert_user(
        conn,
        username=username,
        password_hash=password_hash,
        role="admin",
        display_name=display_name,
    )
    actor = user_actor(user).with_origin(origin.ip, origin.user_agent)
    audit(
        conn,
        actor,
        "setup_admin_created",
        target_type="user",
        target_id=user["id"],
        detail={"username": username, "source": "setup"},
    )
    token = _record_success(conn, user, origin, ttl, None)
    return user, token


async def setup(
    rt: Runtime, origin: Actor, username_raw: str, password: str, display_name: str | None
) -> LoginResult:
    if await rt.db.read(count_users):
        raise Forbidden("Setup has already been completed")
    username = normalize_username(username_raw)
    _policy(password)
    password_hash = await rt.passwords.hash(password)
    user, token = await rt.db.write(
        _setup, origin, username, display_name, password_hash, rt.settings.session_ttl_hours * 3600
    )
    return LoginResult(public_user(user), token)


def _change_password(conn: Connection, actor: Actor, password_hash: str, ttl: int) -> str:
    now = int(time.time())
    conn.execute(
        sa.update(users)
        .where(users.c.id == actor.id)
        .values(password_hash=password_hash, password_changed_at=now, updated_at=now)
    )
    revoke_user_sessions(conn, actor.id)
    token, _ = create_session(
        conn,
        user_id=actor.id,
        workspace_id=actor.workspace_id,
        ip=actor.ip,
        user_agent=actor.user_agent,
        ttl_seconds=ttl,
        now=now,
    )
    audit(conn, actor, "password_change", target_type="user", target_id=actor.id)
    return token


async def change_password(rt: Runtime, actor: Actor, current: str, new: str) -> str:
    """Verify the current password, set the new one, revoke every session, issue a new one."""
    wait = await rt.limiter.hit("password_change", str(actor.id))
    if wait:
        raise TooManyRequests(wait)
    try:
        check_length(current)
    except PasswordPolicyError as exc:
        raise BadRequest(str(exc)) from None
    _policy(new)
    user = await rt.db.read(find_by_id, actor.id)
    if user is None or not user["password_hash"]:
        raise BadRequest("This account has no local password")
    result = await rt.passwords.verify(user["password_hash"], current)
    if not result.ok:
        raise BadRequest("Current password is incorrect")
    password_hash = await rt.passwords.hash(new)
    return await rt.db.write(
        _change_password, actor, password_hash, rt.settings.session_ttl_hours * 3600
    )
