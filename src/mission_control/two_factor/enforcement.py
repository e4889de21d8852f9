"""MC_REQUIRE_2FA_FOR_ADMINS: a local admin without 2FA may only enrol, see themselves, or log
out. Google accounts are exempt: they sign in only through Google, which holds their second
factor, and TOTP enrolment is for local accounts."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from mission_control.responses import error_response

ENROLMENT_PATHS = frozenset(
    {
        "/api/auth/2fa",
        "/api/auth/2fa/setup",
        "/api/auth/2fa/enable",
        "/api/auth/me",
        "/api/auth/logout",
    }
)


class AdminTwoFactorMiddleware:
    """Runs after the authentication gate, which put the actor in `scope["state"]`. A personal
    key of such an admin is held back too: it would otherwise be a way around enrolment.
    Only local accounts are held: they are the ones that can enrol (see `begin_setup`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            actor = scope["state"].get("actor")
            if (
                path.startswith("/api/")
                and path not in ENROLMENT_PATHS
                and actor is not None
                and actor.person_id is not None
                and actor.role == "admin"
                and actor.user is not None
                and actor.user.get("provider") == "local"
                and not actor.user.get("two_factor_enabled")
            ):
                response = error_response(
                    403,
                    "Admins must set up two-factor login first",
                    code="2FA_ENROLLMENT_REQUIRED",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
