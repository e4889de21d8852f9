"""Request models of the notifications API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_IDS = 500


class IdList(BaseModel):
    """Ids arrive as numbers or numeric strings; both validate as integers."""

    model_config = ConfigDict(extra="ignore")
    ids: list[int] = Field(min_length=1, max_length=MAX_IDS)


class MarkRead(BaseModel):
    model_config = ConfigDict(extra="ignore")
    ids: list[int] | None = Field(None, min_length=1, max_length=MAX_IDS)
    recipient: str | None = Field(None, min_length=1, max_length=200)
    markAllRead: bool = False


class NotificationAction(BaseModel):
    model_config = ConfigDict(extra="ignore")
    action: str = Field(max_length=64)
    agent: str | None = Field(None, max_length=200)
