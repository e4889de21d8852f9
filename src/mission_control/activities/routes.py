"""Routes: GET /api/activities, the activity feed and its stats (viewer)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.activities import service
from mission_control.activities.schemas import ActivityList, ActivityStats
from mission_control.api_errors import BAD_INPUT
from mission_control.deps import RuntimeDep
from mission_control.pagination import CAPS, clamp_limit, clamp_offset, page_params
from mission_control.query import (
    documented_params,
    flag_param,
    flag_param_doc,
    hand_param,
    int_param,
    list_param,
)
from mission_control.responses import json_response
from mission_control.security.rbac import ViewerActor

router = APIRouter(tags=["activities"])

MAX_STATS_HOURS = 720
DEFAULT_STATS_HOURS = 24
# Activity types in one `?type=` list; the rest are ignored.
MAX_TYPES = 50


@router.get(
    "/api/activities",
    response_model=ActivityList | ActivityStats,
    responses=BAD_INPUT,
    summary="Activity feed or its stats (viewer)",
    openapi_extra=documented_params(
        list_param(
            "type",
            f"Only these activity types (comma-separated; the first {MAX_TYPES} count)",
            {"type": "string"},
        ),
        hand_param("actor", "Only activities of this actor"),
        hand_param("entity_type", "Only activities about this kind of entity"),
        hand_param("since", "Only activities from this unix second on", type="integer", minimum=0),
        *page_params(CAPS["activities"]),
        flag_param_doc("stats", "Answer the stats instead of the feed"),
        hand_param(
            "hours",
            "With `stats`: the last this many hours",
            type="integer",
            minimum=1,
            maximum=MAX_STATS_HOURS,
            default=DEFAULT_STATS_HOURS,
        ),
    ),
)
async def list_activities(request: Request, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """The workspace's activities, newest first (viewer).

    Filters: `type` (comma list), `actor`, `entity_type`, `since` (unix s), `limit` (≤ 500),
    `offset` → `{activities, total, hasMore}`. With `stats=1&hours=24`: counts by type,
    top actors and an hourly timeline.
    """
    q = request.query_params
    if flag_param(q.get("stats")):
        hours = int_param(
            q.get("hours"),
            "hours",
            default=DEFAULT_STATS_HOURS,
            minimum=1,
            maximum=MAX_STATS_HOURS,
        )
        assert hours is not None
        stats = await rt.db.read(service.activity_stats, actor.workspace_id, hours=hours)
        return json_response(stats)
    limit = clamp_limit(q.get("limit"), CAPS["activities"])
    offset = clamp_offset(q.get("offset"))
    types = [t.strip() for t in (q.get("type") or "").split(",") if t.strip()][:MAX_TYPES]
    rows, total = await rt.db.read(
        service.list_activities,
        actor.workspace_id,
        types=types or None,
        actor=q.get("actor") or None,
        entity_type=q.get("entity_type") or None,
        since=int_param(q.get("since"), "since", minimum=0),
        limit=limit,
        offset=offset,
    )
    return json_response(
        {
            "activities": rows,
            "total": total,
            "page": offset // limit + 1,
            "limit": limit,
            "hasMore": offset + len(rows) < total,
        }
    )
