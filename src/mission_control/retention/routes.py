"""Routes: /api/cleanup (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.bodies import documented_body, json_object
from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest
from mission_control.responses import json_response
from mission_control.retention.schemas import CleanupBody, CleanupReport
from mission_control.retention.service import run_cleanup
from mission_control.security.rbac import AdminActor

router = APIRouter(tags=["retention"])


@router.get(
    "/api/cleanup",
    summary="Preview retention cleanup (admin)",
    responses={200: {"model": CleanupReport}},
)
async def preview_cleanup(rt: RuntimeDep, actor: AdminActor) -> Response:
    """What a cleanup would delete now: `{dry_run:true, total_deleted, results:[{table,
    deleted, cutoff_date, retention_days}]}` (admin)."""
    report = await rt.db.read_heavy(run_cleanup, rt.settings, None, dry_run=True)
    return json_response(report)


@router.post(
    "/api/cleanup",
    summary="Run retention cleanup (admin)",
    responses={200: {"model": CleanupReport}},
    openapi_extra=documented_body(CleanupBody),
)
async def cleanup(request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """`{dry_run?}` deletes rows older than each table's retention (admin, audited
    `data_cleanup`); with `dry_run:true` only counts them."""
    data = await json_object(request, required=False)
    dry_run = data.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise BadRequest("dry_run must be a boolean")
    if dry_run:
        report = await rt.db.read_heavy(run_cleanup, rt.settings, None, dry_run=True)
    else:
        report = await rt.db.write(run_cleanup, rt.settings, actor, dry_run=False)
    return json_response(report)
