"""Security headers on every response; a nonce-based CSP on HTML pages."""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS_VALUE = "max-age=31536000; includeSubDomains"
GOOGLE_SCRIPT = "https://accounts.google.com/gsi/client"
GOOGLE_ORIGIN = "https://accounts.google.com"


def content_security_policy(nonce: str, *, google: bool) -> str:
    script = f"'self' 'nonce-{nonce}'" + (f" {GOOGLE_SCRIPT}" if google else "")
    style = f"'self' 'nonce-{nonce}'" + (f" {GOOGLE_ORIGIN}/gsi/style" if google else "")
    frame = f"; frame-src {GOOGLE_ORIGIN}/gsi/" if google else ""
    connect = "'self'" + (f" {GOOGLE_ORIGIN}/gsi/" if google else "")
    return (
        f"default-src 'self'; script-src {script}; style-src {style}; img-src 'self' data:; "
        f"connect-src {connect}; frame-ancestors 'none'; base-uri 'self'; "
        f"form-action 'self'; object-src 'none'{frame}"
    )


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool, google: bool) -> None:
        self.app = app
        self.hsts = hsts
        self.google = google

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        is_api = scope["path"].startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in STATIC_HEADERS:
                    headers[name] = value
                if self.hsts:
                    headers["Strict-Transport-Security"] = HSTS_VALUE
                content_type = headers.get("content-type", "")
                if content_type.startswith("text/html"):
                    headers["Content-Security-Policy"] = content_security_policy(
                        nonce, google=self.google
                    )
                if is_api and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
