"""Routes: /api/gateways (admin registry and health probes; operators read sessions and agents)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from mission_control.bodies import documented_body, json_object
from mission_control.deps import RuntimeDep
from mission_control.errors import AppError, BadRequest, Conflict
from mission_control.gateways import live, service
from mission_control.gateways.schemas import (
    GatewayAgentList,
    GatewayCreate,
    GatewayEnvelope,
    GatewayList,
    GatewayPatch,
    GatewayRef,
    HealthReport,
    SessionList,
    Success,
)
from mission_control.integrations.openclaw.client import transport_problem
from mission_control.integrations.openclaw.pool import ENV_KEY
from mission_control.pagination import clamp_limit
from mission_control.responses import json_response
from mission_control.runtime import Runtime
from mission_control.security.actor import Actor
from mission_control.security.rbac import AdminActor, OperatorActor
from mission_control.security.secretbox import secret_box

router = APIRouter(tags=["gateways"])
MAX_SESSIONS = 200


def gateway_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 12:
        raise BadRequest("Invalid gateway ID")
    return int(raw)


def _usable_url(rt: Runtime, url: str) -> None:
    """A URL the client would refuse to sign in over is refused at registration too."""
    service.check_url(url)
    problem = transport_problem(url)
    if problem and not rt.settings.openclaw_allow_insecure:
        raise AppError(
            f"Refusing this gateway URL: {problem}",
            status=400,
            code="INSECURE_GATEWAY_URL",
            guidance="Use wss:// (TLS in front of the gateway) or a loopback address (an SSH "
            "tunnel); MC_OPENCLAW_ALLOW_INSECURE=1 allows plain ws:// on a trusted network.",
        )


async def _write(rt: Runtime, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return await rt.db.write(fn, *args, **kwargs)
    except IntegrityError:
        # Two requests raced for the same name; the unique constraint decided.
        raise Conflict("A gateway with this name already exists") from None


async def _target(rt: Runtime, actor: Actor, raw: str) -> service.Target:
    box = secret_box(rt.settings)
    if raw == ENV_KEY:
        return await rt.db.read(service.env_target, box, rt.settings)
    return await rt.db.read(service.target, box, actor.workspace_id, gateway_id(raw))


async def _keep_device_token(rt: Runtime, actor: Actor, target: service.Target, token: str) -> None:
    if token != target.device_token:
        box = secret_box(rt.settings)
        await rt.db.write(service.store_device_token, box, actor.workspace_id, target, token)


@router.get("/api/gateways", response_model=GatewayList, summary="List gateways (admin)")
async def list_gateways(rt: RuntimeDep, actor: AdminActor) -> Response:
    """Registered gateways (admin), primary first, plus the one configured by
    `OPENCLAW_GATEWAY_*` (`source: "env"`, `id: null`). Tokens are never returned, only
    `has_token` / `has_device_token`."""
    rows = await rt.db.read(service.list_gateways, actor.workspace_id)
    env = await rt.db.read(service.env_entry, secret_box(rt.settings), rt.settings)
    if env is not None:
        rows.append(env)
    return json_response({"gateways": rows, "total": len(rows)})


@router.post(
    "/api/gateways",
    status_code=201,
    response_model=GatewayEnvelope,
    summary="Register a gateway (admin)",
)
async def create_gateway(body: GatewayCreate, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Register `{name, url (ws:// or wss://), token?, is_primary?, verify?}` (admin) → 201
    `{gateway}`. The token is stored encrypted and never returned. With `verify: true` the
    gateway is connected first (bounded waits); any failure → 502/504 (400 for an insecure
    URL, 503 while the device identity is unusable) with `code` and `guidance`, and nothing is
    saved. A taken name → 409."""
    fields = body.model_dump()
    _usable_url(rt, fields["url"])
    device_token, status = "", "unknown"
    if body.verify:
        device_token = await live.verify(rt.gateways, fields["url"], fields.get("token") or "")
        status = "online"
    box = secret_box(rt.settings)
    gateway = await _write(
        rt, service.create_gateway, actor, box, fields, device_token=device_token, status=status
    )
    return json_response({"gateway": gateway}, status=201)


@router.get("/api/gateways/{gid}", response_model=GatewayEnvelope, summary="Get a gateway (admin)")
async def get_gateway(gid: str, rt: RuntimeDep, actor: AdminActor) -> Response:
    """One registered gateway (admin) → `{gateway}`; 404 when missing."""
    if gid == ENV_KEY:
        env = await rt.db.read(service.env_entry, secret_box(rt.settings), rt.settings)
        if env is None:
            raise BadRequest(service.NO_ENV_GATEWAY)
        return json_response({"gateway": env})
    gateway = await rt.db.read(service.get_gateway, actor.workspace_id, gateway_id(gid))
    return json_response({"gateway": gateway})


