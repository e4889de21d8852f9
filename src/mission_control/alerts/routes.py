"""Routes: /api/alerts — rules (viewer reads, operator writes, admin deletes) and evaluation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.alerts import service
from mission_control.alerts.evaluate import evaluate_all, evaluate_rule
from mission_control.alerts.schemas import (
    AlertRuleCreate,
    AlertRuleEnvelope,
    AlertRuleList,
    AlertRuleRef,
    AlertRuleUpdate,
    DeletedOut,
    EvaluateRequest,
    EvaluationOut,
)
from mission_control.bodies import documented_body, json_object
from mission_control.deps import RuntimeDep
from mission_control.responses import json_response
from mission_control.security.actor import Actor
from mission_control.security.rbac import AdminActor, OperatorActor, ViewerActor

router = APIRouter(tags=["alerts"])

# Fields that may be cleared with null; the others keep their value when null is sent.
NULLABLE = ("description", "action_config")

_POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        AlertRuleCreate.model_json_schema(),
                        EvaluateRequest.model_json_schema(),
                    ]
                }
            }
        },
    },
}


@router.get("/api/alerts", response_model=AlertRuleList, summary="List alert rules (viewer)")
async def list_rules(rt: RuntimeDep, actor: ViewerActor) -> Response:
    """Every alert rule of the workspace, oldest first."""
    rules = await rt.db.read(service.list_rules, actor.workspace_id)
    return json_response({"rules": rules})


@router.post(
    "/api/alerts",
    summary="Create an alert rule, or evaluate the rules now (operator)",
    openapi_extra=_POST_BODY,
    responses={201: {"model": AlertRuleEnvelope}, 200: {"model": EvaluationOut}},
)
async def create_or_evaluate(request: Request, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """A rule body → 201 `{rule}`. `{action:"evaluate", id?}` → `{evaluated, triggered,
    results:[{rule_id, rule_name, triggered, reason}]}`: every enabled rule (or rule `id`,
    enabled or not) is evaluated now, cooldowns respected, actions run. Operator."""
    data = await json_object(request)
    if "action" in data:
        ask = EvaluateRequest.model_validate(data)
        if ask.id is not None:
            rule_id = ask.id

            def one(conn: Any, actor: Actor) -> dict[str, Any]:
                rule = service.get_rule(conn, actor.workspace_id, rule_id)
                result = evaluate_rule(conn, rule, int(rt.scheduler.clock()))
                return {"evaluated": 1, "triggered": int(result["triggered"]), "results": [result]}

            return json_response(await rt.db.write(one, actor))
        return json_response(
            await rt.db.write(
                evaluate_all, workspace_id=actor.workspace_id, now=int(rt.scheduler.clock())
            )
        )
    body = AlertRuleCreate.model_validate(data)
    rule = await rt.db.write(service.create_rule, actor, body.model_dump())
    return json_response({"rule": rule}, status=201)


@router.put(
    "/api/alerts", response_model=AlertRuleEnvelope, summary="Update an alert rule (operator)"
)
async def update_rule(body: AlertRuleUpdate, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{id, …}` → `{rule}` with the changes applied; the whole rule is checked again and
    nothing is saved when it is invalid. Unknown id → 404. Operator."""
    changes = body.model_dump(exclude_unset=True, exclude={"id"})
    changes = {k: v for k, v in changes.items() if v is not None or k in NULLABLE}
    rule = await rt.db.write(service.update_rule, actor, body.id, changes)
    return json_response({"rule": rule})


@router.delete(
    "/api/alerts",
    response_model=DeletedOut,
    summary="Delete an alert rule (admin)",
    openapi_extra=documented_body(AlertRuleRef),
)
async def delete_rule(request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Body `{id}` → `{deleted:true}`; unknown id → 404; no body → 400. Admin."""
    data = await json_object(request, missing_message="Request body required: {id}")
    ref = AlertRuleRef.model_validate(data)
    await rt.db.write(service.delete_rule, actor, ref.id)
    return json_response({"deleted": True})
