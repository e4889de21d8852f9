"""Routes: /api/health, /health and /api/status?action=health (public)."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from sqlalchemy.engine import Connection
from starlette.responses import Response

from mission_control import __version__
from mission_control.api_errors import BAD_INPUT
from mission_control.deps import RuntimeDep
from mission_control.query import documented_params, hand_param
from mission_control.responses import json_response
from mission_control.runtime import Runtime
from mission_control.status.overview import OVERVIEW_ACTIONS
from mission_control.status.schemas import HealthOut, StatusHealth, StatusOverview

router = APIRouter(tags=["status"])


def _ping(conn: Connection) -> None:
    conn.execute(sa.text("SELECT 1"))


async def db_ok(rt: Runtime) -> bool:
    try:
        await rt.db.read(_ping)
    except Exception:
        return False
    return True


async def health_body(rt: Runtime) -> tuple[dict[str, Any], int]:
    """503 when the database cannot be reached. A configured Redis that is down makes the
    status `degraded` but keeps 200: the instance still serves (rate limits per instance,
    events by polling), so a load balancer should keep sending it traffic."""
    ok = await db_ok(rt)
    body: dict[str, Any] = {
        "status": "ok" if ok else "degraded",
        "db": "ok" if ok else "error",
        "ts": int(time.time()),
    }
    redis = await rt.redis_status()
    if redis != "off":
        body["redis"] = redis
        if redis != "ok":
            body["status"] = "degraded"
    return body, 200 if ok else 503


async def health(rt: RuntimeDep) -> Response:
    """Liveness and database reachability (public)."""
    body, status = await health_body(rt)
    return json_response(body, status=status)


router.add_api_route(
    "/api/health", health, methods=["GET"], summary="Health (public)", response_model=HealthOut
)
router.add_api_route(
    "/health", health, methods=["GET"], summary="Health (public)", include_in_schema=False
)


async def status_health(rt: Runtime) -> Response:
    ok = await db_ok(rt)
    checks = [
        {"name": "database", "status": "ok" if ok else "error"},
        {"name": "event_bus", "status": "ok", "subscribers": rt.bus.subscriber_count},
    ]
    redis = await rt.redis_status()
    if redis != "off":
        checks.append({"name": "redis", "status": "ok" if redis == "ok" else "error"})
    return json_response(
        {
            "status": "ok" if ok and redis in ("ok", "off") else "degraded",
            "version": __version__,
            "uptime": int(time.time() - rt.started_at),
            "checks": checks,
        },
        status=200 if ok else 503,
    )


@router.get(
    "/api/status",
    summary="Status: action=health (public); overview|dashboard (viewer)",
    response_model=StatusHealth | StatusOverview,
    responses=BAD_INPUT,
    openapi_extra=documented_params(
        hand_param(
            "action",
            "`health` (public) or the dashboard counts (viewer)",
            enum=["health", *OVERVIEW_ACTIONS],
            default=OVERVIEW_ACTIONS[0],
        )
    ),
)
async def status(request: Request, rt: RuntimeDep) -> Response:
    """`action=health` (public) → `{status, version, uptime, checks}`, 503 when degraded.
    `action=overview` (the default) or `dashboard` (viewer) → the dashboard counts of the
    caller's workspace: tasks and agents by status, tasks done today and overdue, audit
    events and failed logins over the last day and week, unread notifications, today's
    spend. Any other action → 400."""
    action = request.query_params.get("action", OVERVIEW_ACTIONS[0])
    if action == "health":
        return await status_health(rt)
    from mission_control.status.overview import status_overview

    return await status_overview(request, rt, action)
