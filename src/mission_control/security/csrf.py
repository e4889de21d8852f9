"""CSRF: state-changing requests must come from our own origin."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from mission_control.responses import error_response
from mission_control.security.network import split_host
from mission_control.security.security_events import SecuritySink
from mission_control.security.sessions import SESSION_COOKIE_NAMES, read_cookie

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_port(host_header: str, default_port: int) -> tuple[str, int]:
    host = split_host(host_header)
    port = default_port
    raw = host_header.strip().lower()
    tail = raw.rsplit("]", 1)[-1] if raw.startswith("[") else raw
    if ":" in tail:
        try:
            port = int(tail.rsplit(":", 1)[1])
        except ValueError:
            port = -1
    return host, port


def origin_matches(origin: str, request_host: str) -> bool:
    parts = urlsplit(origin)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return False
    try:
        origin_port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return False
    origin_host = parts.hostname.lower().rstrip(".")
    host, port = _host_port(request_host, DEFAULT_PORTS[parts.scheme])
    return (origin_host, origin_port) == (host, port)


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, *, sink: SecuritySink) -> None:
        self.app = app
        self.sink = sink

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        state = scope["state"]
        headers: dict[str, str] = state["headers"]
        origin = headers.get("origin")
        reason = None
        if origin is not None:
            if origin.strip().lower() == "null":
                reason = "null origin"
            elif not origin_matches(origin, state.get("host", "")):
                reason = "origin mismatch"
        cross_site = headers.get("sec-fetch-site") == "cross-site"
        if reason is None and cross_site and read_cookie(headers, SESSION_COOKIE_NAMES):
            reason = "cross-site fetch with session cookie"
        if reason is None:
            await self.app(scope, receive, send)
            return
        await self.sink.report(
            "csrf_denied",
            state.get("client_ip", ""),
            severity="warning",
            detail={"reason": reason, "origin": (origin or "")[:200], "path": scope["path"][:200]},
        )
        response = error_response(403, "CSRF origin mismatch")
        await response(scope, receive, send)
