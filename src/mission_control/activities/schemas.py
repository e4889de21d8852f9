"""Response models of the activity feed."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ActivityOut(BaseModel):
    id: int
    type: str
    entity_type: str
    entity_id: int | None
    actor: str
    description: str
    data: dict[str, Any]
    workspace_id: int
    created_at: int


class ActivityList(BaseModel):
    activities: list[ActivityOut]
    total: int
    page: int
    limit: int
    hasMore: bool


class TypeCount(BaseModel):
    type: str
    count: int


class ActorCount(BaseModel):
    actor: str
    activity_count: int


class HourCount(BaseModel):
    hour: int
    activity_count: int


class ActivityStats(BaseModel):
    timeframe: str
    hours: int
    total: int
    activityByType: list[TypeCount]
    topActors: list[ActorCount]
    timeline: list[HourCount]
