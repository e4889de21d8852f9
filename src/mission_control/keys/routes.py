"""Routes: GET/POST /api/tokens/rotate (admin)."""

from __future__ import annotations

import time

from fastapi import APIRouter
from sqlalchemy.engine import Connection
from starlette.responses import Response

from mission_control.deps import RuntimeDep
from mission_control.keys.schemas import GlobalKeyStatus, RotatedKey
from mission_control.responses import json_response
from mission_control.security.actor import Actor
from mission_control.security.api_keys import global_key_status, rotate_global_key
from mission_control.security.audit import audit
from mission_control.security.digests import key_prefix
from mission_control.security.ratelimit import limit_identity_change
from mission_control.security.rbac import AdminActor

router = APIRouter(tags=["api keys"])


@router.get(
    "/api/tokens/rotate",
    summary="Where the global API key comes from (admin)",
    responses={200: {"model": GlobalKeyStatus}},
)
async def key_status(rt: RuntimeDep, actor: AdminActor) -> Response:
    return json_response(await rt.db.read(global_key_status, rt.settings.api_key))


def _rotate(conn: Connection, actor: Actor) -> str:
    key = rotate_global_key(conn, updated_by=actor.username, now=int(time.time()))
    audit(
        conn,
        actor,
        "api_key_rotated",
        target_type="api_key",
        target_id="global",
        detail={"key_prefix": key_prefix(key)},
    )
    return key


@router.post(
    "/api/tokens/rotate",
    summary="Rotate the global API key: shown once, the old and env keys stop (admin)",
    responses={200: {"model": RotatedKey}},
)
async def rotate(rt: RuntimeDep, actor: AdminActor) -> Response:
    await limit_identity_change(rt.limiter, actor)
    key = await rt.db.write(_rotate, actor)
    return json_response(
        {
            "api_key": key,
            "key_prefix": key_prefix(key),
            "message": "Store this key now; it is not shown again.",
        }
    )
