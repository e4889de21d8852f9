"""Every operation's success answer is described in the OpenAPI document by a model.

A route that answers with a `Response` and declares no model documents `{}` for its JSON;
this guard fails for such a route, so a new route cannot go out undocumented.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.responses import Response

from mission_control.app import create_app
from mission_control.responses import json_response
from mission_control.settings import Settings

# (method, path, media type) of 2xx answers allowed to go without a schema. None today: an
# answer that is not JSON (a file download, CSV, Server-Sent Events, HTML) documents its
# media type with a string schema instead. Add an entry only with a comment saying why.
EXEMPT: frozenset[tuple[str, str, str]] = frozenset()

# A JSON schema names fields when it has properties or points at (a union of) models.
_DESCRIBING = ("$ref", "properties", "anyOf", "oneOf", "allOf")


def _describes(media_type: str, schema: dict[str, Any]) -> bool:
    if media_type == "application/json":
        return any(key in schema for key in _DESCRIBING)
    return bool(schema.get("type") or schema.get("$ref"))


def undocumented(spec: dict[str, Any]) -> list[str]:
    """`METHOD path status media-type` of every 2xx answer without a describing schema."""
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                if not status.startswith("2") or status == "204":
                    continue
                content = answer.get("content") or {"application/json": {}}
                for media_type, body in content.items():
                    if (method, path, media_type) in EXEMPT:
                        continue
                    if not _describes(media_type, body.get("schema") or {}):
                        found.append(f"{method.upper()} {path} {status} {media_type}")
    return found


def test_every_success_answer_has_a_model(settings: Settings) -> None:
    assert undocumented(create_app(settings, migrate=False).openapi()) == []


def test_the_guard_catches_a_route_without_a_model(settings: Settings) -> None:
    app: FastAPI = create_app(settings, migrate=False)

    @app.get("/api/unmodelled")
    async def unmodelled() -> Response:
        return json_response({"anything": True})

    @app.get("/api/loose", response_model=dict[str, Any])
    async def loose() -> Response:
        return json_response({"anything": True})

    assert undocumented(app.openapi()) == [
        "GET /api/unmodelled 200 application/json",
        "GET /api/loose 200 application/json",
    ]
