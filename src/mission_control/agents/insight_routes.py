"""Routes: heartbeats, attribution and diagnostics of one agent, and /api/connect."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.agents import attribution, connections, diagnostics, heartbeat
from mission_control.agents.access import AGENT_NAME_HEADER, caller_agent_name
from mission_control.agents.insights import DEFAULT_HOURS, MAX_HOURS, parse_sections, parse_window
from mission_control.agents.schemas import (
    AttributionOut,
    ConnectIn,
    ConnectionList,
    ConnectOut,
    DiagnosticsOut,
    Disconnect,
    Disconnected,
    HeartbeatIn,
    HeartbeatOut,
)
from mission_control.bodies import documented_body, json_object
from mission_control.deps import RuntimeDep
from mission_control.errors import TooManyRequests
from mission_control.query import documented_params, flag_param_doc, hand_param, list_param
from mission_control.responses import json_response
from mission_control.runtime import Runtime
from mission_control.security.actor import Actor
from mission_control.security.rbac import OperatorActor, ViewerActor

router = APIRouter(tags=["agents"])

_TRUE = ("1", "true", "yes")


def _report_params(sections: tuple[str, ...]) -> dict[str, Any]:
    """The OpenAPI parameters `_report_args` reads by hand."""
    return documented_params(
        hand_param(
            "hours",
            "The last this many hours",
            type="integer",
            minimum=1,
            maximum=MAX_HOURS,
            default=DEFAULT_HOURS,
        ),
        list_param(
            "section",
            "Only these sections (comma-separated; all when absent)",
            {"type": "string", "enum": list(sections)},
        ),
        flag_param_doc("privileged", "An admin reads another agent's report", on=_TRUE),
        hand_param(
            "X-Agent-Name",
            "The agent asking; with an agent key it must name the key's agent",
            where="header",
        ),
    )


async def _beat(rt: Runtime, actor: Actor, agent_ref: str, body: HeartbeatIn | None) -> Response:
    agent_id = await rt.db.read(heartbeat.find_for_heartbeat, actor, agent_ref)
    wait = await rt.limiter.hit("heartbeat", f"{actor.workspace_id}:{agent_id}")
    if wait:
        raise TooManyRequests(wait)
    usage = body.token_usage.model_dump() if body and body.token_usage else None
    answer = await rt.db.write(
        heartbeat.heartbeat,
        actor,
        agent_id,
        connection_id=body.connection_id if body else None,
        usage=usage,
    )
    return json_response(answer)


@router.get(
    "/api/agents/{agent_ref}/heartbeat",
    response_model=HeartbeatOut,
    summary="Heartbeat of an agent (viewer)",
)
async def heartbeat_get(agent_ref: str, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """Marks the agent alive (`idle`; a `busy` agent stays busy) and lists its assigned
    tasks (priority order) and unread notifications. Unknown agent → 404; an agent key only
    for its own agent; 30 per minute per agent. Viewer."""
    return await _beat(rt, actor, agent_ref, None)


@router.post(
    "/api/agents/{agent_ref}/heartbeat",
    response_model=HeartbeatOut,
    summary="Heartbeat of an agent with token usage (operator)",
)
async def heartbeat_post(
    agent_ref: str, rt: RuntimeDep, actor: OperatorActor, body: HeartbeatIn | None = None
) -> Response:
    """Like GET, and `{token_usage:{model, inputTokens, outputTokens, taskId?}}` is recorded
    under the agent's name (session `<name>:cli`) → `token_recorded:true`; `{connection_id}`
    keeps a direct connection fresh. Operator."""
    return await _beat(rt, actor, agent_ref, body)


def _report_args(request: Request, actor: Actor, allowed: tuple[str, ...]) -> dict[str, object]:
    query = request.query_params
    return {
        "window": parse_window(query.get("hours")),
        "sections": parse_sections(query.get("section"), allowed),
        "caller_name": caller_agent_name(actor, request.headers.get(AGENT_NAME_HEADER)),
        "privileged": (query.get("privileged") or "").lower() in _TRUE,
    }


@router.get(
    "/api/agents/{agent_ref}/attribution",
    summary="What an agent did and spent (viewer)",
    responses={200: {"model": AttributionOut}},
    openapi_extra=_report_params(attribution.SECTIONS),
)
async def get_attribution(
    agent_ref: str, request: Request, rt: RuntimeDep, actor: ViewerActor
) -> Response:
    """`?hours=1..720&section=identity,audit,mutations,cost&privileged=1`. Only for the agent
    itself (its key, or `X-Agent-Name` naming it) or an admin with `privileged=1`; sections not
    asked for are left out. Viewer."""
    args = _report_args(request, actor, attribution.SECTIONS)
    report = await rt.db.read_heavy(attribution.attribution, actor, agent_ref, **args)
    return json_response(report)


@router.get(
    "/api/agents/{agent_ref}/diagnostics",
    summary="Health of one agent (viewer)",
    responses={200: {"model": DiagnosticsOut}},
    openapi_extra=_report_params(diagnostics.SECTIONS),
)
async def get_diagnostics(
    agent_ref: str, request: Request, rt: RuntimeDep, actor: ViewerActor
) -> Response:
    """`?hours=1..720&section=summary,tasks,errors,activity,trends,tokens&privileged=1`, with
    the same self/privileged rule as attribution. Viewer."""
    args = _report_args(request, actor, diagnostics.SECTIONS)
    report = await rt.db.read_heavy(diagnostics.diagnostics, actor, agent_ref, **args)
    return json_response(report)


@router.post("/api/connect", response_model=ConnectOut, summary="Connect a tool (operator)")
async def connect(body: ConnectIn, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{tool_name, tool_version?, agent_name?, agent_role?, metadata?}`: creates the agent if
    needed, marks it `online` → `{connection_id, agent_id, agent_name, status, sse_url,
    heartbeat_url, token_report_url}`. Operator."""
    result = await rt.db.write(
        connections.connect,
        actor,
        tool_name=body.tool_name.strip(),
        tool_version=body.tool_version,
        agent_name=body.agent_name,
        agent_role=body.agent_role,
        metadata=body.metadata,
    )
    return json_response(result)


@router.get(
    "/api/connect",
    summary="List direct connections (operator)",
    responses={200: {"model": ConnectionList}},
)
async def list_connections(rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{connections:[{connection_id, agent_name, tool_name, status, …}]}`, newest first.
    Operator."""
    return json_response({"connections": await rt.db.read(connections.list_connections, actor)})


@router.delete(
    "/api/connect",
    summary="Disconnect a tool (operator)",
    responses={200: {"model": Disconnected}},
    openapi_extra=documented_body(Disconnect),
)
async def disconnect(request: Request, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{connection_id}` → `{status:"disconnected", connection_id}`; the agent goes `offline`.
    Operator."""
    data = await json_object(request, missing_message="Request body required: {connection_id}")
    body = Disconnect.model_validate(data)
    return json_response(await rt.db.write(connections.disconnect, actor, body.connection_id))
