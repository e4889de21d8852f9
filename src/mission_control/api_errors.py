"""Maps every error to the one JSON shape `{"error": ...}`; never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mission_control.errors import AppError, TooManyRequests
from mission_control.responses import error_response

log = logging.getLogger("mission_control.errors")

_STATUS_MESSAGES = {
    404: "Not found",
    405: "Method not allowed",
    401: "Authentication required",
    413: "Request body too large",
}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_details(errors: list[dict[str, Any]]) -> list[str] | None:
    """`["field: message", ...]`, or None when the body itself was not JSON."""
    details = []
    for error in errors:
        if error.get("type") == "json_invalid":
            return None
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        details.append(f"{_field(tuple(error.get('loc', ())))}: {message}")
    return details


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(_request: Request, exc: AppError) -> Response:
        headers = (
            {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        )
        return error_response(exc.status, exc.message, headers=headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> Response:
        details = validation_details(list(exc.errors()))
        if details is None:
            return error_response(400, "Invalid request body")
        return error_response(400, "Validation failed", details=details)

    @app.exception_handler(PydanticValidationError)
    async def invalid_model(_request: Request, exc: PydanticValidationError) -> Response:
        details = validation_details(list(exc.errors()))  # type: ignore[arg-type]
        return error_response(400, "Validation failed", details=details or [])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and not request.url.path.startswith(("/api/", "/static/")):
            from mission_control.web.routes import page_not_found

            return page_not_found(request)
        message = _STATUS_MESSAGES.get(exc.status_code)
        if message is None:
            message = exc.detail if isinstance(exc.detail, str) else "Request failed"
        return error_response(
            exc.status_code, message, headers=dict(exc.headers) if exc.headers else None
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal server error")


class ErrorBoundaryMiddleware:
    """Turns an exception escaping the inner layers into the JSON error shape.

    Starlette answers unhandled exceptions in its outermost layer, outside our own
    middlewares, so that answer would lack the security headers and the request id.
    This boundary sits just inside the headers middleware and answers first.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception as exc:
            if isinstance(exc, AppError):
                headers = (
                    {"Retry-After": str(exc.retry_after)}
                    if isinstance(exc, TooManyRequests)
                    else None
                )
                response = error_response(exc.status, exc.message, headers=headers, **exc.extra)
            else:
                log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
                response = error_response(500, "Internal server error")
            if started:
                raise  # too late for an answer; let the server close the connection
            await response(scope, receive, send)
