"""Request and response models of /api/backup (documentation)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class BackupName(BaseModel):
    name: str = Field(description="A bare file name such as mc-backup-2026-01-02_03-04-05.db")


class BackupOut(BaseModel):
    name: str
    size: int
    created_at: int


class BackupList(BaseModel):
    backups: list[BackupOut]
    total: int


class BackupCreated(BaseModel):
    success: bool
    backup: BackupOut
    pruned: list[str]


class BackupDeleted(BaseModel):
    success: bool
    deleted: str
