"""Authentication gate: every non-public `/api/*` path needs an actor; general rate limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from mission_control.responses import error_response

if TYPE_CHECKING:
    from mission_control.runtime import Runtime

PUBLIC_API_PATHS = frozenset(
    {
        "/api/auth/login",
        "/api/auth/logout",
        "/api/auth/google",
        "/api/setup",
        "/api/health",
        "/health",
        "/api/docs",
    }
)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_public(path: str, query_string: bytes) -> bool:
    if path in PUBLIC_API_PATHS or not path.startswith("/api/"):
        return True
    return path == "/api/status" and query_string.decode("latin-1") == "action=health"


class AuthGateMiddleware:
    def __init__(self, app: ASGIApp, *, runtime: Runtime) -> None:
        self.app = app
        self.rt = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope["state"]
        headers = state["headers"]
        ip = state.get("client_ip", "")
        resolution = await self.rt.identity.resolve(
            headers, ip, headers.get("user-agent", "")[:512]
        )
        path = scope["path"]
        public = is_public(path, scope.get("query_string", b""))
        state["actor"] = resolution.actor
        if public:
            await self.app(scope, receive, send)
            return
        if resolution.invalid or not resolution.actor.is_authenticated:
            if resolution.invalid:
                await self.rt.security.report(
                    "auth_failure", ip, detail={"reason": "invalid credential", "path": path[:200]}
                )
            await error_response(401, "Authentication required")(scope, receive, send)
            return
        bucket = "read" if scope["method"] in READ_METHODS else "mutation"
        wait = await self.rt.limiter.hit(bucket, ip)
        if wait:
            await self.rt.security.report("rate_limit_hit", ip, detail={"bucket": bucket})
            await error_response(
                429, "Too many requests", headers={"Retry-After": str(wait)}, retry_after=wait
            )(scope, receive, send)
            return
        await self.app(scope, receive, send)
