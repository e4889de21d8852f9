"""Request and response models of the Google sign-in and access request routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mission_control.auth.schemas import UserRecord


class GoogleCredential(BaseModel):
    credential: str = Field(description="A Google ID token from Google Identity Services")


class AccessRequestOut(BaseModel):
    id: int
    email: str
    provider: str
    display_name: str | None
    avatar_url: str | None
    status: Literal["pending", "approved", "rejected"]
    attempt_count: int
    last_attempt_at: int | None
    reviewed_by: str | None
    reviewed_at: int | None
    note: str | None
    approved_role: str | None
    user_id: int | None
    created_at: int


class AccessRequestList(BaseModel):
    requests: list[AccessRequestOut]
    total: int
    limit: int
    offset: int


class AccessRequestReview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: int = Field(ge=1)
    action: Literal["approve", "reject"]
    role: Literal["viewer", "operator", "admin"] = "viewer"
    note: str | None = Field(None, max_length=1000)


class AccessRequestReviewed(BaseModel):
    request: AccessRequestOut
    user: UserRecord | None = Field(description="The approved user; null after a rejection")
