"""Routes: /api/settings (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.bodies import documented_body, json_object
from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest
from mission_control.responses import json_response
from mission_control.security.rbac import AdminActor
from mission_control.settings_api import service
from mission_control.settings_api.schemas import (
    SettingKey,
    SettingReset,
    SettingsList,
    SettingsUpdate,
    SettingsUpdated,
)

router = APIRouter(tags=["settings"])


@router.get(
    "/api/settings",
    summary="List declared settings (admin)",
    responses={200: {"model": SettingsList}},
)
async def list_settings(rt: RuntimeDep, actor: AdminActor) -> Response:
    """Every declared setting with its value, description, category and `is_default` (admin).
    `security.*` keys are never listed."""
    return json_response(await rt.db.read(service.list_settings, rt.settings))


@router.put(
    "/api/settings",
    summary="Change settings (admin)",
    responses={200: {"model": SettingsUpdated}},
    openapi_extra=documented_body(SettingsUpdate),
)
async def update_settings(request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """`{settings:{key: value}}` → `{updated, count}` (admin). Only declared keys; one bad key
    or value refuses the whole change."""
    data = await json_object(request, missing_message="Request body required: {settings}")
    changes = data.get("settings")
    if not isinstance(changes, dict):
        raise BadRequest("settings must be an object of key: value")
    result = await rt.db.write(service.update_settings, rt.settings, actor, changes)
    return json_response(result)


@router.delete(
    "/api/settings",
    summary="Reset a setting to its default (admin)",
    responses={200: {"model": SettingReset}},
    openapi_extra=documented_body(SettingKey),
)
async def reset_setting(request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """`{key}` → the setting returns to its default (admin)."""
    data = await json_object(request, missing_message="Request body required: {key}")
    result = await rt.db.write(service.reset_setting, rt.settings, actor, data.get("key"))
    return json_response(result)
