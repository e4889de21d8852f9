"""Request and response models of the user management API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mission_control.auth.schemas import UserRecord


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1)
    display_name: str | None = Field(None, max_length=200)
    role: Literal["viewer", "operator", "admin"] = "operator"
    email: str | None = Field(None, max_length=320)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int
    display_name: str | None = Field(None, min_length=1, max_length=200)
    role: Literal["viewer", "operator", "admin"] | None = None
    password: str | None = None
    is_approved: bool | None = None
    email: str | None = Field(None, max_length=320)
    disabled: bool | None = None


class UserDelete(BaseModel):
    id: int


class UserList(BaseModel):
    users: list[UserRecord]
    total: int
    limit: int
    offset: int


class UserSessionsRevoke(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int


class UserDeleted(BaseModel):
    success: bool
