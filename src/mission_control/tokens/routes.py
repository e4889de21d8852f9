"""Routes: /api/tokens (operator records, viewer reads) and /api/tokens/by-agent."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.engine import Connection
from starlette.responses import Response

from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest
from mission_control.pagination import CAPS, clamp_limit, clamp_offset
from mission_control.responses import json_response
from mission_control.runtime import Runtime
from mission_control.security.actor import Actor
from mission_control.security.audit import audit
from mission_control.security.rbac import OperatorActor, ViewerActor
from mission_control.tokens import service, stats
from mission_control.tokens.schemas import (
    AgentCostsView,
    ByAgentView,
    ExportView,
    Recorded,
    StatsView,
    TaskCostsView,
    TrendsView,
    UsageCreate,
    UsageList,
)

router = APIRouter(tags=["tokens"])

ACTIONS = ("list", "stats", "agent-costs", "task-costs", "trends", "export")
FORMATS = ("json", "csv")
Param = Annotated[str | None, Query(max_length=40)]


@router.post("/api/tokens", summary="Record token usage (operator)", response_model=Recorded)
async def record(body: UsageCreate, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{model, sessionId ("agent:chatType"), inputTokens, outputTokens, operation?, duration?
    (ms), taskId?}` → `{success:true, record}` (operator). The agent is the part of `sessionId`
    before `:`; an agent key may only report for its own agent. Cost = (in × input price +
    out × output price) / 1e6 from the pricing table and the `pricing.overrides` setting."""
    record = await rt.db.write(service.record_usage, actor, body.model_dump())
    return json_response({"success": True, "record": record})


def _audit_export(conn: Connection, actor: Actor, fmt: str, timeframe: str, count: int) -> None:
    audit(
        conn,
        actor,
        "data_export",
        target_type="token_usage",
        detail={"format": fmt, "timeframe": timeframe, "count": count},
    )


async def _export(rt: Runtime, actor: Actor, since: int | None, timeframe: str, fmt: str) -> Any:
    await rt.enforce_limit("heavy", actor.ip)
    records, summary, truncated = await rt.db.read_heavy(
        stats.export_rows, actor.workspace_id, since
    )
    await rt.db.write(_audit_export, actor, fmt, timeframe, len(records))
    headers = {"X-MC-Truncated": "true"} if truncated else None
    if fmt == "csv":
        stamp = time.strftime("%Y-%m-%d", time.gmtime())
        return Response(
            stats.to_csv(records),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="token-usage-{timeframe}-{stamp}.csv"',
                **(headers or {}),
            },
        )
    return json_response(
        {
            "usage": records,
            "summary": summary,
            "timeframe": timeframe,
            "exported_at": int(time.time()),
            "count": len(records),
            "truncated": truncated,
        },
        headers=headers,
    )


@router.get(
    "/api/tokens",
    summary="Token usage: records, stats, costs by agent and task, trends, export (viewer)",
    responses={
        200: {
            "model": UsageList
            | StatsView
            | AgentCostsView
            | TaskCostsView
            | TrendsView
            | ExportView,
            "description": "One shape per `action`: `list` → UsageList, `stats` → StatsView, "
            "`agent-costs` → AgentCostsView, `task-costs` → TaskCostsView, `trends` → "
            "TrendsView, `export` → ExportView, or with `format=csv` a CSV download.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def read_usage(
    rt: RuntimeDep,
    actor: ViewerActor,
    action: Param = None,
    timeframe: Param = None,
    format: Param = None,
    limit: Param = None,
    offset: Param = None,
) -> Response:
    """`action=list` (default; `limit` 1..10000, default 50, `offset`) | `stats` | `agent-costs`
    | `task-costs` | `trends` (hourly) | `export` (`format=json|csv`, audited `data_export`);
    `timeframe=hour|day|week|month|all` (default `all`) is echoed (viewer)."""
    act = action or "list"
    if act not in ACTIONS:
        raise BadRequest(f"Invalid action. Expected one of: {', '.join(ACTIONS)}")
    frame = timeframe or "all"
    since = service.since_for(frame, int(time.time()))
    ws = actor.workspace_id
    if act == "export":
        fmt = format or "json"
        if fmt not in FORMATS:
            raise BadRequest("Invalid format. Expected one of: json, csv")
        result: Response = await _export(rt, actor, since, frame, fmt)
        return result
    if act == "list":
        size = clamp_limit(limit, CAPS["token_usage"])
        start = clamp_offset(offset)
        items, total = await rt.db.read_heavy(service.list_usage, ws, since, size, start)
        return json_response(
            {"usage": items, "total": total, "limit": size, "offset": start, "timeframe": frame}
        )
    view = {
        "stats": stats.usage_stats,
        "agent-costs": stats.agent_costs,
        "task-costs": stats.task_costs,
        "trends": stats.trends,
    }[act]
    return json_response(await rt.db.read_heavy(view, ws, since, frame))


@router.get(
    "/api/tokens/by-agent",
    summary="Token totals per agent and model over recent days (viewer)",
    response_model=ByAgentView,
)
async def usage_by_agent(rt: RuntimeDep, actor: ViewerActor, days: Param = None) -> Response:
    """`days` 1..365 (default 30) → `{agents:[{agent, input_tokens, output_tokens,
    total_tokens, cost, request_count, session_count, last_active, models:[…]}], summary,
    days, since}`, costliest first (viewer). Days outside 1..365 → 400."""
    raw = days if days not in (None, "") else "30"
    if not raw.isdigit() or not 1 <= int(raw) <= 365:
        raise BadRequest("Invalid days. Expected integer 1..365.")
    span = int(raw)
    since = int(time.time()) - span * 86400
    result = await rt.db.read_heavy(stats.by_agent, actor.workspace_id, since)
    return json_response({**result, "days": span, "since": since})
