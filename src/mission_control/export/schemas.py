"""Export parameters and the JSON download's shape."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

ExportType = Literal["audit", "tasks", "activities"]
ExportFormat = Literal["csv", "json"]
EXPORT_TYPES: tuple[ExportType, ...] = ("audit", "tasks", "activities")
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "json")
# Rows per download: the default and the hard cap (a larger `limit` is clamped).
EXPORT_DEFAULT_LIMIT = 10_000
EXPORT_CAP = 50_000


class ExportJson(BaseModel):
    type: ExportType
    exported_at: int
    count: int
    data: list[dict[str, Any]]
