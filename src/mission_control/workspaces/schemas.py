"""Request and response models of the workspaces API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"


class WorkspaceCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(None, pattern=SLUG_PATTERN)


class WorkspaceRename(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=200)


class WorkspaceOut(BaseModel):
    id: int
    slug: str
    name: str
    tenant_id: int
    isolation: str
    created_at: int
    updated_at: int


class WorkspaceEnvelope(BaseModel):
    workspace: WorkspaceOut


class WorkspaceList(BaseModel):
    workspaces: list[WorkspaceOut]
    active_workspace_id: int
    tenant_id: int


class WorkspaceDeleted(BaseModel):
    success: bool
    deleted: str
