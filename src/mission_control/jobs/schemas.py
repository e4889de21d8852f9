"""Response models of the scheduler and schedule-parse routes (documentation)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RunJob(BaseModel):
    task_id: str = Field(min_length=1, max_length=64)


class JobOut(BaseModel):
    id: str
    name: str
    enabled: bool
    interval: int
    lastRun: int | None
    nextRun: int | None
    running: bool
    lastResult: str | None
    lastDurationMs: int | None


class JobList(BaseModel):
    tasks: list[JobOut]


class JobRan(BaseModel):
    success: bool
    task_id: str
    result: str


class ParsedSchedule(BaseModel):
    cronExpr: str
    humanReadable: str
