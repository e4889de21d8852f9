"""Domain errors raised by services and their one JSON shape: `{"error": ...}`."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """An error with an HTTP status and a message that is safe to show."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.message, **self.extra}


class BadRequest(AppError):
    status = 400


class ValidationFailed(AppError):
    status = 400

    def __init__(self, details: list[str]) -> None:
        super().__init__("Validation failed", details=details)


class Unauthorized(AppError):
    status = 401


class Forbidden(AppError):
    status = 403


class NotFound(AppError):
    status = 404


class Conflict(AppError):
    status = 409


class PayloadTooLarge(AppError):
    status = 413


class TooManyRequests(AppError):
    status = 429

    def __init__(self, retry_after: int, message: str = "Too many requests") -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    status = 503
