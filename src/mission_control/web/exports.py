"""Downloads the admin pages offer: the audit log as CSV or JSON, itself audited."""

from __future__ import annotations

import io
import time
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.engine import Connection
from starlette.responses import RedirectResponse, Response

from mission_control.audit import service
from mission_control.audit.export import write_csv, write_json
from mission_control.audit.schemas import AuditFilter
from mission_control.deps import RuntimeDep
from mission_control.errors import AppError, BadRequest
from mission_control.responses import error_response
from mission_control.security.audit import audit
from mission_control.security.rbac import current_actor, require_role

router = APIRouter(include_in_schema=False)
EXPORT_ROW_CAP = 100_000


def _record(conn: Connection, actor: Any, detail: dict[str, Any]) -> None:
    audit(conn, actor, "data_export", target_type="audit_log", detail=detail)


@router.get("/audit/export", summary="Download the filtered audit log (admin)")
async def audit_export(request: Request, rt: RuntimeDep) -> Response:
    actor = current_actor(request)
    if actor.kind != "user":
        return RedirectResponse("/login?next=/audit", status_code=303)
    query = request.query_params
    try:
        await require_role("admin")(request)
        fmt = query.get("format", "csv")
        if fmt not in ("csv", "json"):
            raise BadRequest("format must be csv or json")
        flt = AuditFilter.parse(
            action=query.get("action"),
            actor=query.get("actor"),
            since=query.get("since"),
            until=query.get("until"),
        )
        await rt.enforce_limit("heavy", actor.ip)
    except AppError as exc:
        return error_response(exc.status, exc.message, **exc.extra)
    out = io.StringIO()
    writer = write_csv if fmt == "csv" else write_json

    def export(conn: Connection) -> int:
        return writer(service.iter_events(conn, flt, limit=EXPORT_ROW_CAP), out)

    count = await rt.db.read_heavy(export)
    await rt.db.write(
        _record,
        actor,
        {
            "type": "audit",
            "format": fmt,
            "count": count,
            "since": flt.since,
            "until": flt.until,
            "action": flt.action,
            "actor": flt.actor,
            "via": "web",
        },
    )
    stamp = time.strftime("%Y-%m-%d_%H-%M-%S", time.gmtime())
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return Response(
        out.getvalue(),
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="audit-{stamp}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )
