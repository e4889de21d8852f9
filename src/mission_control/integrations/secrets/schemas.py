"""Request and response models of /api/integrations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

ENV_VAR_PATTERN = r"^[A-Z][A-Z0-9_]{1,127}$"

EnvVar = Annotated[str, Field(pattern=ENV_VAR_PATTERN, description="Environment variable name.")]
OpName = Annotated[str, Field(min_length=1, max_length=200)]


class Integration(BaseModel):
    env_var: str
    label: str
    category: str
    source: Literal["stored", "1password", "env", "unset"] = Field(
        description="Where the value in use comes from: a stored value wins over the environment."
    )
    configured: bool
    redacted: str | None = Field(description="`••••` and the last 4 characters, never more.")
    readable: bool = Field(description="False when a stored value cannot be decrypted.")
    env_set: bool = Field(description="The process environment also has this variable.")
    op_item: str | None = Field(description="1Password item it was pulled from.")
    updated_by: str | None
    updated_at: int | None


class OnePasswordStatus(BaseModel):
    vault: str
    binary: str | None = Field(description="The `op` found (MC_OP_BIN or PATH), if any.")
    available: bool
    service_account: bool = Field(description="OP_SERVICE_ACCOUNT_TOKEN is configured.")
    timeout_s: float


class IntegrationList(BaseModel):
    integrations: list[Integration]
    onepassword: OnePasswordStatus


class IntegrationEnvelope(BaseModel):
    integration: Integration


class IntegrationUpdate(BaseModel):
    """Store a value (encrypted), or remove the stored one with `value: null`."""

    model_config = ConfigDict(extra="forbid")
    env_var: EnvVar
    value: str | None = Field(max_length=16384)


class PullAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["pull"]
    env_var: EnvVar
    item: OpName | None = Field(
        None, description="1Password item (default: the one used before, else the env var name)."
    )
    field: Annotated[str, Field(pattern=r"^[A-Za-z0-9_. ]{1,64}$")] = "password"


class PullAllAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["pull-all"]


class CheckAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["test"]


IntegrationAction = Annotated[
    PullAction | PullAllAction | CheckAction, Field(discriminator="action")
]


class PullResult(BaseModel):
    integration: Integration
    pulled: bool


class PullAllResult(BaseModel):
    pulled: list[str]
    count: int


class CheckResult(BaseModel):
    ok: bool
    vault: dict[str, str] | None = None
    account: dict[str, str] | None = None
    error: str | None = None
    code: str | None = None
