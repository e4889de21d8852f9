"""Routes: GET /api/search (viewer; the audit log only for admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest
from mission_control.pagination import CAPS, clamp_limit
from mission_control.responses import json_response
from mission_control.search import service
from mission_control.search.schemas import RESULT_TYPES, ResultType, SearchOut
from mission_control.security.rbac import ViewerActor

router = APIRouter(tags=["search"])


@router.get("/api/search", response_model=SearchOut, summary="Search the workspace (viewer)")
async def search(
    rt: RuntimeDep,
    actor: ViewerActor,
    q: Annotated[str | None, Query(max_length=1000)] = None,
    type: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Case-insensitive search over tasks, agents and activities, plus the audit log for
    admins (viewer). `q` needs 2..200 characters; `type` narrows to a comma list of `task,
    agent, activity, audit`; `limit` 1..100 (default 50). Answers `{query, count,
    results:[{type, id, title, subtitle, created_at, relevance}]}`, most relevant first.
    A restricted agent key finds only tasks assigned to its agent. 10 per minute per IP."""
    query = (q or "").strip()
    if len(query) < service.MIN_QUERY:
        raise BadRequest("Search query must be at least 2 characters")
    if len(query) > service.MAX_QUERY:
        raise BadRequest(f"Search query must be at most {service.MAX_QUERY} characters")
    allowed = service.allowed_types(actor)
    types: tuple[ResultType, ...] = allowed
    if type:
        wanted = [t.strip() for t in type.split(",") if t.strip()]
        unknown = [t for t in wanted if t not in RESULT_TYPES]
        if unknown:
            raise BadRequest(f"Unknown type. Expected any of: {', '.join(RESULT_TYPES)}")
        types = tuple(t for t in allowed if t in wanted)
    page_limit = clamp_limit(limit, CAPS["search"])
    await rt.enforce_limit("heavy", actor.ip)
    results = await rt.db.read_heavy(service.search, actor, query, types=types, limit=page_limit)
    return json_response({"query": query, "count": len(results), "results": results})
