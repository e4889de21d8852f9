"""Routes: /api/auth/users and its alias /api/users (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.auth.schemas import SessionsRevoked, UserEnvelope
from mission_control.bodies import documented_body, json_object
from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest
from mission_control.pagination import CAPS, clamp_limit, clamp_offset, page_params
from mission_control.query import documented_params
from mission_control.responses import json_response
from mission_control.security.identity import public_user
from mission_control.security.passwords import PasswordPolicyError, check_policy
from mission_control.security.ratelimit import limit_identity_change
from mission_control.security.rbac import AdminActor
from mission_control.users import service
from mission_control.users.schemas import (
    UserCreate,
    UserDelete,
    UserDeleted,
    UserList,
    UserSessionsRevoke,
    UserUpdate,
)

router = APIRouter(tags=["users"])


def _policy(password: str) -> None:
    try:
        check_policy(password)
    except PasswordPolicyError as exc:
        raise BadRequest(str(exc)) from None


async def list_users(request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Users, newest first, paged by `limit` and `offset` → `{users, total, limit, offset}`
    (admin)."""
    limit = clamp_limit(request.query_params.get("limit"), CAPS["users"])
    offset = clamp_offset(request.query_params.get("offset"))
    return json_response(await rt.db.read(service.page_users, limit, offset))


async def create_user(body: UserCreate, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Create a local user (admin). 400 on validation, 409 when the username exists."""
    await limit_identity_change(rt.limiter, actor)
    username = service.normalize_username(body.username)
    _policy(body.password)
    password_hash = await rt.passwords.hash(body.password)
    user = await rt.db.write(
        service.create_user,
        actor,
        username=username,
        password_hash=password_hash,
        role=body.role,
        display_name=body.display_name,
        email=body.email,
    )
    return json_response({"user": public_user(user)}, status=201)


async def update_user(body: UserUpdate, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Change a user's display name, role, password, approval, email or disabled state (admin).
    Role, password and disabling end that user's sessions."""
    await limit_identity_change(rt.limiter, actor)
    password_hash = None
    if body.password is not None:
        _policy(body.password)
        password_hash = await rt.passwords.hash(body.password)
    changes = body.model_dump(exclude_unset=True, exclude={"id", "password"})
    user = await rt.db.write(
        service.update_user, actor, body.id, changes, password_hash=password_hash
    )
    return json_response({"user": public_user(user)})


async def delete_user(request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Delete a user `{id}` (admin); not yourself, not the last admin."""
    data = await json_object(request, missing_message="Request body required: {id}")
    body = UserDelete.model_validate(data)
    await limit_identity_change(rt.limiter, actor)
    await rt.db.write(service.delete_user, actor, body.id)
    return json_response({"success": True})


async def revoke_user_sessions(request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Sign user `{id}` out everywhere (admin): every session of theirs ends and they must sign
    in again. Their personal keys stay valid (disable the account to stop those too).
    Audited as `session_revoked`."""
    data = await json_object(request, missing_message="Request body required: {id}")
    body = UserSessionsRevoke.model_validate(data)
    await limit_identity_change(rt.limiter, actor)
    count = await rt.db.write(service.revoke_sessions, actor, body.id)
    return json_response({"success": True, "revoked": count})


for prefix in ("/api/auth/users", "/api/users"):
    router.add_api_route(
        prefix,
        list_users,
        methods=["GET"],
        summary="List users (admin)",
        responses={200: {"model": UserList}},
        openapi_extra=documented_params(*page_params(CAPS["users"])),
    )
    router.add_api_route(
        prefix,
        create_user,
        methods=["POST"],
        status_code=201,
        response_model=UserEnvelope,
        summary="Create a user (admin)",
    )
    router.add_api_route(
        prefix,
        update_user,
        methods=["PUT"],
        response_model=UserEnvelope,
        summary="Update a user (admin)",
    )
    router.add_api_route(
        prefix,
        delete_user,
        methods=["DELETE"],
        summary="Delete a user (admin)",
        responses={200: {"model": UserDeleted}},
        openapi_extra=documented_body(UserDelete),
    )
    router.add_api_route(
        prefix + "/sessions",
        revoke_user_sessions,
        methods=["DELETE"],
        summary="Sign a user out everywhere (admin)",
        responses={200: {"model": SessionsRevoked}},
        openapi_extra=documented_body(UserSessionsRevoke),
    )
