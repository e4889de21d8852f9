"""Request and response models of the tasks API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mission_control.bodies import ROW_ID_MAX, UNIX_S_MAX, TextBody
from mission_control.jobs.cron import recurrence_problem

TaskStatus = Literal[
    "backlog",
    "inbox",
    "assigned",
    "awaiting_owner",
    "in_progress",
    "review",
    "quality_review",
    "done",
    "failed",
]
TaskPriority = Literal["critical", "high", "medium", "low"]
TaskOutcome = Literal["success", "failed", "partial", "abandoned"]

STATUSES: tuple[str, ...] = TaskStatus.__args__  # type: ignore[attr-defined]
PRIORITIES: tuple[str, ...] = TaskPriority.__args__  # type: ignore[attr-defined]

Tag = Annotated[str, Field(max_length=100)]


class _TaskFields(TextBody):
    # Unknown keys (e.g. a `created_by` sent by an old client) are ignored, never stored.
    model_config = ConfigDict(extra="ignore")

    description: str | None = Field(None, max_length=100_000)
    project_id: int | None = Field(None, ge=1, le=ROW_ID_MAX)
    assigned_to: str | None = Field(None, max_length=100)
    due_date: int | None = Field(None, ge=0, le=UNIX_S_MAX)
    estimated_hours: float | None = Field(None, ge=0, le=1_000_000)
    actual_hours: float | None = Field(None, ge=0, le=1_000_000)
    tags: list[Tag] | None = Field(None, max_length=50)
    metadata: dict[str, Any] | None = None
    outcome: TaskOutcome | None = None
    error_message: str | None = Field(None, max_length=10_000)
    resolution: str | None = Field(None, max_length=10_000)
    feedback_rating: int | None = Field(None, ge=1, le=5)
    feedback_notes: str | None = Field(None, max_length=10_000)
    retry_count: int | None = Field(None, ge=0, le=1_000_000)

    @field_validator("metadata")
    @classmethod
    def _schedulable(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # A recurring task whose cron or time zone does not parse would silently never run.
        problem = recurrence_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class TaskCreate(_TaskFields):
    title: str = Field(min_length=1, max_length=500)
    status: TaskStatus = "inbox"
    priority: TaskPriority = "medium"


class TaskUpdate(_TaskFields):
    """A partial update: only the keys present change; `null` clears an optional field."""

    title: str | None = Field(None, min_length=1, max_length=500)
    status: TaskStatus | None = None
    priority: TaskPriority | None = None


class StatusMove(BaseModel):
    id: int = Field(ge=1, le=ROW_ID_MAX)
    status: TaskStatus


class BulkStatusUpdate(BaseModel):
    tasks: list[StatusMove] = Field(min_length=1, max_length=100)


class CommentCreate(TextBody):
    content: str = Field(max_length=20_000)
    parent_id: int | None = Field(None, ge=1, le=ROW_ID_MAX)


class ReviewCreate(TextBody):
    taskId: int = Field(ge=1, le=ROW_ID_MAX)
    reviewer: str | None = Field(
        None,
        max_length=200,
        description="Accepted but ignored: the review is recorded under the caller's display "
        "name, so no client can review as `aegis` and open the done gate",
    )
    status: Literal["approved", "rejected"]
    notes: str = Field(min_length=1, max_length=10_000)


# -- response models (documentation; the routes answer with orjson directly) --


class TaskOut(BaseModel):
    id: int
    title: str
    description: str | None
    status: TaskStatus
    priority: TaskPriority
    assigned_to: str | None
    created_by: str
    due_date: int | None
    estimated_hours: float | None
    actual_hours: float | None
    tags: list[str]
    metadata: dict[str, Any]
    project_id: int
    project_ticket_no: int | None
    project_name: str | None
    project_prefix: str | None
    ticket_ref: str | None
    outcome: str | None
    error_message: str | None
    resolution: str | None
    feedback_rating: int | None
    feedback_notes: str | None
    retry_count: int
    completed_at: int | None
    dispatch_attempts: int
    workspace_id: int
    created_at: int
    updated_at: int
    comment_count: int


class TaskEnvelope(BaseModel):
    task: TaskOut
    unchanged: bool | None = None


class TaskList(BaseModel):
    tasks: list[TaskOut]
    total: int
    page: int
    limit: int


class BulkResult(BaseModel):
    success: bool
    updated: int


class Success(BaseModel):
    success: bool


class QueueAnswer(BaseModel):
    task: TaskOut | None
    reason: Literal["continue_current", "assigned", "at_capacity", "no_tasks_available"]
    agent: str
    timestamp: int


class CommentOut(BaseModel):
    id: int
    task_id: int
    parent_id: int | None
    content: str
    author: str
    created_at: int
    mentions: list[str]
    replies: list[CommentOut]


class CommentList(BaseModel):
    comments: list[CommentOut]
    total: int


class CommentEnvelope(BaseModel):
    comment: CommentOut


class ReviewCreated(BaseModel):
    success: bool
    id: int


ReviewStatus = Literal["approved", "rejected"]


class ReviewOut(BaseModel):
    id: int
    task_id: int
    reviewer: str
    status: ReviewStatus
    notes: str | None
    created_at: int


class ReviewList(BaseModel):
    """`?taskId=N`: every review of the task, newest first."""

    reviews: list[ReviewOut]


class LatestReview(BaseModel):
    status: ReviewStatus
    reviewer: str
    created_at: int


class LatestReviews(BaseModel):
    """`?taskIds=1,2`: the newest review of each task by id, null for a task without one."""

    latest: dict[str, LatestReview | None]
