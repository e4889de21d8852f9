"""Routes: /api/notifications — list (viewer), mark read/delivered (operator), delete (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.api_errors import BAD_INPUT
from mission_control.bodies import json_object
from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest, Forbidden
from mission_control.notifications import service
from mission_control.notifications.schemas import (
    Deleted,
    Delivered,
    IdList,
    MarkedRead,
    MarkRead,
    NotificationAction,
    NotificationList,
)
from mission_control.pagination import CAPS, clamp_limit, clamp_offset, page_params
from mission_control.query import documented_params, flag_param, flag_param_doc, hand_param
from mission_control.responses import json_response
from mission_control.security.actor import Actor
from mission_control.security.rbac import AdminActor, OperatorActor, ViewerActor

router = APIRouter(tags=["notifications"])

OWN_ONLY = "Access denied: agent key may only access its own notifications."


def _own_only(actor: Actor, recipient: str) -> None:
    """An agent key without the admin scope reads and marks only its own agent's notifications."""
    if actor.agent_restricted and recipient != actor.agent_name:
        raise Forbidden(OWN_ONLY)


@router.get(
    "/api/notifications",
    response_model=NotificationList,
    responses=BAD_INPUT,
    summary="A recipient's notifications (viewer)",
    openapi_extra=documented_params(
        hand_param(
            "recipient", "Whose notifications (the first 200 characters count)", required=True
        ),
        flag_param_doc("unread_only", "Only unread notifications"),
        hand_param("type", "Only notifications of this type"),
        *page_params(CAPS["notifications"]),
    ),
)
async def list_notifications(request: Request, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """Notifications of `recipient` (required), newest first (viewer).

    `unread_only=1`, `type=`, `limit` (≤ 500), `offset` →
    `{notifications, total, page, limit, unreadCount}`.
    """
    q = request.query_params
    recipient = (q.get("recipient") or "").strip()
    if not recipient:
        raise BadRequest("Recipient is required")
    _own_only(actor, recipient)
    limit = clamp_limit(q.get("limit"), CAPS["notifications"])
    offset = clamp_offset(q.get("offset"))
    body = await rt.db.read(
        service.list_notifications,
        actor.workspace_id,
        recipient[:200],
        unread_only=flag_param(q.get("unread_only")),
        type=q.get("type") or None,
        limit=limit,
        offset=offset,
    )
    body["page"] = offset // limit + 1
    body["limit"] = limit
    return json_response(body)


@router.put(
    "/api/notifications", response_model=MarkedRead, summary="Mark notifications read (operator)"
)
async def mark_read(body: MarkRead, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """Mark `{ids}` read, or all of a recipient's with `{recipient, markAllRead:true}`
    (operator) → `{success:true, markedAsRead:N}`."""
    if body.ids is not None:
        if actor.agent_restricted:
            # Restricted agent keys may only touch their own notifications.
            count = await rt.db.write(
                service.mark_read, actor.workspace_id, ids=body.ids, recipient=actor.agent_name
            )
        else:
            count = await rt.db.write(service.mark_read, actor.workspace_id, ids=body.ids)
    elif body.recipient and body.markAllRead:
        _own_only(actor, body.recipient)
        count = await rt.db.write(service.mark_read, actor.workspace_id, recipient=body.recipient)
    else:
        raise BadRequest("Provide ids, or recipient with markAllRead:true")
    return json_response({"success": True, "markedAsRead": count})


@router.post(
    "/api/notifications",
    response_model=Delivered,
    summary="Mark an agent's notifications delivered (operator)",
)
async def notification_action(
    body: NotificationAction, rt: RuntimeDep, actor: OperatorActor
) -> Response:
    """`{action:"mark-delivered", agent}` hands the agent its undelivered notifications and
    marks them delivered (operator) → `{success:true, delivered:N, notifications}`."""
    if body.action != "mark-delivered":
        raise BadRequest("Unknown action; expected mark-delivered")
    agent = (body.agent or "").strip()
    if not agent:
        raise BadRequest("Agent name is required")
    _own_only(actor, agent)
    rows = await rt.db.write(service.mark_delivered, actor.workspace_id, agent)
    return json_response({"success": True, "delivered": len(rows), "notifications": rows})


@router.delete(
    "/api/notifications",
    response_model=Deleted,
    summary="Delete notifications (admin)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": IdList.model_json_schema()}},
        }
    },
)
async def delete_notifications(request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Delete `{ids}` (admin) → `{success:true, deleted:N}`; no body → 400."""
    data = await json_object(request, missing_message="Request body required: {ids}")
    body = IdList.model_validate(data)
    deleted = await rt.db.write(service.delete_notifications, actor.workspace_id, body.ids)
    return json_response({"success": True, "deleted": deleted})
