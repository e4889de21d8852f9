"""Request models of the projects API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PREFIX_PATTERN = r"^[A-Za-z0-9]{1,12}$"
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=20_000)
    ticket_prefix: str | None = Field(None, pattern=PREFIX_PATTERN)
    slug: str | None = Field(None, pattern=SLUG_PATTERN)
    github_repo: str | None = Field(None, max_length=300)
    deadline: int | None = Field(None, ge=0)
    color: str | None = Field(None, max_length=32)


class ProjectPatch(BaseModel):
    """Partial update; `null` clears description, github_repo, deadline and color."""

    model_config = ConfigDict(extra="ignore")
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=20_000)
    ticket_prefix: str | None = Field(None, pattern=PREFIX_PATTERN)
    github_repo: str | None = Field(None, max_length=300)
    deadline: int | None = Field(None, ge=0)
    color: str | None = Field(None, max_length=32)
    status: Literal["active", "archived"] | None = None
    assigned_agents: list[str] | None = Field(None, max_length=200)


class AssignmentCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    agent_name: str = Field(max_length=100)
    role: str = Field("member", min_length=1, max_length=32)


class ProjectOut(BaseModel):
    id: int
    workspace_id: int
    name: str
    slug: str
    description: str | None
    ticket_prefix: str
    ticket_counter: int
    status: str
    github_repo: str | None
    deadline: int | None
    color: str | None
    metadata: dict[str, Any] | None
    created_at: int
    updated_at: int
    task_count: int
    assigned_agents: list[str]


class ProjectEnvelope(BaseModel):
    project: ProjectOut


class ProjectList(BaseModel):
    projects: list[ProjectOut]
    total: int


class ProjectRemoved(BaseModel):
    success: bool
    mode: Literal["archive", "delete"]


class ProjectTasks(BaseModel):
    project: ProjectOut
    tasks: list[dict[str, Any]]
    total: int
    page: int
    limit: int


class AssignmentOut(BaseModel):
    id: int
    project_id: int
    agent_name: str
    role: str
    assigned_at: int


class AssignmentList(BaseModel):
    assignments: list[AssignmentOut]


class Success(BaseModel):
    success: bool


class Unassigned(BaseModel):
    success: bool
    removed: int
