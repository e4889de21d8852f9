"""Routes: GET /api/events, the live event stream (viewer)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from mission_control.deps import RuntimeDep
from mission_control.events.sse import (
    EVENT_ID_DIGITS,
    HEADERS,
    event_stream,
    parse_last_event_id,
)
from mission_control.query import documented_params, hand_param
from mission_control.security.rbac import ViewerActor

router = APIRouter(tags=["events"])

_REPLAY = "Replay the events after this id; anything not a whole number is ignored"
_EVENT_ID = {"type": "integer", "minimum": 0, "maximum": 10**EVENT_ID_DIGITS - 1}


@router.get(
    "/api/events",
    summary="Live events as Server-Sent Events (viewer)",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An endless `text/event-stream`; each event is `id: N` and "
            "`data: {type, data, timestamp}` (timestamp in ms).",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        401: {"description": "Not signed in"},
    },
    openapi_extra=documented_params(
        hand_param("Last-Event-ID", _REPLAY, where="header", **_EVENT_ID),
        hand_param("lastEventId", f"{_REPLAY} (the header wins)", **_EVENT_ID),
    ),
)
async def events(request: Request, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """Server-Sent Events of the caller's workspace (viewer): first a `connected` message,
    then each event as `id: N` + `data: {type, data, timestamp}`, and a `: heartbeat`
    comment every 30 s. `Last-Event-ID` (or `?lastEventId=`) replays what was missed, up to
    the last 1000 events of the last 10 minutes."""
    last = parse_last_event_id(
        request.headers.get("last-event-id") or request.query_params.get("lastEventId")
    )
    stream = event_stream(rt.bus, rt.db.read, actor.workspace_id, last)
    return StreamingResponse(stream, media_type="text/event-stream", headers=HEADERS)
