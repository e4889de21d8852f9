"""Setting and clearing the session cookie on a response."""

from __future__ import annotations

from starlette.responses import Response

from mission_control.security.sessions import clear_cookie_headers, set_cookie_header
from mission_control.settings import Settings


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.headers.append(
        "Set-Cookie",
        set_cookie_header(
            token,
            secure=settings.cookie_secure,
            samesite=settings.cookie_samesite,
            max_age=settings.session_ttl_hours * 3600,
        ),
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    for header in clear_cookie_headers(
        secure=settings.cookie_secure, samesite=settings.cookie_samesite
    ):
        response.headers.append("Set-Cookie", header)
