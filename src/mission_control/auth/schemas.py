"""Request and response models of the auth routes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    provider: str
    email: str | None
    avatar_url: str | None
    workspace_id: int
    tenant_id: int


class UserRecord(UserOut):
    """A user account as the user management and access request routes show it."""

    is_approved: bool
    disabled: bool
    two_factor_enabled: bool
    last_login_at: int | None
    created_at: int


class KeyCallerOut(UserOut):
    """The caller of `GET /api/auth/me` when it is an API key that belongs to no user: the
    global key (`provider` `global_key`) or an agent's key (`agent_key`)."""

    provider: Literal["global_key", "agent_key"]
    email: None
    avatar_url: None
    agent_name: str | None = Field(description="The agent an agent key belongs to; else null")
    scopes: list[str] = Field(description="An agent key's scopes, sorted; else empty")


class UserEnvelope(BaseModel):
    user: UserRecord


class MeOut(BaseModel):
    user: UserRecord | KeyCallerOut = Field(
        description="The user behind the session or personal key; for another API key, the key"
    )


class LoginIn(BaseModel):
    username: str
    password: str
    otp: str | None = Field(None, description="The two-factor code, when two-factor login is on")


class SetupIn(BaseModel):
    username: str
    password: str
    display_name: str | None = None


class SetupStatus(BaseModel):
    needsSetup: bool


class MePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(None, min_length=1, max_length=200)
    current_password: str | None = None
    new_password: str | None = None


class SessionOut(BaseModel):
    id: int
    id_prefix: str
    ip_address: str | None
    user_agent: str | None
    created_at: int
    last_seen_at: int
    expires_at: int
    current: bool


class UserSessionList(BaseModel):
    sessions: list[SessionOut]


class SessionsRevoked(BaseModel):
    success: bool
    revoked: int


class SessionRevoke(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int | None = None
    all: bool = False


PERSONAL_KEY_DEFAULT_DAYS = 90
PERSONAL_KEY_MAX_DAYS = 3650


class PersonalKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    role: Literal["viewer", "operator", "admin"] | None = None
    expires_in_days: int = Field(
        PERSONAL_KEY_DEFAULT_DAYS,
        ge=1,
        le=PERSONAL_KEY_MAX_DAYS,
        description="Every personal key expires; 90 days when not given.",
    )


class PersonalKeyRevoke(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int


class OkOut(BaseModel):
    ok: bool


class PersonalKeyOut(BaseModel):
    id: int
    name: str
    key_prefix: str
    role: Literal["viewer", "operator", "admin"]
    expires_at: int | None
    revoked_at: int | None
    last_used_at: int | None
    created_at: int


class PersonalKeyList(BaseModel):
    keys: list[PersonalKeyOut]


class PersonalKeyCreated(BaseModel):
    key: PersonalKeyOut
    api_key: str = Field(description="The `mcu_` key; shown only in this answer")


class PersonalKeyRevoked(BaseModel):
    success: bool
    id: int
    revoked_at: int


def user_body(user: dict[str, Any]) -> dict[str, Any]:
    return {"user": user}
