"""Routes: /api/projects and a project's tasks and agents (viewer reads, operator writes,
admin archives and deletes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest, Conflict
from mission_control.pagination import CAPS, clamp_limit, clamp_offset, page_params
from mission_control.projects import service
from mission_control.projects.schemas import (
    AssignmentCreate,
    AssignmentList,
    ProjectCreate,
    ProjectEnvelope,
    ProjectList,
    ProjectPatch,
    ProjectRemoved,
    ProjectTasks,
    Success,
    Unassigned,
)
from mission_control.query import documented_params, flag_param, flag_param_doc, hand_param
from mission_control.responses import json_response
from mission_control.runtime import Runtime
from mission_control.security.rbac import AdminActor, OperatorActor, ViewerActor, ensure_role

router = APIRouter(tags=["projects"])

# What DELETE /api/projects/{pid} does with `?mode=`; the first is the default.
DELETE_MODES = ("archive", "delete")


def project_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 12:
        raise BadRequest("Invalid project ID")
    return int(raw)


async def _write(rt: Runtime, fn: Any, *args: Any) -> Any:
    try:
        return await rt.db.write(fn, *args)
    except IntegrityError:
        # Two requests raced for the same slug or prefix; the unique constraint decided.
        raise Conflict("Project slug or ticket prefix already exists") from None


@router.get(
    "/api/projects",
    response_model=ProjectList,
    summary="List projects (viewer)",
    openapi_extra=documented_params(flag_param_doc("includeArchived", "Also archived projects")),
)
async def list_projects(request: Request, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """Projects of the workspace with `task_count` and `assigned_agents` (viewer); archived
    ones only with `includeArchived=1`."""
    include = flag_param(request.query_params.get("includeArchived"))
    rows = await rt.db.read(service.list_projects, actor.workspace_id, include_archived=include)
    return json_response({"projects": rows, "total": len(rows)})


@router.post(
    "/api/projects",
    status_code=201,
    response_model=ProjectEnvelope,
    summary="Create a project (operator)",
)
async def create_project(body: ProjectCreate, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """Create a project (operator) → 201 `{project}`; slug and ticket prefix are derived from
    the name when absent; a taken slug or prefix → 409."""
    project = await _write(rt, service.create_project, actor, body.model_dump())
    return json_response({"project": project}, status=201)


@router.get("/api/projects/{pid}", response_model=ProjectEnvelope, summary="Get a project (viewer)")
async def get_project(pid: str, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """One project (viewer) → `{project}`; 404 when missing or in another workspace."""
    project = await rt.db.read(service.get_project, actor.workspace_id, project_id(pid))
    return json_response({"project": project})


@router.patch(
    "/api/projects/{pid}",
    response_model=ProjectEnvelope,
    summary="Update a project (operator; admin to archive)",
)
async def update_project(
    pid: str, body: ProjectPatch, request: Request, rt: RuntimeDep, actor: OperatorActor
) -> Response:
    """Partial update (operator; changing `status` needs admin) → `{project}`. `null` clears
    description, github_repo, deadline, color; `assigned_agents` replaces the membership, and
    an unknown agent → 400 with nothing saved."""
    changes = body.model_dump(exclude_unset=True)
    if "status" in changes:
        await ensure_role(request, actor, "admin")
    for key in ("name", "ticket_prefix", "status", "assigned_agents"):
        if key in changes and changes[key] is None:
            raise BadRequest(f"{key} cannot be null")
    project = await _write(rt, service.update_project, actor, project_id(pid), changes)
    return json_response({"project": project})


@router.delete(
    "/api/projects/{pid}",
    response_model=ProjectRemoved,
    summary="Archive or delete a project (admin)",
    openapi_extra=documented_params(
        hand_param(
            "mode",
            "Archive the project or delete it",
            enum=list(DELETE_MODES),
            default=DELETE_MODES[0],
        )
    ),
)
async def delete_project(pid: str, request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """`mode=archive` (default) or `mode=delete` (admin); its tasks move to `general`;
    `general` itself → 400."""
    mode = request.query_params.get("mode", DELETE_MODES[0])
    ident = project_id(pid)
    if mode == "archive":
        await rt.db.write(service.archive_project, actor, ident)
    elif mode == "delete":
        await rt.db.write(service.delete_project, actor, ident)
    else:
        raise BadRequest("mode must be archive or delete")
    return json_response({"success": True, "mode": mode})


@router.get(
    "/api/projects/{pid}/tasks",
    response_model=ProjectTasks,
    summary="A project's tasks (viewer)",
    openapi_extra=documented_params(*page_params(CAPS["tasks"])),
)
async def project_tasks(pid: str, request: Request, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """Tasks of one project, newest first (viewer) → `{project, tasks, total, page, limit}`."""
    q = request.query_params
    limit = clamp_limit(q.get("limit"), CAPS["tasks"])
    offset = clamp_offset(q.get("offset"))
    body = await rt.db.read(
        service.project_tasks, actor.workspace_id, project_id(pid), limit=limit, offset=offset
    )
    body["page"] = offset // limit + 1
    body["limit"] = limit
    return json_response(body)


@router.get(
    "/api/projects/{pid}/agents",
    response_model=AssignmentList,
    summary="A project's agents (viewer)",
)
async def list_assignments(pid: str, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """Agents assigned to the project (viewer) → `{assignments}`."""
    rows = await rt.db.read(service.list_assignments, actor.workspace_id, project_id(pid))
    return json_response({"assignments": rows})


@router.post(
    "/api/projects/{pid}/agents",
    status_code=201,
    response_model=Success,
    summary="Assign an agent (operator)",
)
async def add_assignment(
    pid: str, body: AssignmentCreate, rt: RuntimeDep, actor: OperatorActor
) -> Response:
    """Assign `{agent_name, role?='member'}` (operator) → 201 `{success:true}`, also when the
    pair already exists."""
    name = body.agent_name.strip()
    if not name:
        raise BadRequest("agent_name is required")
    await _write(rt, service.add_assignment, actor, project_id(pid), name, body.role)
    return json_response({"success": True}, status=201)


@router.delete(
    "/api/projects/{pid}/agents",
    response_model=Unassigned,
    summary="Unassign an agent (operator)",
    openapi_extra=documented_params(
        hand_param("agent_name", "The agent to unassign", required=True)
    ),
)
async def remove_assignment(
    pid: str, request: Request, rt: RuntimeDep, actor: OperatorActor
) -> Response:
    """Remove `?agent_name=` from the project (operator) → `{success:true, removed:N}`."""
    name = (request.query_params.get("agent_name") or "").strip()
    ident = project_id(pid)
    if not name:
        raise BadRequest("agent_name query parameter is required")
    removed = await rt.db.write(service.remove_assignment, actor, ident, name)
    return json_response({"success": True, "removed": removed})
