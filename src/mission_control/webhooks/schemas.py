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


class WebhookOut(BaseModel):
    """A webhook as listed: the secret masked (`••••••` + last 4), health and counts."""

    id: int
    name: str
    url: str
    secret: str | None
    events: list[str]
    enabled: bool
    consecutive_failures: int
    last_fired_at: int | None
    last_status: int | None
    created_by: str | None
    created_at: int
    updated_at: int
    circuit_open: bool
    total_deliveries: int
    successful_deliveries: int
    failed_deliveries: int


class WebhookList(BaseModel):
    webhooks: list[WebhookOut]


class WebhookCreated(BaseModel):
    """The new webhook; `secret` is shown in full this once (null when not generated)."""

    id: int
    name: str
    url: str
    secret: str | None
    events: list[str]
    enabled: bool
    message: str


class WebhookUpdated(BaseModel):
    success: bool
    secret: str | None = Field(None, description="The new secret, when regenerated")


class WebhookDeleted(BaseModel):
    success: bool
    deleted: int


class DeliveryOut(BaseModel):
    id: int
    webhook_id: int
    webhook_name: str
    webhook_url: str
    delivery_uid: str
    event_type: str
    payload: str
    state: str = Field(description="pending, sending, success, failed or cancelled")
    status_code: int | None
    response_body: str | None
    error: str | None
    duration_ms: int | None
    attempt: int
    next_retry_at: int | None
    is_retry: bool
    parent_delivery_id: int | None
    created_at: int


class DeliveryPage(BaseModel):
    deliveries: list[DeliveryOut]
    total: int
    limit: int
    offset: int


class SendResult(BaseModel):
    """What the receiver answered to a test or a manual retry."""

    success: bool
    status_code: int | None
    response_body: str | None
    error: str | None
    duration_ms: int
    delivery_id: int


class VerifyDocs(BaseModel):
    algorithm: str
    body: str
    headers: dict[str, str]
    signature_format: str
    timestamped_signature_format: str
    instructions: list[str]
    examples: dict[str, str]
