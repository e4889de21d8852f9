"""The interactive API reference at /docs: Swagger UI served from our own static files.

FastAPI's stock page loads Swagger UI from a CDN and starts it with an inline script, which
the strict CSP refuses; this page uses the vendored copy in static/vendor/swagger-ui and
starts it from static/js/docs.js.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from mission_control.web.routes import templates

router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def api_docs(request: Request) -> Response:
    openapi_url = request.scope.get("root_path", "") + (request.app.openapi_url or "")
    return templates.TemplateResponse(request, "docs.html", {"openapi_url": openapi_url})
