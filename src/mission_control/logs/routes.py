"""Routes: GET /api/logs (viewer) reads the logs; POST /api/logs (operator) appends to ours."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from mission_control.audit.schemas import parse_time
from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest
from mission_control.logs.reader import LogFilter, extra_dirs, normal_level, read_logs
from mission_control.logs.schemas import LogCreate, LogList, LogWritten
from mission_control.pagination import CAPS, clamp_limit
from mission_control.responses import json_response
from mission_control.security.rbac import OperatorActor, ViewerActor

router = APIRouter(tags=["logs"])

DEFAULT_LIMIT = 100


def _levels(raw: str | None) -> frozenset[str] | None:
    if raw is None or not raw.strip():
        return None
    names = set()
    for part in raw.split(","):
        name = normal_level(part)
        if name is None:
            raise BadRequest(
                "Invalid level. Expected one of: debug, info, warning, error, critical"
            )
        names.add(name)
    return frozenset(names)


@router.get(
    "/api/logs", summary="Read the server's logs, newest first (viewer)", response_model=LogList
)
async def get_logs(
    rt: RuntimeDep,
    actor: ViewerActor,
    level: Annotated[str | None, Query(max_length=100)] = None,
    source: Annotated[str | None, Query(max_length=100)] = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Entries of the server's JSON log (`<data>/logs/`, with its rotations) and of every
    `*.log` directly under `MC_LOG_DIRS`. Filters: `level` (one or a comma list), `source`
    (exact), `search` (in the message, any case), `since` (unix seconds or ISO 8601);
    `limit` 1..200 (default 100) (viewer)."""
    flt = LogFilter(
        levels=_levels(level),
        source=source.strip().lower() if source and source.strip() else None,
        search=search.lower() if search else None,
        since=parse_time(since, "since"),
    )
    size = clamp_limit(limit, CAPS["logs"], default=DEFAULT_LIMIT)
    entries = await asyncio.to_thread(
        read_logs, rt.settings.data_dir, extra_dirs(rt.settings.log_dirs), flt, size
    )
    return json_response({"logs": entries, "count": len(entries), "limit": size})


@router.post(
    "/api/logs", summary="Append an entry to the server's log (operator)", response_model=LogWritten
)
async def post_log(body: LogCreate, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{message (1..5000), level?='info', source?='api'}` → `{success:true, entry}`
    (operator). The entry is written to the server's JSON log at once (it persists across
    restarts) and carries the sender as `actor`."""
    level = normal_level(body.level)
    if level is None:
        raise BadRequest("Invalid level. Expected one of: debug, info, warning, error, critical")
    source = body.source.strip()
    message = body.message.strip()
    if not source or not message:
        raise BadRequest("message and source may not be blank")
    entry = await asyncio.to_thread(
        rt.file_log.append, message, level, source, {"actor": actor.display_name}
    )
    return json_response({"success": True, "entry": entry})
