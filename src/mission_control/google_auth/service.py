"""Google sign-in outcomes and access requests: who gets a session, who waits for an admin."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from mission_control.auth.service import is_known_ip
from mission_control.db.rows import inserted_id
from mission_control.db.tables import access_requests, users
from mission_control.errors import BadRequest, Conflict, NotFound
from mission_control.integrations.google import GoogleIdentity
from mission_control.security.actor import Actor
from mission_control.security.audit import audit, write_audit
from mission_control.security.identity import public_user, user_actor
from mission_control.security.security_events import record_security_event
from mission_control.security.sessions import create_session
from mission_control.users.service import USERNAME_RE, find_by_id, find_by_username, insert_user

Status = Literal["pending", "approved", "rejected"]
STATUSES: tuple[Status, ...] = ("pending", "approved", "rejected")
_NOT_USERNAME = re.compile(r"[^a-z0-9_.-]+")


@dataclass(frozen=True)
class GoogleOutcome:
    """`session` (with user and token), or why there is none."""

    kind: Literal["session", "pending", "rejected", "disabled"]
    user: dict[str, Any] | None = None
    token: str | None = None


def record_google_failure(conn: Connection, origin: Actor, reason: str) -> None:
    """`login_failed` audit row and an `auth_failure` security event; never the token itself."""
    write_audit(
        conn,
        "login_failed",
        actor="google",
        detail={"reason": reason, "provider": "google"},
        ip=origin.ip,
        user_agent=origin.user_agent,
    )
    record_security_event(
        conn,
        "auth_failure",
        ip=origin.ip,
        severity="warning",
        detail={"provider": "google", "reason": reason},
    )


def signed_in_from(conn: Connection, email: str, ip: str, now: int) -> bool:
    """Has the Google user with this email signed in from this IP recently? Such an IP skips
    the per-email login limit, as a known IP skips the per-username one of a password login,
    so tokens forged in someone's name cannot lock them out of their usual places."""
    if not email or not ip:
        return False
    accounts = conn.execute(
        sa.select(users.c.id).where(
            users.c.provider == "google", sa.func.lower(users.c.email) == email
        )
    ).scalars()
    return any(is_known_ip(conn, uid, ip, now, action="login_google") for uid in accounts)


