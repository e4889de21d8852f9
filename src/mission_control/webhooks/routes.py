"""Routes: /api/webhooks (admin), its delivery log, test and retry, and the verify docs."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.api_errors import BAD_INPUT
from mission_control.bodies import documented_body, json_object
from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest
from mission_control.pagination import clamp_limit, clamp_offset, page_params
from mission_control.query import documented_params, hand_param
from mission_control.responses import json_response
from mission_control.runtime import Runtime
from mission_control.security.actor import Actor
from mission_control.security.rbac import AdminActor, ViewerActor
from mission_control.webhooks import service
from mission_control.webhooks.delivery import Outcome
from mission_control.webhooks.dispatcher import event_body
from mission_control.webhooks.docs import verify_docs
from mission_control.webhooks.queue import (
    Claimed,
    cancel_scheduled_retries,
    insert_attempt,
    retry_uid,
)
from mission_control.webhooks.schemas import (
    DeliveryPage,
    DeliveryRef,
    SendResult,
    VerifyDocs,
    WebhookCreate,
    WebhookCreated,
    WebhookDeleted,
    WebhookList,
    WebhookRef,
    WebhookUpdate,
    WebhookUpdated,
)
from mission_control.webhooks.worker import private_allowed

router = APIRouter(tags=["webhooks"])
DELIVERIES_CAP = 200


def _result(outcome: Outcome, delivery_id: int) -> dict[str, Any]:
    return {
        "success": outcome.success,
        "status_code": outcome.status_code,
        "response_body": outcome.response_body,
        "error": outcome.error,
        "duration_ms": outcome.duration_ms,
        "delivery_id": delivery_id,
    }


@router.get(
    "/api/webhooks", response_model=WebhookList, summary="List webhooks, secrets masked (admin)"
)
async def list_webhooks(rt: RuntimeDep, actor: AdminActor) -> Response:
    """Every webhook with its masked secret, events, circuit state and delivery counts."""
    hooks = await rt.db.read(
        service.list_webhooks,
        actor.workspace_id,
        rt.settings.webhook_max_retries,
        rt.webhooks.box,
    )
    return json_response({"webhooks": hooks})


@router.post("/api/webhooks", response_model=WebhookCreated, summary="Create a webhook (admin)")
async def create_webhook(body: WebhookCreate, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Save a webhook; answers 200 with the full secret, shown this once."""
    created = await rt.db.write(
        service.create_webhook,
        actor,
        name=body.name,
        url=body.url,
        events=body.events,
        generate_secret=body.generate_secret,
        allow_private=private_allowed(rt.settings),
        box=rt.webhooks.box,
    )
    return json_response(created)


@router.put("/api/webhooks", response_model=WebhookUpdated, summary="Update a webhook (admin)")
async def update_webhook(body: WebhookUpdate, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Change name, url, events or enabled; `regenerate_secret` answers the new secret,
    `reset_circuit` closes an open circuit. Unknown id → 404."""
    changes = body.model_dump(
        exclude_unset=True, exclude={"id", "regenerate_secret", "reset_circuit"}
    )
    changes = {k: v for k, v in changes.items() if v is not None}
    answer = await rt.db.write(
        service.update_webhook,
        actor,
        body.id,
        changes,
        regenerate_secret=body.regenerate_secret,
        reset_circuit=body.reset_circuit,
        allow_private=private_allowed(rt.settings),
        box=rt.webhooks.box,
    )
    if body.reset_circuit or changes.get("enabled"):
        rt.wake_webhooks()  # deliveries held while the circuit was open may go now
    return json_response(answer)


@router.delete(
    "/api/webhooks",
    response_model=WebhookDeleted,
    summary="Delete a webhook (admin)",
    openapi_extra=documented_body(WebhookRef),
)
async def delete_webhook(request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Delete the webhook `{id}` and its delivery log → `{success, deleted}`."""
    data = await json_object(request, missing_message="Request body required: {id}")
    body = WebhookRef.model_validate(data)
    deleted = await rt.db.write(service.delete_webhook, actor, body.id)
    return json_response({"success": True, "deleted": deleted})


@router.get(
    "/api/webhooks/deliveries",
    response_model=DeliveryPage,
    responses=BAD_INPUT,
    summary="Webhook delivery log (admin)",
    openapi_extra=documented_params(
        hand_param("webhook_id", "Only deliveries of this webhook", type="integer"),
        *page_params(DELIVERIES_CAP),
    ),
)
async def list_deliveries(request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Newest first; `webhook_id`, `limit` (1..200, default 50) and `offset` filter it."""
    query = request.query_params
    webhook_id: int | None = None
    if query.get("webhook_id"):
        try:
            webhook_id = int(query["webhook_id"])
        except ValueError:
            raise BadRequest("webhook_id must be an integer") from None
    page = await rt.db.read(
        service.list_deliveries,
        actor.workspace_id,
        webhook_id=webhook_id,
        limit=clamp_limit(query.get("limit"), DELIVERIES_CAP),
        offset=clamp_offset(query.get("offset")),
    )
    return json_response(page)


async def _send_now(rt: Runtime, prepared: Claimed) -> dict[str, Any]:
    outcome = await rt.webhooks.deliver_now(prepared)
    return _result(outcome, prepared.id)


@router.post(
    "/api/webhooks/test", response_model=SendResult, summary="Send a test.ping to a webhook (admin)"
)
async def test_webhook(body: WebhookRef, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Send `test.ping` now and answer what the receiver said."""

    def prepare(conn: Any, actor: Actor) -> Claimed:
        hook = service.get_webhook(conn, actor.workspace_id, body.id)
        now = rt.webhooks.now()
        payload = event_body(
            "test.ping",
            now,
            {
                "message": "This is a test webhook from Mission Control",
                "webhook_id": hook["id"],
                "webhook_name": hook["name"],
                "triggered_by": actor.display_name,
            },
        )
        return insert_attempt(
            conn,
            webhook=hook,
            event_type="test.ping",
            payload=payload,
            now=now,
            uid=f"test{secrets.token_hex(8)}",
            state="sending",
        )

    prepared = await rt.db.write(prepare, actor)
    return json_response(await _send_now(rt, prepared))


@router.post(
    "/api/webhooks/retry", response_model=SendResult, summary="Send a delivery again (admin)"
)
async def retry_delivery(body: DeliveryRef, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Send the payload of delivery `delivery_id` again, now, as a new attempt."""

    def prepare(conn: Any, actor: Actor) -> Claimed:
        parent = service.get_delivery(conn, actor.workspace_id, body.delivery_id)
        hook = service.get_webhook(conn, actor.workspace_id, parent["webhook_id"])
        return insert_attempt(
            conn,
            webhook=hook,
            event_type=parent["event_type"],
            payload=parent["payload"],
            now=rt.webhooks.now(),
            uid=retry_uid(parent["delivery_uid"].split(":", 1)[0]),
            attempt=parent["attempt"] + 1,
            parent_id=parent["id"],
            state="sending",
        )

    prepared = await rt.db.write(prepare, actor)
    result = await _send_now(rt, prepared)
    if result["success"]:
        await rt.db.write(cancel_scheduled_retries, body.delivery_id)
    return json_response(result)


@router.get(
    "/api/webhooks/verify-docs",
    response_model=VerifyDocs,
    summary="How to verify webhook signatures (viewer)",
)
async def webhook_verify_docs(actor: ViewerActor) -> Response:
    """Headers, signature formats and short Python and Node verification examples."""
    return json_response(verify_docs())
