"""Routes: /api/setup, /api/auth/login|logout|me|sessions|keys."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from sqlalchemy.engine import Connection
from starlette.responses import Response

from mission_control.auth import service
from mission_control.auth.cookies import (
    clear_session_cookie,
    login_device,
    set_device_cookie,
    set_session_cookie,
)
from mission_control.auth.schemas import (
    LoginIn,
    MeOut,
    MePatch,
    OkOut,
    PersonalKeyCreated,
    PersonalKeyIn,
    PersonalKeyList,
    PersonalKeyRevoke,
    PersonalKeyRevoked,
    SessionRevoke,
    SessionsRevoked,
    SetupIn,
    SetupStatus,
    UserEnvelope,
    UserSessionList,
)
from mission_control.bodies import documented_body, json_object, str_field
from mission_control.db.tables import user_api_keys, users
from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest, NotFound
from mission_control.responses import json_response
from mission_control.security.actor import ROLE_LEVELS, Actor
from mission_control.security.api_keys import create_personal_key
from mission_control.security.audit import audit
from mission_control.security.ratelimit import limit_identity_change
from mission_control.security.rbac import AnyActor, ViewerActor, current_actor
from mission_control.security.sessions import (
    delete_session,
    list_user_sessions,
    revoke_user_sessions,
)
from mission_control.users.service import count_users

router = APIRouter(tags=["auth"])


def _origin(request: Request) -> Actor:
    return current_actor(request)


@router.get("/api/setup", response_model=SetupStatus, summary="Is first-run setup needed? (public)")
async def setup_status(rt: RuntimeDep) -> Response:
    return json_response({"needsSetup": await rt.db.read(count_users) == 0})


@router.post(
    "/api/setup",
    status_code=201,
    response_model=UserEnvelope,
    summary="Create the first admin (public)",
    openapi_extra=documented_body(SetupIn),
)
async def setup(request: Request, rt: RuntimeDep) -> Response:
    """Creates the first admin while no user exists, then logs them in. 403 afterwards."""
    data = await json_object(request)
    username, password = str_field(data, "username"), str_field(data, "password")
    if not username or not password:
        raise BadRequest("Username and password are required")
    display = str_field(data, "display_name")
    result = await service.setup(rt, _origin(request), username, password, display)
    response = json_response({"user": result.user}, status=201)
    set_session_cookie(response, rt.settings, result.token)
    return response


@router.post(
    "/api/auth/login",
    response_model=UserEnvelope,
    summary="Log in (public)",
    openapi_extra=documented_body(LoginIn),
)
async def login(request: Request, rt: RuntimeDep) -> Response:
    """`{username, password, otp?}` → the user and a session cookie. 401 on bad credentials
    (`OTP_REQUIRED` when two-factor login is on and no code was given), 429 when rate limited."""
    data = await json_object(request, missing_message="Username and password are required")
    username, password = str_field(data, "username"), str_field(data, "password")
    if not username or not password:
        raise BadRequest("Username and password are required")
    otp = str_field(data, "otp")
    device = login_device(request, rt.settings)
    result = await service.login(rt, _origin(request), username, password, otp, device)
    response = json_response({"user": result.user})
    set_session_cookie(response, rt.settings, result.token)
    set_device_cookie(response, rt.settings, result.user["username"])
    return response


@router.post("/api/auth/logout", response_model=OkOut, summary="Log out (public)")
async def logout(request: Request, rt: RuntimeDep) -> Response:
    actor = _origin(request)
    if actor.kind == "user" and actor.session_id is not None:
        await rt.db.write(service.logout, actor)
    response = json_response({"ok": True})
    clear_session_cookie(response, rt.settings)
    return response


@router.get("/api/auth/me", response_model=MeOut, summary="The current user (viewer)")
async def me(actor: ViewerActor) -> Response:
    """The user behind the session or personal key; for the global key or an agent key, that
    key's identity with `agent_name` and `scopes`."""
    if actor.user is not None:
        return json_response({"user": actor.user})
    return json_response(
        {
            "user": {
                "id": actor.id,
                "username": actor.username,
                "display_name": actor.display_name,
                "role": actor.role,
                "provider": actor.kind,
                "email": None,
                "avatar_url": None,
                "workspace_id": actor.workspace_id,
                "tenant_id": actor.tenant_id,
                "agent_name": actor.agent_name,
                "scopes": sorted(actor.scopes),
            }
        }
    )


def _set_display_name(conn: Connection, actor: Actor, name: str) -> None:
    conn.execute(
        sa.update(users)
        .where(users.c.id == actor.id)
        .values(display_name=name, updated_at=int(time.time()))
    )
    audit(
        conn,
        actor,
        "user_update",
        target_type="user",
        target_id=actor.id,
        detail={"display_name": name, "self": True},
    )


@router.patch(
    "/api/auth/me",
    response_model=UserEnvelope,
    summary="Change own display name or password (viewer, session users)",
)
async def update_me(
    body: MePatch, request: Request, rt: RuntimeDep, actor: ViewerActor
) -> Response:
    if actor.kind != "user":
        raise BadRequest("Only a logged-in user can change their account")
    token = None
    if body.new_password is not None:
        if not body.current_password:
            raise BadRequest("Current password is required to set a new one")
        token = await service.change_password(rt, actor, body.current_password, body.new_password)
    if body.display_name is not None:
        await rt.db.write(_set_display_name, actor, body.display_name.strip())
    from mission_control.security.identity import public_user
    from mission_control.users.service import find_by_id

    user = await rt.db.read(find_by_id, actor.id)
    assert user is not None
    response = json_response({"user": public_user(user)})
    if token:
        set_session_cookie(response, rt.settings, token)
    return response


