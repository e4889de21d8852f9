"""Setting and clearing the session cookie on a response; the device cookie of a login."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mission_control.security.device_cookie import device_cookie_header, device_username, seal
from mission_control.security.secretbox import secret_box
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


def login_device(request: Request, settings: Settings) -> tuple[str, str] | None:
    """The request's device cookie, when valid: its username and throttle key."""
    return device_username(secret_box(settings), dict(request.headers))


def set_device_cookie(response: Response, settings: Settings, username: str) -> None:
    """A fresh device cookie for the user who just signed in with their password."""
    note = seal(secret_box(settings), username)
    response.headers.append("Set-Cookie", device_cookie_header(note, secure=settings.cookie_secure))
