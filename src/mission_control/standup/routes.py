"""Routes: /api/standup — build today's standup (operator) and read past ones (viewer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest
from mission_control.pagination import clamp_limit, clamp_offset, page_number
from mission_control.responses import json_response
from mission_control.security.rbac import OperatorActor, ViewerActor
from mission_control.standup import service
from mission_control.standup.schemas import StandupEnvelope, StandupHistory, StandupRequest

router = APIRouter(tags=["standup"])

HISTORY_CAP = 100
HISTORY_DEFAULT = 20
Text = Annotated[str | None, Query(max_length=20)]


@router.post(
    "/api/standup", response_model=StandupEnvelope, summary="Generate the daily standup (operator)"
)
async def create_standup(
    rt: RuntimeDep, actor: OperatorActor, body: StandupRequest | None = None
) -> Response:
    """Build and store the per-agent report for a UTC day (operator): `{date?: YYYY-MM-DD
    (default today, not in the future), agents?: [names] (default every visible agent)}`;
    an empty body means today for everyone. Each agent gets `completedToday, inProgress,
    assigned, review, blocked` (awaiting_owner or failed) and `activityCount`; the team gets
    totals and `overdueTasks`. Lists are cut at 100 items; the counts stay exact. An
    unknown agent → 400. A restricted agent key reports on its own agent only."""
    body = body or StandupRequest()
    standup = await rt.db.write(service.generate, actor, day=body.date, names=body.agents)
    return json_response({"standup": standup})


@router.get("/api/standup", response_model=StandupHistory, summary="Past standups (viewer)")
async def standup_history(
    rt: RuntimeDep, actor: ViewerActor, limit: Text = None, offset: Text = None
) -> Response:
    """Stored standups of the workspace, newest first, with their summaries (viewer);
    `limit` 1..100 (default 20), `offset`."""
    page_limit = clamp_limit(limit, HISTORY_CAP, HISTORY_DEFAULT)
    page_offset = clamp_offset(offset)
    items, total = await rt.db.read(
        service.list_history, actor.workspace_id, limit=page_limit, offset=page_offset
    )
    return json_response(
        {
            "history": items,
            "total": total,
            "page": page_number(page_limit, page_offset),
            "limit": page_limit,
        }
    )


@router.get(
    "/api/standup/{standup_id}", response_model=StandupEnvelope, summary="One standup (viewer)"
)
async def get_standup(standup_id: str, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """A stored standup in full → `{standup}` (viewer); 404 when missing or in another
    workspace."""
    if not standup_id.isdigit() or len(standup_id) > 12:
        raise BadRequest("Invalid standup ID")
    standup = await rt.db.read(service.get_standup, actor, int(standup_id))
    return json_response({"standup": standup})
