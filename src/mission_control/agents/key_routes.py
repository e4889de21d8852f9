"""Routes: /api/agents/{id}/keys — agent API keys (admin)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.agents import keys
from mission_control.agents.schemas import (
    AgentKeyList,
    KeyCreate,
    KeyCreated,
    KeyRevoke,
    KeyRevoked,
)
from mission_control.bodies import documented_body, json_object
from mission_control.deps import RuntimeDep
from mission_control.responses import json_response
from mission_control.security.ratelimit import limit_identity_change
from mission_control.security.rbac import AdminActor

router = APIRouter(tags=["agent keys"])


@router.get(
    "/api/agents/{agent_ref}/keys",
    summary="List an agent's API keys (admin)",
    responses={200: {"model": AgentKeyList}},
)
async def list_keys(agent_ref: str, rt: RuntimeDep, actor: AdminActor) -> Response:
    """`{agent:{id, name}, keys:[…]}`, newest first; never a key or its hash. Admin."""
    return json_response(await rt.db.read(keys.list_keys, actor, agent_ref))


@router.post(
    "/api/agents/{agent_ref}/keys",
    status_code=201,
    response_model=KeyCreated,
    summary="Create an agent API key (admin)",
)
async def create_key(
    agent_ref: str, body: KeyCreate, rt: RuntimeDep, actor: AdminActor
) -> Response:
    """`{name?, scopes?, expires_in_days? (1..3650) or expires_at? (unix s)}` → 201 `{key,
    api_key}`; the `mca_` key is shown only here. Scopes default to `operator, agent:self`.
    An expiry in the past is accepted; such a key never works. Audited. Admin."""
    now = int(time.time())
    scopes = keys.normalize_scopes(body.scopes)
    expires_at = keys.expiry(body.expires_in_days, body.expires_at, now)
    await limit_identity_change(rt.limiter, actor)
    row, api_key = await rt.db.write(
        keys.create_key,
        actor,
        agent_ref,
        name=body.name,
        scopes=scopes,
        expires_at=expires_at,
        now=now,
    )
    return json_response({"key": row, "api_key": api_key}, status=201)


@router.delete(
    "/api/agents/{agent_ref}/keys",
    summary="Revoke an agent API key (admin)",
    responses={200: {"model": KeyRevoked}},
    openapi_extra=documented_body(KeyRevoke),
)
async def revoke_key(
    agent_ref: str, request: Request, rt: RuntimeDep, actor: AdminActor
) -> Response:
    """`{key_id}` → `{success:true, key_id, revoked_at}`; the key stops working at once.
    Audited. Admin."""
    data = await json_object(request, missing_message="Request body required: {key_id}")
    body = KeyRevoke.model_validate(data)
    await limit_identity_change(rt.limiter, actor)
    result = await rt.db.write(keys.revoke_key, actor, agent_ref, body.key_id, int(time.time()))
    return json_response(result)
