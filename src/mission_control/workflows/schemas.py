"""Request models of workflow templates."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Tag = Annotated[str, Field(min_length=1, max_length=100)]


class TemplateCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=200)
    task_prompt: str = Field(min_length=1, max_length=50000)
    description: str | None = Field(None, max_length=5000)
    model: str = Field("sonnet", min_length=1, max_length=64)
    timeout_seconds: int = Field(300, ge=10, le=3600)
    agent_role: str | None = Field(None, max_length=100)
    tags: list[Tag] = Field(default_factory=list, max_length=50)


class TemplateUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: int
    name: str | None = Field(None, min_length=1, max_length=200)
    task_prompt: str | None = Field(None, min_length=1, max_length=50000)
    description: str | None = Field(None, max_length=5000)
    model: str | None = Field(None, min_length=1, max_length=64)
    timeout_seconds: int | None = Field(None, ge=10, le=3600)
    agent_role: str | None = Field(None, max_length=100)
    tags: list[Tag] | None = Field(None, max_length=50)


class IdBody(BaseModel):
    id: int


# -- response models (documentation; the routes answer with orjson directly) --


class TemplateOut(BaseModel):
    id: int
    name: str
    description: str | None
    model: str
    task_prompt: str
    timeout_seconds: int
    agent_role: str | None
    tags: list[str]
    created_by: str | None
    use_count: int
    last_used_at: int | None
    workspace_id: int
    created_at: int
    updated_at: int


class TemplateEnvelope(BaseModel):
    template: TemplateOut


class TemplateList(BaseModel):
    templates: list[TemplateOut]


class Success(BaseModel):
    success: bool
