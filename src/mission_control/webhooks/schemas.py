"""Request bodies of the webhook routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool


class WebhookCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1)
    events: list[str] | None = None
    generate_secret: StrictBool = True


class WebhookUpdate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    id: int
    name: str | None = Field(None, min_length=1, max_length=200)
    url: str | None = Field(None, min_length=1)
    events: list[str] | None = None
    enabled: bool | None = None
    regenerate_secret: StrictBool = False
    reset_circuit: StrictBool = False


class WebhookRef(BaseModel):
    id: int


class DeliveryRef(BaseModel):
    delivery_id: int