def _google_user(conn: Connection, identity: GoogleIdentity) -> dict[str, Any] | None:
    """Matched by `sub`, then by email among Google users not yet bound to a `sub`."""
    row = (
        conn.execute(
            sa.select(users).where(
                users.c.provider == "google", users.c.provider_user_id == identity.sub
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        row = (
            conn.execute(
                sa.select(users)
                .where(
                    users.c.provider == "google",
                    users.c.provider_user_id.is_(None),
                    sa.func.lower(users.c.email) == identity.email,
                )
                .order_by(users.c.id)
                .limit(1)
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def _start_session(
    conn: Connection, user: dict[str, Any], identity: GoogleIdentity, origin: Actor, ttl: int
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
    values: dict[str, Any] = {"last_login_at": now, "provider_user_id": identity.sub}
    if identity.picture:
        values["avatar_url"] = identity.picture
    conn.execute(sa.update(users).where(users.c.id == user["id"]).values(**values))
    actor = user_actor(user, session_id).with_origin(origin.ip, origin.user_agent)
    audit(
        conn,
        actor,
        "login_google",
        target_type="user",
        target_id=user["id"],
        detail={"email": identity.email},
    )
    return token


def _find_request(conn: Connection, identity: GoogleIdentity) -> dict[str, Any] | None:
    row = (
        conn.execute(
            sa.select(access_requests).where(
                access_requests.c.provider == "google",
                access_requests.c.provider_user_id == identity.sub,
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def _note_attempt(
    conn: Connection, identity: GoogleIdentity, user_id: int | None, now: int
) -> dict[str, Any]:
    """Create the access request or count one more attempt on it; answers the row."""
    existing = _find_request(conn, identity)
    if existing is None:
        values = {
            "email": identity.email,
            "provider": "google",
            "provider_user_id": identity.sub,
            "display_name": identity.name,
            "avatar_url": identity.picture,
            "status": "pending",
            "attempt_count": 1,
            "last_attempt_at": now,
            "user_id": user_id,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with conn.begin_nested():
                new_id = inserted_id(conn.execute(sa.insert(access_requests).values(**values)))
            return {**values, "id": new_id}
        except IntegrityError:
            # A concurrent first attempt created it; count this one on that row.
            existing = _find_request(conn, identity)
            assert existing is not None
    changes: dict[str, Any] = {
        "attempt_count": access_requests.c.attempt_count + 1,
        "last_attempt_at": now,
        "email": identity.email,
        "updated_at": now,
    }
    if identity.name:
        changes["display_name"] = identity.name
    if identity.picture:
        changes["avatar_url"] = identity.picture
    if existing["status"] == "approved":
        # Approved once, but the account is gone or unapproved again: ask again.
        changes["status"] = "pending"
    conn.execute(
        sa.update(access_requests).where(access_requests.c.id == existing["id"]).values(**changes)
    )
    return {**existing, "status": changes.get("status", existing["status"])}


def resolve_google_login(
    conn: Connection, identity: GoogleIdentity, origin: Actor, ttl: int
) -> GoogleOutcome:
    """A verified Google identity → a session for an approved user, else an access request."""
    now = int(time.time())
    user = _google_user(conn, identity)
    if user is not None and user["disabled_at"] is not None:
        record_google_failure(conn, origin, "account disabled")
        return GoogleOutcome("disabled")
    if user is not None and user["is_approved"]:
        token = _start_session(conn, user, identity, origin, ttl)
        return GoogleOutcome("session", find_by_id(conn, user["id"]), token)
    request = _note_attempt(conn, identity, user["id"] if user else None, now)
    if request["status"] == "rejected":
        record_google_failure(conn, origin, "access request rejected")
        return GoogleOutcome("rejected")
    write_audit(
        conn,
        "google_login_pending_approval",
        actor=identity.email,
        target_type="access_request",
        target_id=request["id"],
        detail={"email": identity.email, "name": identity.name},
        ip=origin.ip,
        user_agent=origin.user_agent,
        now=now,
    )
    return GoogleOutcome("pending")


def public_request(row: Any) -> dict[str, Any]:
    return {
        key: row[key]
        for key in (
            "id",
            "email",
            "provider",
            "display_name",
            "avatar_url",
            "status",
            "attempt_count",
            "last_attempt_at",
            "reviewed_by",
            "reviewed_at",
            "note",
            "approved_role",
            "user_id",
            "created_at",
        )
    }


def list_requests(conn: Connection, status: str, limit: int, offset: int) -> dict[str, Any]:
    """One page of access requests with `status` (or all), most recent attempt first:
    `{requests, total, limit, offset}`."""
    where = [] if status == "all" else [access_requests.c.status == status]
    total = conn.execute(
        sa.select(sa.func.count()).select_from(access_requests).where(*where)
    ).scalar_one()
    query = (
        sa.select(access_requests)
        .where(*where)
        .order_by(access_requests.c.last_attempt_at.desc(), access_requests.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return {
        "requests": [public_request(r) for r in conn.execute(query).mappings()],
        "total": int(total),
        "limit": limit,
        "offset": offset,
    }


def derive_username(conn: Connection, email: str) -> str:
    """A free, valid username from the email's local part (`jane.doe`, `jane.doe-2`, ...)."""
    local = _NOT_USERNAME.sub("-", email.split("@", 1)[0].lower()).strip("-.")[:56]
    if len(local) < 2:
        local = f"google-{local}".rstrip("-")
    candidate, n = local, 1
    while find_by_username(conn, candidate) is not None:
        n += 1
        candidate = f"{local}-{n}"
    assert USERNAME_RE.match(candidate)
    return candidate


def _locked_request(conn: Connection, request_id: int) -> dict[str, Any]:
    query = sa.select(access_requests).where(access_requests.c.id == request_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound("Access request not found")
    return dict(row)


def _approve(
    conn: Connection, actor: Actor, request: dict[str, Any], role: str, now: int
) -> dict[str, Any]:
    """Approve an existing unapproved Google user of this `sub`, or create a new one.
    A local account with the same email is never touched."""
    existing = None
    if request["user_id"] is not None:
        existing = find_by_id(conn, request["user_id"])
    if existing is None:
        existing = _google_user(
            conn,
            GoogleIdentity(request["provider_user_id"] or "", request["email"], None, None, None),
        )
    if existing is not None and existing["provider"] == "google":
        conn.execute(
            sa.update(users)
            .where(users.c.id == existing["id"])
            .values(
                is_approved=True,
                role=role,
                approved_by=actor.username,
                approved_at=now,
                updated_at=now,
            )
        )
        user = find_by_id(conn, existing["id"])
        assert user is not None
        return user
    return insert_user(
        conn,
        username=derive_username(conn, request["email"]),
        password_hash="",
        role=role,
        display_name=request["display_name"] or request["email"].split("@", 1)[0],
        email=request["email"],
        provider="google",
        provider_user_id=request["provider_user_id"],
        avatar_url=request["avatar_url"],
        is_approved=True,
        approved_by=actor.username,
    )


def review_request(
    conn: Connection,
    actor: Actor,
    request_id: int,
    action: Literal["approve", "reject"],
    role: str,
    note: str | None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Approve (creating the user) or reject a request; approving a rejected one reopens it."""
    now = int(time.time())
    request = _locked_request(conn, request_id)
    user = None
    if action == "approve":
        if request["status"] == "approved":
            raise Conflict("Access request is already approved")
        user = _approve(conn, actor, request, role, now)
        values: dict[str, Any] = {
            "status": "approved",
            "approved_role": role,
            "user_id": user["id"],
        }
    else:
        if request["status"] == "rejected":
            raise Conflict("Access request is already rejected")
        if request["status"] == "approved":
            raise Conflict("Access request is already approved; disable the user instead")
        values = {"status": "rejected"}
    values.update(reviewed_by=actor.username, reviewed_at=now, note=note, updated_at=now)
    conn.execute(
        sa.update(access_requests).where(access_requests.c.id == request_id).values(**values)
    )
    detail: dict[str, Any] = {"email": request["email"], "previous_status": request["status"]}
    if user is not None:
        detail.update(role=role, user_id=user["id"], username=user["username"])
    if note:
        detail["note"] = note
    audit(
        conn,
        actor,
        f"access_request_{'approved' if action == 'approve' else 'rejected'}",
        target_type="access_request",
        target_id=request_id,
        detail=detail,
    )
    return public_request({**request, **values}), public_user(user) if user else None


def disconnect_google(conn: Connection, actor: Actor) -> dict[str, Any]:
    """A Google user with a local password becomes a local account."""
    user = find_by_id(conn, actor.id)
    if user is None:
        raise NotFound("User not found")
    if user["provider"] != "google":
        raise BadRequest("This account is not connected to Google")
    if not user["password_hash"]:
        raise BadRequest("Set a local password before disconnecting Google")
    now = int(time.time())
    conn.execute(
        sa.update(users)
        .where(users.c.id == user["id"])
        .values(provider="local", provider_user_id=None, updated_at=now)
    )
    audit(
        conn,
        actor,
        "google_disconnected",
        target_type="user",
        target_id=user["id"],
        detail={"email": user["email"]},
    )
    updated = find_by_id(conn, user["id"])
    assert updated is not None
    return updated
