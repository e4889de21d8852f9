"""List paging: `limit` clamped to 1..cap (never unlimited), `offset` at least 0."""

from __future__ import annotations

from typing import Any

from mission_control.errors import BadRequest
from mission_control.query import hand_param

CAPS = {
    "tasks": 200,
    "agents": 200,
    "activities": 500,
    "notifications": 500,
    "search": 100,
    "audit": 10000,
    "workflows": 500,
    "pipelines": 500,
    "pipeline_runs": 200,
    "token_usage": 10000,
    "logs": 200,
    "users": 500,
    "access_requests": 500,
}
DEFAULT_LIMIT = 50
# Past every row there is only an empty page; a bigger number would overflow the driver.
MAX_OFFSET = 2**31 - 1


def clamp_limit(raw: str | int | None, cap: int, default: int = DEFAULT_LIMIT) -> int:
    if raw is None or raw == "":
        return min(default, cap)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise BadRequest("limit must be an integer") from None
    return max(1, min(cap, value))


def clamp_offset(raw: str | int | None) -> int:
    if raw is None or raw == "":
        return 0
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise BadRequest("offset must be an integer") from None
    return max(0, min(MAX_OFFSET, value))


def page_params(cap: int, default: int = DEFAULT_LIMIT) -> tuple[dict[str, Any], dict[str, Any]]:
    """OpenAPI entries of `limit` and `offset` as `clamp_limit` and `clamp_offset` read them."""
    return (
        hand_param(
            "limit",
            f"Page size; clamped to 1..{cap}",
            type="integer",
            minimum=1,
            maximum=cap,
            default=min(default, cap),
        ),
        hand_param(
            "offset",
            f"Rows to skip; clamped to 0..{MAX_OFFSET}",
            type="integer",
            minimum=0,
            maximum=MAX_OFFSET,
            default=0,
        ),
    )


def page_number(limit: int, offset: int) -> int:
    return offset // limit + 1
