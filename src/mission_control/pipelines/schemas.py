"""Request models of pipelines and their runs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template_id: int
    on_failure: Literal["stop", "continue"] = "stop"


class PipelineCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    steps: list[Step] = Field(min_length=2, max_length=50)


class PipelineUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: int
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    steps: list[Step] | None = Field(None, min_length=2, max_length=50)


class RunAction(BaseModel):
    model_config = ConfigDict(extra="ignore")
    action: Literal["start", "advance", "cancel"]
    pipeline_id: int | None = None
    run_id: int | None = None
    success: bool = True
    error: str | None = Field(None, max_length=5000)


# -- response models (documentation; the routes answer with orjson directly) --


class StepOut(BaseModel):
    template_id: int
    on_failure: Literal["stop", "continue"]
    template_name: str | None


class PipelineOut(BaseModel):
    id: int
    name: str
    description: str | None
    steps: list[StepOut]
    created_by: str | None
    use_count: int
    last_used_at: int | None
    runs_count: int
    workspace_id: int
    created_at: int
    updated_at: int


class PipelineEnvelope(BaseModel):
    pipeline: PipelineOut


class PipelineList(BaseModel):
    pipelines: list[PipelineOut]


class RunStepOut(BaseModel):
    template_id: int
    template_name: str | None
    on_failure: Literal["stop", "continue"]
    status: Literal["pending", "running", "completed", "failed", "skipped", "cancelled"]
    task_id: int | None
    started_at: int | None
    completed_at: int | None
    error: str | None


class RunOut(BaseModel):
    id: int
    pipeline_id: int
    pipeline_name: str | None
    status: Literal[
        "pending", "running", "completed", "completed_with_errors", "failed", "cancelled"
    ]
    current_step: int
    steps: list[RunStepOut]
    steps_snapshot: list[RunStepOut]
    started_at: int | None
    completed_at: int | None
    triggered_by: str | None
    workspace_id: int
    created_at: int


class RunEnvelope(BaseModel):
    run: RunOut


class RunList(BaseModel):
    runs: list[RunOut]
