"""Response models of /api/health and /api/status."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class HealthOut(BaseModel):
    status: str
    db: str
    ts: int


class StatusHealth(BaseModel):
    status: str
    version: str
    uptime: int
    checks: list[dict[str, Any]]


class CountsByStatus(BaseModel):
    total: int
    by_status: dict[str, int]


class TaskCounts(CountsByStatus):
    done_today: int
    overdue: int


class Window(BaseModel):
    last_day: int
    last_week: int


class NotificationCounts(BaseModel):
    unread: int
    unread_for_you: int


class SpendToday(BaseModel):
    cost_usd: float
    tokens: int


class StatusOverview(BaseModel):
    action: str
    workspace_id: int
    generated_at: int
    tasks: TaskCounts
    agents: CountsByStatus
    audit: Window
    login_failures: Window
    notifications: NotificationCounts
    spend_today: SpendToday
