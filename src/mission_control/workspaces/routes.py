"""Routes: /api/workspaces — list (viewer); create, rename, delete (admin)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest, Conflict
from mission_control.responses import json_response
from mission_control.security.rbac import AdminActor, ViewerActor
from mission_control.workspaces import service
from mission_control.workspaces.schemas import (
    WorkspaceCreate,
    WorkspaceDeleted,
    WorkspaceEnvelope,
    WorkspaceList,
    WorkspaceRename,
)

router = APIRouter(tags=["workspaces"])


def workspace_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 12:
        raise BadRequest("Invalid workspace ID")
    return int(raw)


@router.get("/api/workspaces", response_model=WorkspaceList, summary="List workspaces (viewer)")
async def list_workspaces(rt: RuntimeDep, actor: ViewerActor) -> Response:
    """`{workspaces, active_workspace_id, tenant_id}` (viewer): admins see every workspace
    of their tenant, everyone else only their own."""
    rows = await rt.db.read(service.list_workspaces, actor)
    return json_response(
        {
            "workspaces": rows,
            "active_workspace_id": actor.workspace_id,
            "tenant_id": actor.tenant_id,
        }
    )


@router.post(
    "/api/workspaces",
    status_code=201,
    response_model=WorkspaceEnvelope,
    summary="Create a workspace (admin)",
)
async def create_workspace(body: WorkspaceCreate, rt: RuntimeDep, actor: AdminActor) -> Response:
    """`{name, slug?}` (admin) → 201 `{workspace}` with its own `general` project; the slug is
    derived from the name when absent; a taken slug → 409. Audited."""
    try:
        workspace = await rt.db.write(service.create_workspace, actor, body.name, body.slug)
    except IntegrityError:
        raise Conflict("Workspace slug already exists") from None
    return json_response({"workspace": workspace}, status=201)


@router.get(
    "/api/workspaces/{wid}", response_model=WorkspaceEnvelope, summary="Get a workspace (viewer)"
)
async def get_workspace(wid: str, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """One workspace → `{workspace}` (viewer: their own; admin: any of the tenant); else 404."""
    workspace = await rt.db.read(service.get_workspace, actor, workspace_id(wid))
    return json_response({"workspace": workspace})


async def _rename(wid: str, body: WorkspaceRename, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Rename `{name}` (admin) → `{workspace}`; 404 outside the tenant. Audited."""
    workspace = await rt.db.write(service.rename_workspace, actor, workspace_id(wid), body.name)
    return json_response({"workspace": workspace})


for _method in ("PUT", "PATCH"):
    router.add_api_route(
        "/api/workspaces/{wid}",
        _rename,
        methods=[_method],
        response_model=WorkspaceEnvelope,
        summary="Rename a workspace (admin)",
        name=f"rename_workspace_{_method.lower()}",
    )


@router.delete(
    "/api/workspaces/{wid}", response_model=WorkspaceDeleted, summary="Delete a workspace (admin)"
)
async def delete_workspace(wid: str, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Delete an empty workspace (admin) → `{success:true, deleted:<slug>}`. `default` and the
    caller's own → 400; one that still holds users, agents, tasks, projects, audit rows… →
    409 with `details` and nothing changes. Audited."""
    slug = await rt.db.write(service.delete_workspace, actor, workspace_id(wid))
    return json_response({"success": True, "deleted": slug})
