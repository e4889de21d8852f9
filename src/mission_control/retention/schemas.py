"""Request and response models of /api/cleanup (documentation)."""

from __future__ import annotations

from pydantic import BaseModel


class CleanupBody(BaseModel):
    dry_run: bool = False


class TableResult(BaseModel):
    table: str
    deleted: int
    cutoff_date: str | None
    retention_days: int | None


class CleanupReport(BaseModel):
    dry_run: bool
    total_deleted: int
    results: list[TableResult]
