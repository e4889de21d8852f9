"""Routes: /api/audit, /api/audit/verify, /api/security-audit, /api/security-scan (admin)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.engine import Connection
from starlette.responses import Response

from mission_control.audit import service
from mission_control.audit.posture import security_overview
from mission_control.audit.schemas import (
    AuditFilter,
    AuditPage,
    ChainCheck,
    SecurityAuditOut,
    SecurityScanOut,
    audit_page,
    parse_timeframe,
)
from mission_control.deps import RuntimeDep
from mission_control.responses import json_response
from mission_control.security.checklist import run_checks, security_scan
from mission_control.security.rbac import AdminActor

router = APIRouter(tags=["audit"])

OptionalText = Annotated[str | None, Query(max_length=400)]


@router.get(
    "/api/audit",
    summary="The audit log, newest first, with filters (admin)",
    responses={200: {"model": AuditPage}},
)
async def list_audit(
    rt: RuntimeDep,
    actor: AdminActor,
    action: OptionalText = None,
    actor_name: Annotated[str | None, Query(alias="actor", max_length=400)] = None,
    target_type: OptionalText = None,
    target_id: OptionalText = None,
    since: OptionalText = None,
    until: OptionalText = None,
    limit: OptionalText = None,
    offset: OptionalText = None,
) -> Response:
    """Filters: `action` (one or a comma list), `actor`, `target_type`, `target_id`, `since`
    and `until` (unix seconds or ISO 8601), `limit` 1..10000 (default 1000), `offset`.
    Answers `{events, total, limit, offset}`; each event's `detail` is an object."""
    flt = AuditFilter.parse(
        action=action,
        actor=actor_name,
        target_type=target_type,
        target_id=target_id,
        since=since,
        until=until,
    )
    page_limit, page_offset = audit_page(limit, offset)
    if page_limit > 1000:
        await rt.enforce_limit("heavy", actor.ip)
    page = await rt.db.read_heavy(service.list_events, flt, limit=page_limit, offset=page_offset)
    return json_response(page)


@router.get(
    "/api/audit/verify",
    summary="Check the audit log's hash chain (admin)",
    responses={200: {"model": ChainCheck}},
)
async def verify_audit(rt: RuntimeDep, actor: AdminActor) -> Response:
    """Recomputes every row's hash: `{ok, checked, first_id, last_id, broken_at, reason,
    checkpoint}`. `ok:false` names the first row that was altered, removed or inserted."""
    await rt.enforce_limit("heavy", actor.ip)
    return json_response(await rt.db.read_heavy(service.chain_status))


@router.get(
    "/api/security-audit",
    summary="Security events by type and timeframe, top IPs, failed logins, posture (admin)",
    responses={200: {"model": SecurityAuditOut}},
)
async def security_audit(
    rt: RuntimeDep, actor: AdminActor, timeframe: OptionalText = None
) -> Response:
    """`timeframe=hour|day|week|month` (default day). The posture score (0..100, with its
    reasons) weighs the last 24 hours of hostile traffic and the configuration checks."""
    frame = parse_timeframe(timeframe)
    now = int(time.time())

    def build(conn: Connection) -> dict[str, Any]:
        checks = [c.as_dict() for c in run_checks(rt.settings, conn, None)]
        return security_overview(conn, frame, now, checks)

    return json_response(await rt.db.read_heavy(build))


@router.get(
    "/api/security-scan",
    summary="Run the security checklist (admin)",
    responses={200: {"model": SecurityScanOut}},
)
async def scan(rt: RuntimeDep, actor: AdminActor) -> Response:
    """`{score, summary, items:[{id, title, status: pass|warn|fail, detail, fix}]}`; the same
    checks as `mc doctor`."""
    await rt.enforce_limit("heavy", actor.ip)
    return json_response(await rt.db.read_heavy(security_scan, rt.settings, rt.passwords))
