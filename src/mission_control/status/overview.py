"""The dashboard counts behind /api/status?action=overview|dashboard (viewer)."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from mission_control.errors import BadRequest
from mission_control.runtime import Runtime
from mission_control.security.rbac import require_role


async def status_overview(request: Request, rt: Runtime, action: str) -> Response:
    await require_role("viewer")(request)
    if action not in ("overview", "dashboard"):
        raise BadRequest("Unknown action; expected health, overview or dashboard")
    raise BadRequest("Not available yet")
