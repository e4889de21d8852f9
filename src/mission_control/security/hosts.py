"""Host allowlist: default-deny in production, off elsewhere or with MC_ALLOW_ANY_HOST."""

from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from mission_control.security.network import host_allowed, split_host
from mission_control.security.security_events import SecuritySink


class HostAllowlistMiddleware:
    def __init__(
        self, app: ASGIApp, *, enforce: bool, patterns: list[str], sink: SecuritySink
    ) -> None:
        self.app = app
        self.enforce = enforce
        self.patterns = patterns
        self.sink = sink

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enforce or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope["state"]
        host = split_host(state.get("host", ""))
        if host_allowed(host, self.patterns):
            await self.app(scope, receive, send)
            return
        await self.sink.report(
            "host_denied",
            state.get("client_ip", ""),
            severity="warning",
            detail={"host": host[:200], "path": scope["path"][:200]},
            audit_action="host_denied",
        )
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await PlainTextResponse("Forbidden", status_code=403)(scope, receive, send)
