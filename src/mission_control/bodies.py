"""Reading JSON bodies by hand where the contract wants its own messages."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from pydantic import BaseModel, model_validator

from mission_control.errors import BadRequest

# Row ids are INTEGER columns; a larger number can name no row and would overflow the driver.
ROW_ID_MAX = 2**31 - 1
# Unix-second fields: BIGINT columns, kept within what a JSON number carries exactly.
UNIX_S_MAX = 2**53


def nul_path(value: Any, path: str = "") -> str | None:
    """Where a NUL character hides in a JSON value, or None (PostgreSQL text cannot hold one)."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found = nul_path(str(key), where) or nul_path(item, where)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_path(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


class TextBody(BaseModel):
    """A request body whose text may hold anything but NUL, on SQLite and PostgreSQL alike."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        where = nul_path(data)
        if where is not None:
            raise ValueError(f"{where} must not contain NUL characters")
        return data


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
