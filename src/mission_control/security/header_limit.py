"""Refuses requests whose headers are too large or too many (431) before any other work.

The HTTP parser uvicorn uses by default (httptools) sets no limit of its own, so without
this a client could make every later layer (identity, audit, logging) handle megabytes of
headers."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from mission_control.responses import error_response

MAX_HEADER_BYTES = 32 * 1024
MAX_HEADER_COUNT = 100


class HeaderLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int = MAX_HEADER_BYTES,
        max_count: int = MAX_HEADER_COUNT,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_count = max_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = scope["headers"]
            size = sum(len(name) + len(value) + 4 for name, value in headers)
            if len(headers) > self.max_count or size > self.max_bytes:
                if scope["type"] == "http":
                    response = error_response(431, "Request headers too large")
                    await response(scope, receive, send)
                else:
                    await send({"type": "websocket.close", "code": 1009})
                return
        await self.app(scope, receive, send)
