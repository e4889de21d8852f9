"""Routes: /api/tasks, its queue, comments, outcomes and regression, and /api/quality-review."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.api_errors import BAD_INPUT
from mission_control.bodies import ROW_ID_MAX
from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest
from mission_control.pagination import CAPS, clamp_limit, clamp_offset, page_number, page_params
from mission_control.query import documented_params, hand_param, list_param
from mission_control.responses import json_response
from mission_control.security.rbac import OperatorActor, ViewerActor
from mission_control.tasks import comments, metrics, queue, reads, reviews, service
from mission_control.tasks.access import check_agent, check_task, visible_assignee
from mission_control.tasks.metric_schemas import OutcomesOut, RegressionOut
from mission_control.tasks.schemas import (
    PRIORITIES,
    STATUSES,
    BulkResult,
    BulkStatusUpdate,
    CommentCreate,
    CommentEnvelope,
    CommentList,
    LatestReviews,
    QueueAnswer,
    ReviewCreate,
    ReviewCreated,
    ReviewList,
    Success,
    TaskCreate,
    TaskEnvelope,
    TaskList,
    TaskUpdate,
)

router = APIRouter(tags=["tasks"])


def task_id_param(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) <= ROW_ID_MAX:
        raise BadRequest("Invalid task ID")
    return int(raw)


def _name_param(raw: str | None, name: str) -> str | None:
    """An agent or user name from the query string; one with control characters names nobody."""
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > NAME_MAX or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise BadRequest(f"Invalid {name}")
    return value


# Agent and user names in the query string, at most this long (longer is a 400).
NAME_MAX = 100


def _choice(raw: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    if raw is None or raw == "":
        return None
    if raw not in allowed:
        raise BadRequest(f"Invalid {name}. Expected one of: {', '.join(allowed)}")
    return raw


@router.get(
    "/api/tasks",
    summary="List tasks (viewer)",
    responses={200: {"model": TaskList}, **BAD_INPUT},
    openapi_extra=documented_params(
        hand_param("status", "Only tasks in this status", enum=list(STATUSES)),
        hand_param("assigned_to", "Only tasks assigned to this agent", maxLength=NAME_MAX),
        hand_param("priority", "Only tasks of this priority", enum=list(PRIORITIES)),
        hand_param(
            "project_id",
            "Only tasks of this project",
            type="integer",
            minimum=1,
            maximum=ROW_ID_MAX,
        ),
        *page_params(CAPS["tasks"]),
    ),
)
async def list_tasks(request: Request, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """Tasks of the workspace, newest first (viewer). Filters: `status`, `assigned_to`,
    `priority`, `project_id`; `limit` 1..200 (default 50), `offset`. An agent key without
    admin scope sees only the tasks assigned to its agent."""
    params = request.query_params
    project = params.get("project_id")
    if project and not (project.isdigit() and 0 < int(project) <= ROW_ID_MAX):
        raise BadRequest("project_id must be an integer")
    limit = clamp_limit(params.get("limit"), CAPS["tasks"])
    offset = clamp_offset(params.get("offset"))
    items, total = await rt.db.read(
        reads.list_tasks,
        actor.workspace_id,
        status=_choice(params.get("status"), STATUSES, "status"),
        assigned_to=visible_assignee(actor, _name_param(params.get("assigned_to"), "assigned_to")),
        priority=_choice(params.get("priority"), PRIORITIES, "priority"),
        project_id=int(project) if project else None,
        limit=limit,
        offset=offset,
    )
    return json_response(
        {"tasks": items, "total": total, "page": page_number(limit, offset), "limit": limit}
    )


@router.post(
    "/api/tasks",
    status_code=201,
    summary="Create a task (operator)",
    responses={201: {"model": TaskEnvelope}},
)
async def create_task(body: TaskCreate, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """Create a task (operator) → 201 `{task}`. `created_by` is the caller's display name;
    `inbox` with an assignee becomes `assigned`; created as `done` it records finished work.
    Unknown `@mentions` in the description → 400 with `missing_mentions`."""
    task = await rt.db.write(service.create_task, actor, body)
    return json_response({"task": task}, status=201)


@router.put("/api/tasks", summary="Move many tasks (operator)", response_model=BulkResult)
async def bulk_update(body: BulkStatusUpdate, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """Set the status of 1..100 tasks `{tasks:[{id, status}]}` (operator), all or nothing:
    one missing task, a refused agent key or the Aegis gate leaves every task unchanged."""
    moves = [(item.id, item.status) for item in body.tasks]
    updated = await rt.db.write(service.bulk_move, actor, moves)
    return json_response({"success": True, "updated": updated})


@router.get(
    "/api/tasks/queue",
    summary="Next task for an agent (operator)",
    responses={200: {"model": QueueAnswer}, **BAD_INPUT},
    openapi_extra=documented_params(
        hand_param("agent", "The agent asking (or `X-Agent-Name`)", maxLength=NAME_MAX),
        hand_param(
            "X-Agent-Name",
            "The agent asking, when `agent` is not given",
            where="header",
            maxLength=NAME_MAX,
        ),
        hand_param(
            "max_capacity",
            "How many tasks the agent works on at once",
            type="integer",
            minimum=1,
            maximum=queue.MAX_CAPACITY,
            default=1,
        ),
    ),
)
async def task_queue(request: Request, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """The agent's pull loop (operator): `?agent=` or `X-Agent-Name`, `max_capacity` 1..20
    (default 1). Continues the current task or atomically claims the best open one →
    `{task, reason, agent, timestamp}`."""
    raw = request.query_params.get("agent") or request.headers.get("x-agent-name") or ""
    agent = raw.strip()
    if not agent:
        raise BadRequest("Agent name is required (?agent= or X-Agent-Name header)")
    if len(agent) > NAME_MAX:
        raise BadRequest("Agent name is too long")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in agent):
        raise BadRequest("Agent name must not contain control characters")
    capacity = queue.parse_capacity(request.query_params.get("max_capacity"))
    check_agent(actor, agent)
    answer = await rt.db.write(queue.next_task, actor, agent, capacity)
    return json_response(answer)


@router.get(
    "/api/tasks/outcomes",
    summary="Task outcome statistics (viewer)",
    response_model=OutcomesOut,
    responses=BAD_INPUT,
    openapi_extra=documented_params(
        hand_param(
            "timeframe",
            "Only tasks completed within the last day, week or month",
            enum=list(metrics.TIMEFRAMES),
            default="all",
        )
    ),
)
async def task_outcomes(request: Request, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """Done tasks counted by outcome, agent and priority, with success rates (percent),
    averages and the most common errors (viewer). `timeframe` day|week|month|all."""
    timeframe = request.query_params.get("timeframe") or "all"
    result = await rt.db.read_heavy(metrics.outcomes, actor.workspace_id, timeframe)
    return json_response(result)


@router.get(
    "/api/tasks/regression",
    summary="Before/after regression report (viewer)",
    response_model=RegressionOut,
    responses=BAD_INPUT,
    openapi_extra=documented_params(
        hand_param(
            "beta_start",
            "The change to compare around: unix seconds or milliseconds, or ISO 8601",
            required=True,
        ),
        hand_param(
            "lookback_seconds",
            f"Length of each side of the comparison; clamped to "
            f"{metrics.MIN_LOOKBACK}..{metrics.MAX_LOOKBACK}",
            type="integer",
            minimum=metrics.MIN_LOOKBACK,
            maximum=metrics.MAX_LOOKBACK,
            default=metrics.DEFAULT_LOOKBACK,
        ),
    ),
)
async def task_regression(request: Request, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """Latency p50/p95/avg and intervention rate of done tasks before and after
    `beta_start` (unix seconds or ISO 8601), with deltas (viewer)."""
    beta_start = metrics.parse_instant(request.query_params.get("beta_start"))
    lookback = metrics.parse_lookback(request.query_params.get("lookback_seconds"))
    result = await rt.db.read_heavy(metrics.regression, actor.workspace_id, beta_start, lookback)
    return json_response(result)


@router.get(
    "/api/tasks/{id}", summary="Get a task (viewer)", responses={200: {"model": TaskEnvelope}}
)
async def get_task(id: str, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """One task `{task}` (viewer); 400 `Invalid task ID`, 404 `Task not found`."""
    task = await rt.db.read(reads.get_task, actor.workspace_id, task_id_param(id))
    check_task(actor, task)
    return json_response({"task": task})


@router.put("/api/tasks/{id}", summary="Update a task (operator)", response_model=TaskEnvelope)
async def update_task(id: str, body: TaskUpdate, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """Partial update (operator) → `{task}`, or `{task, unchanged:true}` when nothing changed.
    Moving to `done` needs Aegis approval (403)."""
    task_id = task_id_param(id)
    changes = body.model_dump(exclude_unset=True)
    task, changed = await rt.db.write(service.update_task, actor, task_id, changes)
    return json_response({"task": task} if changed else {"task": task, "unchanged": True})


@router.delete("/api/tasks/{id}", summary="Delete a task (operator)", response_model=Success)
async def delete_task(id: str, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """Delete a task with its comments and reviews (operator) → `{success:true}`."""
    await rt.db.write(service.delete_task, actor, task_id_param(id))
    return json_response({"success": True})


@router.get(
    "/api/tasks/{id}/comments", summary="A task's comments (viewer)", response_model=CommentList
)
async def list_comments(id: str, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """Threaded comments `{comments:[…, replies:[…]], total}` (viewer); 404 for a missing task."""
    result = await rt.db.read(comments.list_comments, actor, task_id_param(id))
    return json_response(result)


@router.post(
    "/api/tasks/{id}/comments",
    status_code=201,
    summary="Comment on a task (operator)",
    response_model=CommentEnvelope,
)
async def add_comment(
    id: str, body: CommentCreate, rt: RuntimeDep, actor: OperatorActor
) -> Response:
    """Add a comment `{content, parent_id?}` (operator) → 201 `{comment}`; the author is the
    caller. Mentions notify; subscribers hear of it."""
    task_id = task_id_param(id)
    comment = await rt.db.write(comments.add_comment, actor, task_id, body.content, body.parent_id)
    return json_response({"comment": comment}, status=201)


@router.get(
    "/api/quality-review",
    summary="Quality reviews (viewer)",
    responses={
        200: {
            "model": ReviewList | LatestReviews,
            "description": "`?taskId=N` → ReviewList; `?taskIds=1,2` → LatestReviews.",
        },
        **BAD_INPUT,
    },
    openapi_extra=documented_params(
        hand_param(
            "taskId", "The reviews of this task", type="integer", minimum=1, maximum=ROW_ID_MAX
        ),
        list_param(
            "taskIds",
            "The latest review of each of these tasks (comma-separated; wins over `taskId`)",
            {"type": "integer", "minimum": 1, "maximum": ROW_ID_MAX},
            minItems=1,
            maxItems=reviews.MAX_IDS,
        ),
    ),
)
async def get_reviews(request: Request, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """`?taskId=N` → `{reviews}` newest first, or `?taskIds=1,2` → `{latest:{id: {status,
    reviewer, created_at} | null}}` (viewer)."""
    params = request.query_params
    if params.get("taskIds"):
        ids = reviews.parse_task_ids(params["taskIds"])
        return json_response({"latest": await rt.db.read(reviews.latest_reviews, actor, ids)})
    if params.get("taskId"):
        task_id = task_id_param(params["taskId"])
        return json_response({"reviews": await rt.db.read(reviews.reviews_of, actor, task_id)})
    raise BadRequest("taskId or taskIds is required")


@router.post(
    "/api/quality-review", summary="Review a task (operator)", response_model=ReviewCreated
)
async def post_review(body: ReviewCreate, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """Record a review by the caller (operator) → `{success:true, id}`: `approved` moves the
    task to `done`, `rejected` back to `in_progress` with the notes as `error_message`. Only
    reviews by `aegis` open the gate for moving a task to done by hand."""
    review_id = await rt.db.write(reviews.add_review, actor, body.taskId, body.status, body.notes)
    return json_response({"success": True, "id": review_id})
