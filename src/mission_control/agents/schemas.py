"""Request and response models of the agents API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from mission_control.bodies import ROW_ID_MAX, TextBody

AgentStatus = Literal["offline", "idle", "busy", "sleeping", "error", "online"]
RegisterRole = Literal["coder", "reviewer", "tester", "devops", "researcher", "assistant", "agent"]
STATUSES: tuple[str, ...] = ("offline", "idle", "busy", "sleeping", "error", "online")
REGISTER_ROLES: tuple[str, ...] = (
    "coder",
    "reviewer",
    "tester",
    "devops",
    "researcher",
    "assistant",
    "agent",
)
MAX_TEXT_BYTES = 512 * 1024
MAX_EXPIRY_DAYS = 3650


class _Lenient(TextBody):
    # Existing agents send extra keys; they are ignored rather than refused.
    model_config = ConfigDict(extra="ignore")


class AgentCreate(_Lenient):
    name: str | None = Field(None, max_length=100)
    role: str | None = Field(None, max_length=100)
    status: AgentStatus = "offline"
    config: dict[str, Any] | None = None
    session_key: str | None = Field(None, max_length=200)
    soul_content: str | None = None
    runtime_type: str | None = Field(None, max_length=64)


class AgentChanges(_Lenient):
    """Fields an update may change; the ones sent are applied, `config` is merged."""

    role: str | None = Field(None, min_length=1, max_length=100)
    status: AgentStatus | None = None
    last_activity: str | None = Field(None, max_length=10_000)
    config: dict[str, Any] | None = None
    session_key: str | None = Field(None, max_length=200)
    soul_content: str | None = None
    runtime_type: str | None = Field(None, max_length=64)


class AgentUpdateByName(AgentChanges):
    name: str | None = Field(None, max_length=100)


class AgentRegister(_Lenient):
    name: str | None = Field(None, max_length=63)
    role: str = "agent"
    capabilities: list[str] | None = Field(None, max_length=100)
    framework: str | None = Field(None, max_length=100)

    @field_validator("capabilities")
    @classmethod
    def _short_capabilities(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(len(item) > 200 for item in value):
            raise ValueError("each capability is at most 200 characters")
        return value


class TokenUsageIn(TextBody):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    model: str = Field(min_length=1, max_length=128)
    input_tokens: StrictInt = Field(alias="inputTokens", ge=0, le=10**12)
    output_tokens: StrictInt = Field(alias="outputTokens", ge=0, le=10**12)
    task_id: StrictInt | None = Field(None, alias="taskId", ge=1, le=ROW_ID_MAX)


class HeartbeatIn(_Lenient):
    connection_id: str | None = Field(None, max_length=64)
    token_usage: TokenUsageIn | None = None


class SoulIn(TextBody):
    model_config = ConfigDict(extra="forbid")
    soul_content: str | None


class MemoryIn(TextBody):
    model_config = ConfigDict(extra="forbid")
    working_memory: str
    append: bool = False


class KeyCreate(TextBody):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=100)
    scopes: list[str] | None = Field(None, min_length=1, max_length=20)
    expires_in_days: StrictInt | None = Field(None, ge=1, le=MAX_EXPIRY_DAYS)
    expires_at: StrictInt | None = Field(None, ge=0, le=2**53)


class KeyRevoke(TextBody):
    key_id: int = Field(ge=1, le=ROW_ID_MAX)


class ConnectIn(TextBody):
    model_config = ConfigDict(extra="ignore")
    tool_name: str = Field(min_length=1, max_length=100)
    tool_version: str | None = Field(None, max_length=64)
    agent_name: str | None = Field(None, max_length=63)
    agent_role: str | None = Field(None, min_length=1, max_length=100)
    metadata: dict[str, Any] | None = None


class Disconnect(TextBody):
    connection_id: str = Field(min_length=1, max_length=64)


class AgentOut(BaseModel):
    """An agent as the API shows it."""

    id: int
    name: str
    role: str
    status: AgentStatus
    session_key: str | None
    last_seen: int | None
    last_activity: str | None
    config: dict[str, Any]
    runtime_type: str | None
    hidden: bool
    source: str
    workspace_id: int
    created_at: int
    updated_at: int
    soul_content: str | None = None
    working_memory: str | None = None


class TaskStats(BaseModel):
    total: int
    assigned: int
    in_progress: int
    quality_review: int
    done: int
    completed: int


class AgentListItem(AgentOut):
    taskStats: TaskStats


class AgentEnvelope(BaseModel):
    agent: AgentOut


class AgentList(BaseModel):
    agents: list[AgentListItem]
    total: int
    page: int
    limit: int


class RegisterOut(BaseModel):
    agent: AgentOut
    registered: bool
    message: str


class WorkItems(BaseModel):
    type: str
    count: int
    items: list[dict[str, Any]]


class HeartbeatOut(BaseModel):
    status: Literal["HEARTBEAT_OK", "WORK_ITEMS_FOUND"]
    agent: str
    checked_at: int
    work_items: list[WorkItems]
    total_items: int
    token_recorded: bool | None = None


class KeyOut(BaseModel):
    id: int
    name: str
    key_prefix: str
    scopes: list[str]
    expires_at: int | None
    revoked_at: int | None = None
    last_used_at: int | None = None
    created_by: str | None = None
    created_at: int


class KeyCreated(BaseModel):
    key: KeyOut
    api_key: str


class ConnectOut(BaseModel):
    connection_id: str
    agent_id: int
    agent_name: str
    status: Literal["connected"]
    sse_url: str
    heartbeat_url: str
    token_report_url: str
