"""Response models of /api/tokens/rotate (documentation; the routes answer with orjson)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class GlobalKeyStatus(BaseModel):
    source: Literal["rotated", "env", "none"] = Field(
        description="`rotated`: set by a rotation; `env`: API_KEY from the environment"
    )
    configured: bool
    rotated_at: int | None
    rotated_by: str | None


class RotatedKey(BaseModel):
    api_key: str = Field(description="The new key; shown only in this answer")
    key_prefix: str
    message: str
