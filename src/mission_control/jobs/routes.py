"""Routes: /api/scheduler (admin) and /api/schedule-parse (viewer)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.bodies import documented_body, json_object
from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest
from mission_control.jobs.schedule_parse import parse_schedule
from mission_control.jobs.schemas import JobList, JobRan, ParsedSchedule, RunJob
from mission_control.responses import json_response
from mission_control.security.rbac import AdminActor, ViewerActor

router = APIRouter(tags=["scheduler"])


@router.get(
    "/api/scheduler", summary="List scheduled jobs (admin)", responses={200: {"model": JobList}}
)
async def list_jobs(rt: RuntimeDep, actor: AdminActor) -> Response:
    """`{tasks:[{id, name, enabled, lastRun, nextRun, running, lastResult}]}` (admin).
    Times are unix seconds; a job is switched by the setting `general.<id>`."""
    return json_response({"tasks": await rt.scheduler.status()})


@router.post(
    "/api/scheduler",
    summary="Run a scheduled job now (admin)",
    responses={200: {"model": JobRan}},
    openapi_extra=documented_body(RunJob),
)
async def run_job(request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """`{task_id}` runs that job at once (admin, audited `scheduler_run`); 404 for an unknown
    job, 409 while it is running on any instance."""
    data = await json_object(request, missing_message="Request body required: {task_id}")
    task_id = data.get("task_id")
    if not isinstance(task_id, str) or not task_id:
        raise BadRequest("task_id is required")
    return json_response(await rt.scheduler.run_now(task_id, actor))


@router.get(
    "/api/schedule-parse",
    summary="Parse a schedule into cron (viewer)",
    responses={200: {"model": ParsedSchedule}},
)
async def schedule_parse(actor: ViewerActor, input: str = "") -> Response:
    """`?input=` raw cron or a phrase (`hourly`, `every 15 minutes`, `every day at 9am`,
    `every monday at 14:30`) → `{cronExpr, humanReadable}` (viewer); 400 when not understood."""
    return json_response(parse_schedule(input))
