"""Request and response models of the two-factor routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TwoFactorStatus(BaseModel):
    enabled: bool
    pending_setup: bool
    recovery_codes_remaining: int


class TwoFactorSetup(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str


class TwoFactorEnableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64)


class TwoFactorEnabled(BaseModel):
    enabled: bool
    recovery_codes: list[str]


class TwoFactorDisableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=1, max_length=1024)
    code: str = Field(min_length=1, max_length=64)
