"""Routes: /api/pipelines (viewer reads, operator writes) and /api/pipelines/run."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.bodies import documented_body, json_object
from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest
from mission_control.pagination import CAPS, clamp_limit
from mission_control.pipelines import runs, service
from mission_control.pipelines.schemas import (
    PipelineCreate,
    PipelineEnvelope,
    PipelineList,
    PipelineUpdate,
    RunAction,
    RunEnvelope,
    RunList,
)
from mission_control.responses import json_response
from mission_control.security.rbac import OperatorActor, ViewerActor
from mission_control.workflows.schemas import IdBody, Success

router = APIRouter(tags=["pipelines"])


def _int_param(raw: str | None, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer") from None


@router.get(
    "/api/pipelines",
    summary="List pipelines (viewer)",
    responses={200: {"model": PipelineList}},
)
async def list_pipelines(rt: RuntimeDep, actor: ViewerActor, limit: str | None = None) -> Response:
    """`{pipelines}` with their steps (and template names) and run counts (viewer);
    `limit` 1..500 (default 500)."""
    cap = CAPS["pipelines"]
    items = await rt.db.read(
        service.list_pipelines, actor.workspace_id, clamp_limit(limit, cap, default=cap)
    )
    return json_response({"pipelines": items})


@router.post(
    "/api/pipelines",
    status_code=201,
    summary="Create a pipeline (operator)",
    responses={201: {"model": PipelineEnvelope}},
)
async def create_pipeline(body: PipelineCreate, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{name, description?, steps:[{template_id, on_failure: stop|continue}] (2..50)}` →
    201 `{pipeline}` (operator); a step naming a missing template → 400, nothing saved."""
    pipeline = await rt.db.write(service.create_pipeline, actor, body.model_dump())
    return json_response({"pipeline": pipeline}, status=201)


@router.put(
    "/api/pipelines",
    summary="Update a pipeline (operator)",
    responses={200: {"model": PipelineEnvelope}},
)
async def update_pipeline(body: PipelineUpdate, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{id, name?, description?, steps?}` → `{pipeline}` (operator); unknown id → 404; a step
    naming a missing template → 400, nothing saved. Running runs keep their own snapshot."""
    changes = {
        k: v
        for k, v in body.model_dump(exclude_unset=True, exclude={"id"}).items()
        if v is not None or k == "description"
    }
    pipeline = await rt.db.write(service.update_pipeline, actor, body.id, changes)
    return json_response({"pipeline": pipeline})


@router.delete(
    "/api/pipelines",
    summary="Delete a pipeline (operator)",
    responses={200: {"model": Success}},
    openapi_extra=documented_body(IdBody),
)
async def delete_pipeline(request: Request, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{id}` → `{success:true}` (operator); its runs go with it."""
    data = await json_object(request, missing_message="Request body required: {id}")
    body = IdBody.model_validate(data)
    await rt.db.write(service.delete_pipeline, actor, body.id)
    return json_response({"success": True})


@router.get(
    "/api/pipelines/run",
    summary="Pipeline runs (viewer)",
    responses={200: {"model": RunEnvelope | RunList}},
)
async def get_runs(
    rt: RuntimeDep,
    actor: ViewerActor,
    id: str | None = None,
    pipeline_id: str | None = None,
    limit: str | None = None,
) -> Response:
    """`?id=` → `{run}`; `?pipeline_id=` → that pipeline's `{runs}`; neither → recent `{runs}`
    (viewer); `limit` 1..200 (default 50), newest first."""
    run_id = _int_param(id, "id")
    if run_id is not None:
        return json_response({"run": await rt.db.read(runs.get_run, actor.workspace_id, run_id)})
    items = await rt.db.read(
        runs.list_runs,
        actor.workspace_id,
        _int_param(pipeline_id, "pipeline_id"),
        clamp_limit(limit, CAPS["pipeline_runs"]),
    )
    return json_response({"runs": items})


@router.post(
    "/api/pipelines/run",
    summary="Start, advance or cancel a run (operator)",
    responses={200: {"model": RunEnvelope}},
)
async def run_action(body: RunAction, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{action:"start", pipeline_id}` starts a run (its first step becomes a task);
    `{action:"advance", run_id, success?, error?}` closes the current step by hand;
    `{action:"cancel", run_id}`. Operator; each action is audited (`pipeline_start`,
    `pipeline_advance`, `pipeline_cancel`). → `{run}`."""
    if body.action == "start":
        if body.pipeline_id is None:
            raise BadRequest("pipeline_id is required")
        run = await rt.db.write(runs.start_run, actor, body.pipeline_id)
    elif body.run_id is None:
        raise BadRequest("run_id is required")
    elif body.action == "advance":
        run = await rt.db.write(runs.advance_run, actor, body.run_id, body.success, body.error)
    else:
        run = await rt.db.write(runs.cancel_run, actor, body.run_id)
    return json_response({"run": run})
