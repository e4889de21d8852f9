"""Request and response models of /api/logs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LogCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    message: str = Field(min_length=1, max_length=5000)
    level: str = Field("info", max_length=20, description="debug|info|warning|error|critical")
    source: str = Field("api", min_length=1, max_length=100)


# -- response models (documentation; the routes answer with orjson directly) --


class LogEntry(BaseModel):
    model_config = ConfigDict(extra="allow")
    timestamp: int
    level: str
    source: str
    message: str


class LogList(BaseModel):
    logs: list[LogEntry]
    count: int
    limit: int


class LogWritten(BaseModel):
    success: bool
    entry: LogEntry
