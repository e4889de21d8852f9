"""Request models of the projects API."""

from __future__ import annotations

from typing import Literal

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
