"""Request and response models of /api/settings (documentation)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class SettingsUpdate(BaseModel):
    settings: dict[str, Any]


class SettingKey(BaseModel):
    key: str


class SettingOut(BaseModel):
    key: str
    value: str
    description: str
    category: str
    is_default: bool
    type: str
    default: str


class SettingsList(BaseModel):
    settings: list[SettingOut]
    grouped: dict[str, list[SettingOut]]


class SettingsUpdated(BaseModel):
    updated: list[str]
    count: int


class SettingReset(BaseModel):
    success: bool
    key: str
    reset: bool
    value: str
