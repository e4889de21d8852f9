"""Routes: /api/auth/2fa (status), /setup, /enable and /disable for the logged-in user."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest, TooManyRequests, Unauthorized
from mission_control.responses import json_response
from mission_control.runtime import Runtime
from mission_control.security.actor import Actor
from mission_control.security.rbac import ViewerActor
from mission_control.security.secretbox import secret_box
from mission_control.two_factor import service
from mission_control.two_factor.schemas import (
    TwoFactorDisableIn,
    TwoFactorEnabled,
    TwoFactorEnableIn,
    TwoFactorSetup,
    TwoFactorStatus,
)
from mission_control.users.service import find_by_id

router = APIRouter(tags=["two-factor"])


def _session_user(actor: Actor) -> None:
    if actor.kind != "user":
        raise BadRequest("Only a logged-in user has two-factor login")


async def _limit(rt: Runtime, actor: Actor) -> None:
    wait = await rt.limiter.hit("password_change", f"2fa:{actor.id}")
    if wait:
        raise TooManyRequests(wait)


@router.get("/api/auth/2fa", response_model=TwoFactorStatus, summary="Your 2FA status (viewer)")
async def two_factor_status(rt: RuntimeDep, actor: ViewerActor) -> Response:
    _session_user(actor)
    return json_response(await rt.db.read(service.status, actor.id))


@router.post(
    "/api/auth/2fa/setup",
    response_model=TwoFactorSetup,
    summary="Start 2FA enrolment: secret, otpauth URI and QR code (viewer, local users)",
)
async def two_factor_setup(rt: RuntimeDep, actor: ViewerActor) -> Response:
    """Not active until confirmed with `/api/auth/2fa/enable`; calling it again restarts."""
    _session_user(actor)
    box = secret_box(rt.settings)
    return json_response(await rt.db.write(service.begin_setup, actor, box))


@router.post(
    "/api/auth/2fa/enable",
    response_model=TwoFactorEnabled,
    summary="Confirm enrolment with a code; returns ten recovery codes once (viewer)",
)
async def two_factor_enable(
    body: TwoFactorEnableIn, rt: RuntimeDep, actor: ViewerActor
) -> Response:
    _session_user(actor)
    await _limit(rt, actor)
    codes = await rt.db.write(service.enable, actor, secret_box(rt.settings), body.code)
    if codes is None:
        raise BadRequest("Invalid two-factor code")
    return json_response({"enabled": True, "recovery_codes": codes})


@router.post(
    "/api/auth/2fa/disable",
    response_model=TwoFactorStatus,
    summary="Turn 2FA off with your password and a code or recovery code (viewer)",
)
async def two_factor_disable(
    body: TwoFactorDisableIn, rt: RuntimeDep, actor: ViewerActor
) -> Response:
    _session_user(actor)
    await _limit(rt, actor)
    user = await rt.db.read(find_by_id, actor.id)
    if user is None or not user["password_hash"]:
        raise BadRequest("This account has no local password")
    result = await rt.passwords.verify(user["password_hash"], body.password)
    if not result.ok:
        raise Unauthorized("Current password is incorrect")
    if not await rt.db.write(service.disable, actor, secret_box(rt.settings), body.code):
        raise Unauthorized("Invalid two-factor code")
    return json_response(await rt.db.read(service.status, actor.id))
