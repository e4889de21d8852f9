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


class NotificationOut(BaseModel):
    id: int
    recipient: str
    type: str
    title: str
    message: str | None
    source_type: str | None
    source_id: int | None
    read_at: int | None
    delivered_at: int | None
    workspace_id: int
    created_at: int


class NotificationList(BaseModel):
    notifications: list[NotificationOut]
    total: int
    page: int
    limit: int
    unreadCount: int


class MarkedRead(BaseModel):
    success: bool
    markedAsRead: int


class Delivered(BaseModel):
    success: bool
    delivered: int
    notifications: list[NotificationOut]


class Deleted(BaseModel):
    success: bool
    deleted: int