@router.get(
    "/api/auth/sessions",
    summary="Your own sessions (viewer, session users)",
    responses={200: {"model": UserSessionList}},
)
async def my_sessions(rt: RuntimeDep, actor: ViewerActor) -> Response:
    if actor.kind != "user":
        return json_response({"sessions": []})
    rows = await rt.db.read(list_user_sessions, actor.id, int(time.time()))
    return json_response(
        {
            "sessions": [
                {
                    "id": r["id"],
                    "id_prefix": r["token_hash"][:8],
                    "ip_address": r["ip_address"],
                    "user_agent": r["user_agent"],
                    "created_at": r["created_at"],
                    "last_seen_at": r["last_seen_at"],
                    "expires_at": r["expires_at"],
                    "current": r["id"] == actor.session_id,
                }
                for r in rows
            ]
        }
    )


def _revoke_own(conn: Connection, actor: Actor, body: SessionRevoke) -> int:
    if body.all:
        count = revoke_user_sessions(conn, actor.id, keep=actor.session_id)
        audit(
            conn,
            actor,
            "session_revoked",
            target_type="user",
            target_id=actor.id,
            detail={"all_others": True, "count": count},
        )
        return count
    owned = {s["id"] for s in list_user_sessions(conn, actor.id, int(time.time()))}
    if body.id is None or body.id not in owned:
        raise NotFound("Session not found")
    delete_session(conn, body.id)
    audit(conn, actor, "session_revoked", target_type="session", target_id=body.id)
    return 1


@router.delete(
    "/api/auth/sessions",
    summary="Revoke own sessions: {id} or {all:true} (viewer)",
    responses={200: {"model": SessionsRevoked}},
    openapi_extra=documented_body(SessionRevoke),
)
async def revoke_sessions(request: Request, rt: RuntimeDep, actor: ViewerActor) -> Response:
    if actor.kind != "user":
        raise BadRequest("Only a logged-in user has sessions")
    body = SessionRevoke.model_validate(
        await json_object(request, missing_message="Request body required")
    )
    if body.id is None and not body.all:
        raise BadRequest("Give a session id or all:true")
    count = await rt.db.write(_revoke_own, actor, body)
    return json_response({"success": True, "revoked": count})


def _key_rows(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    rows = (
        conn.execute(
            sa.select(user_api_keys)
            .where(user_api_keys.c.user_id == user_id)
            .order_by(user_api_keys.c.id.desc())
        )
        .mappings()
        .all()
    )
    return [
        {
            k: r[k]
            for k in (
                "id",
                "name",
                "key_prefix",
                "role",
                "expires_at",
                "revoked_at",
                "last_used_at",
                "created_at",
            )
        }
        for r in rows
    ]


@router.get(
    "/api/auth/keys",
    summary="Your personal API keys (viewer, session users)",
    responses={200: {"model": PersonalKeyList}},
)
async def my_keys(rt: RuntimeDep, actor: ViewerActor) -> Response:
    if actor.kind != "user":
        return json_response({"keys": []})
    return json_response({"keys": await rt.db.read(_key_rows, actor.id)})


def _create_key(conn: Connection, actor: Actor, body: PersonalKeyIn) -> tuple[dict[str, Any], str]:
    now = int(time.time())
    role = body.role or actor.role
    expires = now + body.expires_in_days * 86400
    row, key = create_personal_key(
        conn, user_id=actor.id, name=body.name.strip(), role=role, expires_at=expires, now=now
    )
    audit(
        conn,
        actor,
        "api_key_created",
        target_type="user_api_key",
        target_id=row["id"],
        detail={"name": row["name"], "role": role, "expires_at": expires},
    )
    return row, key


@router.post(
    "/api/auth/keys",
    status_code=201,
    summary="Create a personal key (mcu_), shown once (viewer, session users)",
    responses={201: {"model": PersonalKeyCreated}},
)
async def create_key(body: PersonalKeyIn, rt: RuntimeDep, actor: ViewerActor) -> Response:
    if actor.kind != "user":
        raise BadRequest("Only a logged-in user can create personal keys")
    if body.role and ROLE_LEVELS[body.role] > ROLE_LEVELS[actor.role]:
        raise BadRequest("A personal key cannot have a higher role than yours")
    await limit_identity_change(rt.limiter, actor)
    row, key = await rt.db.write(_create_key, actor, body)
    return json_response({"key": row, "api_key": key}, status=201)


def _revoke_key(conn: Connection, actor: Actor, key_id: int) -> int:
    now = int(time.time())
    done = conn.execute(
        sa.update(user_api_keys)
        .where(
            user_api_keys.c.id == key_id,
            user_api_keys.c.user_id == actor.id,
            user_api_keys.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    ).rowcount
    if not done:
        raise NotFound("Key not found")
    audit(conn, actor, "api_key_revoked", target_type="user_api_key", target_id=key_id)
    return now


@router.delete(
    "/api/auth/keys",
    summary="Revoke a personal key {id} (viewer, session users)",
    responses={200: {"model": PersonalKeyRevoked}},
    openapi_extra=documented_body(PersonalKeyRevoke),
)
async def revoke_key(request: Request, rt: RuntimeDep, actor: AnyActor) -> Response:
    if actor.kind != "user":
        raise BadRequest("Only a logged-in user can revoke personal keys")
    body = PersonalKeyRevoke.model_validate(
        await json_object(request, missing_message="Request body required")
    )
    await limit_identity_change(rt.limiter, actor)
    revoked_at = await rt.db.write(_revoke_key, actor, body.id)
    return json_response({"success": True, "id": body.id, "revoked_at": revoked_at})
