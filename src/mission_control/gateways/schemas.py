"""Request and response models of the gateways API. Tokens go in; they never come out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TOKEN = 4096


def _clean_token(value: str | None) -> str | None:
    if value is None:
        return None
    if any(c in value for c in "\r\n\x00"):
        raise ValueError("the token must not contain newlines or NUL characters")
    return value.strip()


def _clean_url(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError("the URL must not contain spaces or control characters")
    return value


class GatewayCreate(BaseModel):
    """Register a gateway; `verify` connects first and saves only when the handshake works."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=500, description="ws:// or wss:// URL")
    token: str | None = Field(None, max_length=MAX_TOKEN, description="Stored encrypted")
    is_primary: bool = False
    verify: bool = False

    _token = field_validator("token")(_clean_token)
    _url = field_validator("url")(_clean_url)


class GatewayPatch(BaseModel):
    """Partial update; `token: null` (or "") removes the stored token."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=100)
    url: str | None = Field(None, min_length=1, max_length=500)
    token: str | None = Field(None, max_length=MAX_TOKEN)
    is_primary: bool | None = None

    _token = field_validator("token")(_clean_token)
    _url = field_validator("url")(_clean_url)


class GatewayRef(BaseModel):
    id: int


class Success(BaseModel):
    success: bool


class GatewayOut(BaseModel):
    id: int | None = Field(description="null for the gateway configured in the environment")
    name: str
    url: str
    source: Literal["stored", "env"]
    is_primary: bool
    status: str
    last_error: str | None = None
    last_seen: int | None = None
    has_token: bool
    has_device_token: bool
    created_at: int | None = None
    updated_at: int | None = None


class GatewayEnvelope(BaseModel):
    gateway: GatewayOut


class GatewayList(BaseModel):
    gateways: list[GatewayOut]
    total: int


class ProbeResult(BaseModel):
    id: int | None
    name: str
    url: str
    status: Literal["online", "offline", "error"]
    latency_ms: int | None = None
    server_version: str | None = None
    protocol: int | None = None
    auth_method: str | None = None
    error: str | None = None
    code: str | None = None
    guidance: str | None = None


class HealthReport(BaseModel):
    results: list[ProbeResult]
    summary: dict[str, int]
    checked_at: int


class SessionList(BaseModel):
    gateway: str = Field(description="The gateway's name")
    sessions: list[dict[str, Any]]
    count: int
    total: int | None = None
    has_more: bool = False


class GatewayAgentList(BaseModel):
    gateway: str
    agents: list[dict[str, Any]]
    default_id: str | None = None
