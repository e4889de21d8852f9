"""Routes: GET /api/export, a CSV or JSON download of tasks, activities or audit (admin)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from mission_control.audit.schemas import parse_time
from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest
from mission_control.export import service
from mission_control.export.schemas import (
    EXPORT_CAP,
    EXPORT_DEFAULT_LIMIT,
    EXPORT_FORMATS,
    EXPORT_TYPES,
    ExportJson,
)
from mission_control.pagination import clamp_limit
from mission_control.responses import json_response
from mission_control.security.rbac import AdminActor

router = APIRouter(tags=["export"])

Text = Annotated[str | None, Query(max_length=100)]


@router.get(
    "/api/export",
    response_model=ExportJson,
    summary="Download tasks, activities or the audit log (admin)",
    responses={
        200: {
            "description": "`format=json`: `{type, exported_at, count, data}`; "
            "`format=csv` (default): a CSV file with a fixed header per type.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def export(
    rt: RuntimeDep,
    actor: AdminActor,
    type: Text = None,
    format: Text = None,
    since: Text = None,
    until: Text = None,
    limit: Text = None,
) -> Response:
    """Rows of the caller's workspace, newest first, as an attachment (admin). `type=audit|
    tasks|activities` (required), `format=csv|json` (default csv), `since`/`until` (unix
    seconds or ISO 8601, on `created_at`), `limit` 1..50000 (default 10000). Every export is
    recorded in the audit log as `data_export`. 10 per minute per IP."""
    if not type:
        raise BadRequest(f"type is required. Expected one of: {', '.join(EXPORT_TYPES)}")
    if type not in EXPORT_TYPES:
        raise BadRequest(f"Invalid type. Expected one of: {', '.join(EXPORT_TYPES)}")
    fmt = format or "csv"
    if fmt not in EXPORT_FORMATS:
        raise BadRequest("Invalid format. Expected csv or json")
    start = parse_time(since, "since")
    end = parse_time(until, "until")
    if start is not None and end is not None and start > end:
        raise BadRequest("since must not be after until")
    row_limit = clamp_limit(limit, EXPORT_CAP, EXPORT_DEFAULT_LIMIT)
    await rt.enforce_limit("heavy", actor.ip)
    kind = EXPORT_TYPES[EXPORT_TYPES.index(type)]
    rows = await rt.db.read_heavy(
        service.export_rows, actor.workspace_id, kind, since=start, until=end, limit=row_limit
    )
    detail = {"type": kind, "format": fmt, "count": len(rows), "since": start, "until": end}
    # Audited before anything leaves: a failed audit write means no download.
    await rt.db.write(service.record_export, actor, detail)
    now = int(time.time())
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d-%H%M%S")
    filename = f"mission-control-{kind}-{stamp}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "json":
        body = {"type": kind, "exported_at": now, "count": len(rows), "data": rows}
        return json_response(body, headers=headers)
    return Response(
        service.to_csv(kind, rows), media_type="text/csv; charset=utf-8", headers=headers
    )
