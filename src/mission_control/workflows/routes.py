"""Routes: /api/workflows (viewer reads, operator writes)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.bodies import documented_body, json_object
from mission_control.deps import RuntimeDep
from mission_control.pagination import CAPS, clamp_limit
from mission_control.responses import json_response
from mission_control.security.rbac import OperatorActor, ViewerActor
from mission_control.workflows import service
from mission_control.workflows.schemas import (
    IdBody,
    Success,
    TemplateCreate,
    TemplateEnvelope,
    TemplateList,
    TemplateUpdate,
)

router = APIRouter(tags=["workflows"])


@router.get(
    "/api/workflows",
    summary="List workflow templates (viewer)",
    responses={200: {"model": TemplateList}},
)
async def list_templates(rt: RuntimeDep, actor: ViewerActor, limit: str | None = None) -> Response:
    """`{templates}`, most used first (viewer); `limit` 1..500 (default 500)."""
    cap = CAPS["workflows"]
    items = await rt.db.read(
        service.list_templates, actor.workspace_id, clamp_limit(limit, cap, default=cap)
    )
    return json_response({"templates": items})


@router.post(
    "/api/workflows",
    status_code=201,
    summary="Create a workflow template (operator)",
    responses={201: {"model": TemplateEnvelope}},
)
async def create_template(body: TemplateCreate, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{name, task_prompt, description?, model?='sonnet', timeout_seconds? (10..3600),
    agent_role?, tags?}` → 201 `{template}` (operator)."""
    template = await rt.db.write(service.create_template, actor, body.model_dump())
    return json_response({"template": template}, status=201)


@router.put(
    "/api/workflows",
    summary="Update a workflow template (operator)",
    responses={200: {"model": TemplateEnvelope}},
)
async def update_template(body: TemplateUpdate, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{id, …}` → `{template}` (operator); unknown id → 404; `null` clears `description`,
    `agent_role`, `tags`."""
    changes = {
        k: v
        for k, v in body.model_dump(exclude_unset=True, exclude={"id"}).items()
        if v is not None or k in service.NULLABLE
    }
    template = await rt.db.write(service.update_template, actor, body.id, changes)
    return json_response({"template": template})


@router.delete(
    "/api/workflows",
    summary="Delete a workflow template (operator)",
    responses={200: {"model": Success}},
    openapi_extra=documented_body(IdBody),
)
async def delete_template(request: Request, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{id}` → `{success:true}` (operator); unknown id → 404; a template that a pipeline
    step uses → 409."""
    data = await json_object(request, missing_message="Request body required: {id}")
    body = IdBody.model_validate(data)
    await rt.db.write(service.delete_template, actor, body.id)
    return json_response({"success": True})
