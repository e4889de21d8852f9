"""Reading JSON bodies by hand where the contract wants its own messages."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from pydantic import BaseModel

from mission_control.errors import BadRequest


async def json_object(
    request: Request, *, required: bool = True, missing_message: str = "Request body required"
) -> dict[str, Any]:
    """The body as a JSON object; 400 `Invalid request body` when it is not one."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise BadRequest(missing_message)
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequest("Invalid request body") from None
    if not isinstance(data, dict):
        raise BadRequest("Invalid request body")
    return data


def str_field(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) else None


def documented_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its JSON body by hand (for its own messages,
    e.g. `body required`), so OpenAPI still shows the body's model."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }
