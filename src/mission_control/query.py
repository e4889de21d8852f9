"""Reading integer and flag query parameters with a clear 400 on bad input, and documenting
in OpenAPI the parameters a handler reads by hand."""

from __future__ import annotations

from typing import Any

from mission_control.errors import BadRequest

# What `flag_param` takes for "on" (case and surrounding blanks ignored); anything else is off.
FLAG_ON = ("1", "true", "yes", "on")


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
    return raw is not None and raw.strip().lower() in FLAG_ON


def hand_param(
    name: str,
    description: str,
    *,
    where: str = "query",
    required: bool = False,
    style: str | None = None,
    **schema: Any,
) -> dict[str, Any]:
    """One OpenAPI parameter that a handler reads by hand from `request.query_params` (or its
    headers): `schema` holds the type, enum, bounds and default the handler enforces; with
    no `type` it is a string."""
    param: dict[str, Any] = {
        "name": name,
        "in": where,
        "required": required,
        "description": description,
        "schema": {"type": "string", **schema},
    }
    if style is not None:
        param["style"] = style
        param["explode"] = False
    return param


def list_param(name: str, description: str, items: dict[str, Any], **schema: Any) -> dict[str, Any]:
    """A comma-separated list in one query parameter (`?name=a,b`), as the handler splits it."""
    return hand_param(name, description, style="form", type="array", items=items, **schema)


def flag_param_doc(name: str, description: str, on: tuple[str, ...] = FLAG_ON) -> dict[str, Any]:
    """A flag read by hand: on for any of `on` (any case), off otherwise or when absent."""
    return hand_param(name, f"{description} (on: {', '.join(on)})", type="boolean", default=False)


def documented_params(*params: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its query parameters or headers by hand (for
    speed or custom parsing), so its OpenAPI entry still lists them; FastAPI adds them to the
    parameters it declares itself (e.g. path parameters)."""
    return {"parameters": list(params)}
