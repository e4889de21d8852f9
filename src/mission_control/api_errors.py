"""Maps every error to the one JSON shape `{"error": ...}`, and says so in OpenAPI; never a
stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from pydantic.json_schema import SkipJsonSchema
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


class ErrorOut(BaseModel):
    """Every refusal and failure. Some carry more keys about the refusal (e.g.
    `unknown_agents`, `missing_mentions`, `guidance`)."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(description="What went wrong, safe to show")
    details: list[str] | SkipJsonSchema[None] = Field(
        None, description="With `Validation failed`: one `field: message` per invalid field"
    )
    code: str | SkipJsonSchema[None] = Field(
        None, description="A stable code where a client acts on it, e.g. `OTP_REQUIRED`"
    )
    retry_after: int | SkipJsonSchema[None] = Field(
        None, description="With 429: seconds to wait, as in the `Retry-After` header"
    )


_BAD_INPUT = (
    "Bad input: a missing, malformed or out-of-range parameter or body field "
    "(`Validation failed` with `details`, or `Invalid request body` when it is not JSON)"
)
_REFUSED = (
    "Refused in the same shape: 401 not authenticated, 403 not allowed, 404 not found, "
    "409 conflict, 413 too large, 429 rate limited (see the operation's text)"
)
_FAILED = "Failed in the same shape: 500 unexpected, 503 a dependency is unavailable"

# For a route that reads its query parameters by hand: FastAPI sees no parameter, so
# `document_errors` cannot tell that bad input gets a 400.
BAD_INPUT: dict[int | str, dict[str, Any]] = {400: {"model": ErrorOut, "description": _BAD_INPUT}}


def document_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document says what the handlers below do: bad input is a 400 (FastAPI
    would document a 422 it never sends) and every error has the `ErrorOut` shape."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.setdefault("ErrorOut", ErrorOut.model_json_schema())
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            if operation.get("parameters") or operation.get("requestBody"):
                responses.setdefault("400", {"description": _BAD_INPUT})
            responses.setdefault("4XX", {"description": _REFUSED})
            responses.setdefault("5XX", {"description": _FAILED})
            for status, answer in responses.items():
                if status[0] in "45" and not answer.get("content"):
                    answer["content"] = {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
                    }
    return spec


def _document_errors_of(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


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
    _document_errors_of(app)

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
