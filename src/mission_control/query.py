"""Reading integer and flag query parameters with a clear 400 on bad input."""

from __future__ import annotations

from mission_control.errors import BadRequest


def int_param(
    raw: str | None,
    name: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """`raw` as an integer within bounds; None/empty gives `default`; anything else is a 400."""
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if maximum is None:
            raise BadRequest(f"{name} must be at least {minimum}")
        if minimum is None:
            raise BadRequest(f"{name} must be at most {maximum}")
        raise BadRequest(f"{name} must be between {minimum} and {maximum}")
    return value


def flag_param(raw: str | None) -> bool:
    return raw is not None and raw.strip().lower() in {"1", "true", "yes", "on"}