@router.patch(
    "/api/gateways/{gid}", response_model=GatewayEnvelope, summary="Update a gateway (admin)"
)
async def update_gateway(
    gid: str, body: GatewayPatch, rt: RuntimeDep, actor: AdminActor
) -> Response:
    """Partial update (admin): `name`, `url` (a new URL forgets the device token), `token`
    (`null` or `""` removes it), `is_primary` → `{gateway}`. The open connection is dropped."""
    ident = gateway_id(gid)
    changes = body.model_dump(exclude_unset=True)
    for key in ("name", "url", "is_primary"):
        if key in changes and changes[key] is None:
            raise BadRequest(f"{key} cannot be null")
    if changes.get("url"):
        _usable_url(rt, changes["url"])
    box = secret_box(rt.settings)
    gateway = await _write(rt, service.update_gateway, actor, box, ident, changes)
    await rt.gateways.discard(str(ident))
    return json_response({"gateway": gateway})


@router.delete(
    "/api/gateways",
    summary="Remove a gateway by body id (admin)",
    responses={200: {"model": Success}},
    openapi_extra=documented_body(GatewayRef),
)
async def delete_gateway_by_body(request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """The original's form, `DELETE /api/gateways {id}` (admin) → `{success: true}`; the
    same as `DELETE /api/gateways/{id}`."""
    body = await json_object(request)
    raw = body.get("id")
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise BadRequest("id is required")
    ident = gateway_id(str(raw))
    await rt.db.write(service.delete_gateway, actor, ident)
    await rt.gateways.discard(str(ident))
    return json_response({"success": True})


@router.delete(
    "/api/gateways/{gid}",
    summary="Remove a gateway (admin)",
    responses={200: {"model": Success}},
)
async def delete_gateway(gid: str, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Remove a registered gateway and its stored tokens (admin) → `{success: true}`."""
    ident = gateway_id(gid)
    await rt.db.write(service.delete_gateway, actor, ident)
    await rt.gateways.discard(str(ident))
    return json_response({"success": True})


@router.post(
    "/api/gateways/health", response_model=HealthReport, summary="Probe every gateway (admin)"
)
async def probe_gateways(rt: RuntimeDep, actor: AdminActor) -> Response:
    """Connect to each gateway (one attempt each, all at once, every wait bounded) and ask
    `health` (admin) → `{results: [{id, name, url, status: online|offline|error, latency_ms,
    server_version, error, code, guidance}], summary, checked_at}`. Each stored gateway's
    status is saved; the probe is audited as `integration_gateway_health`."""
    box = secret_box(rt.settings)
    targets = await rt.db.read(service.all_targets, box, actor.workspace_id, rt.settings)
    outcomes = await live.probe_all(rt.gateways, targets)
    await rt.db.write(service.record_health, actor, box, outcomes)
    results = [result for _, result, _ in outcomes]
    summary = {s: sum(1 for r in results if r["status"] == s) for s in service.STATUSES}
    return json_response({"results": results, "summary": summary, "checked_at": int(time.time())})


@router.get(
    "/api/gateways/{gid}/sessions",
    response_model=SessionList,
    summary="A gateway's sessions (operator)",
)
async def gateway_sessions(
    gid: str, rt: RuntimeDep, actor: OperatorActor, limit: str | None = None
) -> Response:
    """Sessions the gateway knows (`sessions.list`), `limit` 1..200 (default 50), for a
    stored gateway id or `env` (operator). Gateway failures → 502/504 with `guidance`."""
    page = clamp_limit(limit, MAX_SESSIONS)
    target = await _target(rt, actor, gid)
    payload, token = await live.call(rt.gateways, target, "sessions.list", {"limit": page})
    await _keep_device_token(rt, actor, target, token)
    sessions = live.items(payload, "sessions")[:page]
    total = payload.get("totalCount") if isinstance(payload, dict) else None
    return json_response(
        {
            "gateway": target.name,
            "sessions": sessions,
            "count": len(sessions),
            "total": total if isinstance(total, int) else None,
            "has_more": bool(isinstance(payload, dict) and payload.get("hasMore")),
        }
    )


@router.get(
    "/api/gateways/{gid}/agents",
    response_model=GatewayAgentList,
    summary="A gateway's agents (operator)",
)
async def gateway_agents(gid: str, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """Agents the gateway runs (`agents.list`) for a stored gateway id or `env` (operator)."""
    target = await _target(rt, actor, gid)
    payload, token = await live.call(rt.gateways, target, "agents.list", {})
    await _keep_device_token(rt, actor, target, token)
    default = payload.get("defaultId") if isinstance(payload, dict) else None
    return json_response(
        {
            "gateway": target.name,
            "agents": live.items(payload, "agents"),
            "default_id": default if isinstance(default, str) else None,
        }
    )
