"""Maps every error to the one JSON shape `{"error": ...}`; never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

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
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
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
