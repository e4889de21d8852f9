"""Routes: /api/auth/google, /api/auth/google/disconnect and /api/auth/access-requests."""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from mission_control.auth.cookies import set_session_cookie
from mission_control.auth.schemas import UserEnvelope
from mission_control.bodies import documented_body, json_object, str_field
from mission_control.deps import RuntimeDep
from mission_control.errors import (
    BadRequest,
    Forbidden,
    ServiceUnavailable,
    Unauthorized,
)
from mission_control.google_auth import service
from mission_control.google_auth.schemas import (
    AccessRequestList,
    AccessRequestReview,
    AccessRequestReviewed,
    GoogleCredential,
)
from mission_control.integrations.google import (
    GoogleKeysUnavailable,
    GoogleTokenError,
    GoogleVerifier,
    JWKSCache,
    claimed_email,
)
from mission_control.pagination import CAPS, clamp_limit, clamp_offset, page_params
from mission_control.query import documented_params
from mission_control.responses import json_response
from mission_control.runtime import Runtime
from mission_control.security.identity import public_user
from mission_control.security.login_throttle import LoginAttempt, LoginThrottle
from mission_control.security.ratelimit import limit_identity_change
from mission_control.security.rbac import AdminActor, ViewerActor, current_actor

router = APIRouter(tags=["google"])


def google_verifier(request: Request, rt: Runtime) -> GoogleVerifier:
    """One verifier (and JWKS cache) per app, built on first use."""
    verifier: GoogleVerifier | None = getattr(request.app.state, "google_verifier", None)
    if verifier is None:
        settings = rt.settings
        verifier = GoogleVerifier(
            settings.google_client_id,
            JWKSCache(settings.google_jwks_url),
            [d.strip() for d in settings.google_allowed_domains.split(",") if d.strip()],
        )
        request.app.state.google_verifier = verifier
    return verifier


@router.post(
    "/api/auth/google",
    response_model=UserEnvelope,
    summary="Sign in with Google (public)",
    openapi_extra=documented_body(GoogleCredential),
)
async def google_login(request: Request, rt: RuntimeDep) -> Response:
    """`{credential}`: a Google ID token, verified locally. An approved Google user gets a
    session; anyone else gets an access request and 403 `PENDING_APPROVAL`."""
    if not rt.settings.google_enabled:
        raise BadRequest("Google sign-in is not configured")
    data = await json_object(request, missing_message="Google credential is required")
    credential = str_field(data, "credential")
    if not credential:
        raise BadRequest("Google credential is required")
    origin = current_actor(request)
    throttle = LoginThrottle(rt.limiter)
    attempt = LoginAttempt(throttle, rt.security, origin.ip)
    await attempt.reserve("login_ip", origin.ip)
    # Per account too (security.md 5b): keyed by the email the token claims, in a space of
    # its own so Google attempts never count against a local username.
    email = claimed_email(credential)
    account = f"google:{email}" if email else ""
    failed = False
    try:
        now = int(time.time())
        if account and not await rt.db.read(service.signed_in_from, email, origin.ip, now):
            await attempt.reserve("login_user", account)
        try:
            identity = await google_verifier(request, rt).verify(credential)
        except GoogleTokenError as exc:
            failed = True
            await rt.db.write(service.record_google_failure, origin, exc.reason)
            raise Unauthorized("Invalid Google credential") from None
        except GoogleKeysUnavailable as exc:
            await rt.db.write(service.record_google_failure, origin, exc.reason)
            raise ServiceUnavailable(
                "Google sign-in is unavailable right now; try again shortly",
                code="GOOGLE_UNAVAILABLE",
            ) from None
        ttl = rt.settings.session_ttl_hours * 3600
        outcome = await rt.db.write(service.resolve_google_login, identity, origin, ttl)
        if outcome.kind == "pending":
            raise Forbidden("Access request pending admin approval", code="PENDING_APPROVAL")
        if outcome.kind == "rejected":
            raise Forbidden("Access request was rejected", code="ACCESS_REJECTED")
        if outcome.kind == "disabled":
            failed = True
            raise Unauthorized("Invalid credentials")
    finally:
        await (attempt.fail() if failed else attempt.release())
    if account:
        await throttle.forgive("login_user", account)
    assert outcome.user is not None and outcome.token is not None
    response = json_response({"user": public_user(outcome.user)})
    set_session_cookie(response, rt.settings, outcome.token)
    return response


@router.post(
    "/api/auth/google/disconnect",
    response_model=UserEnvelope,
    summary="Turn your Google account into a local one (viewer, Google users with a password)",
)
async def google_disconnect(rt: RuntimeDep, actor: ViewerActor) -> Response:
    """Needs a local password set first; afterwards you log in with username and password."""
    if actor.kind != "user":
        raise BadRequest("Only a logged-in user can disconnect Google")
    user = await rt.db.write(service.disconnect_google, actor)
    return json_response({"user": public_user(user)})


@router.get(
    "/api/auth/access-requests",
    response_model=AccessRequestList,
    summary="Google access requests (admin)",
    openapi_extra=documented_params(*page_params(CAPS["access_requests"])),
)
async def list_access_requests(
    request: Request,
    rt: RuntimeDep,
    actor: AdminActor,
    status: Literal["pending", "approved", "rejected", "all"] = Query("pending"),
) -> Response:
    """`?status=pending|approved|rejected|all` (default pending), most recent attempt first,
    paged by `limit` and `offset` → `{requests, total, limit, offset}`."""
    limit = clamp_limit(request.query_params.get("limit"), CAPS["access_requests"])
    offset = clamp_offset(request.query_params.get("offset"))
    return json_response(await rt.db.read(service.list_requests, status, limit, offset))


@router.post(
    "/api/auth/access-requests",
    summary="Approve or reject an access request (admin)",
    responses={200: {"model": AccessRequestReviewed}},
)
async def review_access_request(
    body: AccessRequestReview, rt: RuntimeDep, actor: AdminActor
) -> Response:
    """`{request_id, action: approve|reject, role='viewer', note?}`. Approval creates a new
    Google user with that role; it never takes over a local account with the same email."""
    await limit_identity_change(rt.limiter, actor)
    note = body.note.strip() if body.note and body.note.strip() else None
    request, user = await rt.db.write(
        service.review_request, actor, body.request_id, body.action, body.role, note
    )
    return json_response({"request": request, "user": user})
