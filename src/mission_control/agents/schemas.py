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


class AgentUpdated(BaseModel):
    success: bool


class AgentDeleted(BaseModel):
    success: bool
    deleted: str = Field(description="The deleted agent's name")


class AgentRef(BaseModel):
    id: int
    name: str


class SoulOut(BaseModel):
    agent: AgentRef
    soul_content: str | None
    size: int = Field(description="Bytes of `soul_content` in UTF-8")
    updated_at: int


class SoulSaved(SoulOut):
    success: bool


class MemoryOut(BaseModel):
    agent: AgentRef
    working_memory: str | None
    size: int = Field(description="Bytes of `working_memory` in UTF-8")
    updated_at: int


class MemorySaved(MemoryOut):
    success: bool
    working_memory: str


class AgentKeyList(BaseModel):
    agent: AgentRef
    keys: list[KeyOut]


class KeyRevoked(BaseModel):
    success: bool
    key_id: int
    revoked_at: int


class ConnectionOut(BaseModel):
    id: int
    connection_id: str
    agent_id: int
    agent_name: str
    tool_name: str
    tool_version: str | None
    status: Literal["connected", "disconnected"]
    metadata: dict[str, Any]
    created_at: int
    last_heartbeat_at: int | None
    disconnected_at: int | None


class ConnectionList(BaseModel):
    connections: list[ConnectionOut]


class Disconnected(BaseModel):
    status: Literal["disconnected"]
    connection_id: str


# -- attribution and diagnostics --


class ReportWindow(BaseModel):
    hours: int
    since: int
    until: int


class UsageTotals(BaseModel):
    request_count: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_usd: float


class TokenTotals(UsageTotals):
    by_model: dict[str, UsageTotals]


class AttributionIdentity(BaseModel):
    id: int
    name: str
    role: str
    status: AgentStatus
    source: str
    runtime_type: str | None
    hidden: bool
    created_at: int
    last_seen: int | None
    api_keys: list[KeyOut]


class AuditEntry(BaseModel):
    id: int
    action: str
    target_type: str | None
    target_id: str | None
    detail: dict[str, Any]
    ip_address: str | None
    created_at: int


class AttributionAudit(BaseModel):
    total: int
    by_action: dict[str, int]
    events: list[AuditEntry] = Field(description="The newest 50")


class Mutation(BaseModel):
    id: int
    type: str
    entity_type: str
    entity_id: int | None
    description: str
    created_at: int


class AttributionMutations(BaseModel):
    total: int
    by_type: dict[str, int]
    tasks_created: int
    comments_posted: int
    recent: list[Mutation] = Field(description="The newest 50")


class AttributionOut(BaseModel):
    """What an agent did and spent; only the sections asked for (`section=`) are present."""

    agent_name: str
    timeframe: ReportWindow
    access_scope: Literal["self", "privileged"]
    identity: AttributionIdentity | None = None
    audit: AttributionAudit | None = None
    mutations: AttributionMutations | None = None
    cost: TokenTotals | None = None


class DiagnosedAgent(BaseModel):
    id: int
    name: str
    role: str
    status: AgentStatus
    last_seen: int | None


class DiagnosticsSummary(BaseModel):
    tasks_completed: int
    tasks_total: int
    activity_count: int
    error_count: int
    error_rate_percent: float


class RecentTask(BaseModel):
    id: int
    title: str
    status: str
    priority: str
    updated_at: int
    completed_at: int | None


class DiagnosticsTasks(BaseModel):
    total: int
    by_status: dict[str, int]
    recent: list[RecentTask] = Field(description="The 10 most recently updated in the window")


class FailedTask(BaseModel):
    id: int
    title: str
    error_message: str | None
    updated_at: int


class ErrorActivity(BaseModel):
    id: int
    type: str
    description: str
    created_at: int


class DiagnosticsErrors(BaseModel):
    count: int
    failed_tasks: list[FailedTask]
    error_activities: list[ErrorActivity]


class ActivityHour(BaseModel):
    hour: int = Field(description="Start of the hour, unix seconds")
    count: int


class DiagnosticsActivity(BaseModel):
    total: int
    by_type: dict[str, int]
    hourly: list[ActivityHour]


class WindowCounts(BaseModel):
    activity_count: int
    tasks_completed: int
    error_count: int


class WindowChange(BaseModel):
    """Percent change from the previous window; null when the previous count was 0."""

    activity_count: float | None
    tasks_completed: float | None
    error_count: float | None


class DiagnosticsTrends(BaseModel):
    current: WindowCounts
    previous: WindowCounts = Field(description="The window of the same length just before")
    change_percent: WindowChange


class DiagnosticsOut(BaseModel):
    """The health of one agent; only the sections asked for (`section=`) are present."""

    agent: DiagnosedAgent
    timeframe: ReportWindow
    access_scope: Literal["self", "privileged"]
    summary: DiagnosticsSummary | None = None
    tasks: DiagnosticsTasks | None = None
    errors: DiagnosticsErrors | None = None
    activity: DiagnosticsActivity | None = None
    trends: DiagnosticsTrends | None = None
    tokens: TokenTotals | None = None
