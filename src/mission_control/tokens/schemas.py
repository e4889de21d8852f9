"""Request and response models of the token usage API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_TOKENS = 1_000_000_000


class UsageCreate(BaseModel):
    """One model call (or a batch of them) as an agent reports it."""

    model_config = ConfigDict(extra="ignore")
    model: str = Field(min_length=1, max_length=128)
    sessionId: str = Field(min_length=1, max_length=200, description='"<agent>:<chatType>"')
    inputTokens: int = Field(ge=0, le=MAX_TOKENS)
    outputTokens: int = Field(ge=0, le=MAX_TOKENS)
    operation: str | None = Field(None, max_length=100)
    duration: int | None = Field(None, ge=0, le=86_400_000, description="milliseconds")
    taskId: int | None = Field(None, ge=1)


# -- response models (documentation; the routes answer with orjson directly) --


class UsageRecord(BaseModel):
    id: int
    model: str
    sessionId: str
    agentName: str | None
    taskId: int | None
    inputTokens: int
    outputTokens: int
    totalTokens: int
    cost: float
    operation: str | None
    duration: int | None
    timestamp: int


class Recorded(BaseModel):
    success: bool
    record: UsageRecord


class Stats(BaseModel):
    totalTokens: int
    inputTokens: int
    outputTokens: int
    totalCost: float
    requestCount: int
    avgTokensPerRequest: float
    avgCostPerRequest: float


class UsageList(BaseModel):
    usage: list[UsageRecord]
    total: int
    limit: int
    offset: int
    timeframe: str


class StatsView(BaseModel):
    summary: Stats
    models: dict[str, Stats]
    sessions: dict[str, Stats]
    agents: dict[str, Stats]
    tasks: dict[str, Stats]
    timeframe: str
    recordCount: int


class TimelinePoint(BaseModel):
    date: str
    cost: float
    tokens: int


class AgentCosts(BaseModel):
    stats: Stats
    models: dict[str, Stats]
    sessions: list[str]
    timeline: list[TimelinePoint]


class AgentCostsView(BaseModel):
    agents: dict[str, AgentCosts]
    timeframe: str
    recordCount: int


class TaskCosts(BaseModel):
    taskId: int
    title: str | None
    status: str | None
    priority: str | None
    assignedTo: str | None
    project: dict[str, Any] | None
    stats: Stats
    models: dict[str, Stats]
    timeline: list[TimelinePoint]


class GroupCosts(BaseModel):
    stats: Stats
    taskCount: int
    taskIds: list[int]


class TaskCostsView(BaseModel):
    summary: Stats
    tasks: list[TaskCosts]
    agents: dict[str, GroupCosts]
    projects: dict[str, GroupCosts]
    unattributed: Stats
    timeframe: str
    recordCount: int


class TrendPoint(BaseModel):
    timestamp: int
    hour: str
    tokens: int
    cost: float
    requests: int


class TrendsView(BaseModel):
    trends: list[TrendPoint]
    timeframe: str
    recordCount: int


class ExportView(BaseModel):
    usage: list[UsageRecord]
    summary: Stats
    timeframe: str
    exported_at: int
    count: int
    truncated: bool


class _Totals(BaseModel):
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost: float
    request_count: int


class ModelTotals(_Totals):
    model: str


class AgentTotals(_Totals):
    agent: str
    session_count: int
    last_active: int | None
    models: list[ModelTotals]


class ByAgentView(BaseModel):
    agents: list[AgentTotals]
    summary: dict[str, Any]
    days: int
    since: int
