"""Works out the real client IP and host, believing forwarding headers only from trusted proxies."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from mission_control.security.network import IPNetwork, client_ip, is_trusted


def header_map(scope: Scope) -> dict[str, str]:
    """Request headers, lower-cased names; the first value wins for repeated names."""
    result: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").lower()
        if name not in result:
            result[name] = raw_value.decode("latin-1")
    return result


class ClientIPMiddleware:
    def __init__(self, app: ASGIApp, *, trusted: list[IPNetwork]) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = header_map(scope)
        peer = scope["client"][0] if scope.get("client") else ""
        state = scope.setdefault("state", {})
        state["headers"] = headers
        state["client_ip"] = client_ip(peer, headers, self.trusted)
        host = headers.get("host", "")
        if self.trusted and is_trusted(peer, self.trusted) and headers.get("x-forwarded-host"):
            host = headers["x-forwarded-host"].split(",")[0].strip()
        state["host"] = host
        await self.app(scope, receive, send)
