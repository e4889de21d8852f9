"""Request and response models of the standup API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


class StandupRequest(BaseModel):
    """Which day (UTC, default today) and which agents (default every visible agent)."""

    model_config = ConfigDict(extra="ignore")
    date: str | None = Field(None, pattern=DATE_PATTERN)
    agents: list[str] | None = Field(None, max_length=200)


class StandupTask(BaseModel):
    id: int
    title: str
    status: str
    priority: str
    ticket_ref: str | None
    assigned_to: str | None
    due_date: int | None
    completed_at: int | None


class StandupAgent(BaseModel):
    name: str
    role: str
    status: str
    last_seen: int | None


class AgentReport(BaseModel):
    agent: StandupAgent
    completedToday: list[StandupTask]
    inProgress: list[StandupTask]
    assigned: list[StandupTask]
    review: list[StandupTask]
    blocked: list[StandupTask]
    activityCount: int


class StandupSummary(BaseModel):
    totalAgents: int
    totalCompleted: int
    totalInProgress: int
    totalAssigned: int
    totalReview: int
    totalBlocked: int
    totalActivity: int
    overdue: int


class Standup(BaseModel):
    id: int
    date: str
    generatedAt: int
    created_by: str
    summary: StandupSummary
    agentReports: list[AgentReport]
    overdueTasks: list[StandupTask]


class StandupEnvelope(BaseModel):
    standup: Standup


class StandupHistoryItem(BaseModel):
    id: int
    date: str
    generatedAt: int
    created_by: str
    summary: StandupSummary
    agentCount: int


class StandupHistory(BaseModel):
    history: list[StandupHistoryItem]
    total: int
    page: int
    limit: int
