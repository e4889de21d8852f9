"""Every operations route documents its answer (a model in OpenAPI) and its minimum role."""

from __future__ import annotations

from typing import Any

from tests.conftest import AppHarness

OPS_ROUTES = [
    ("get", "/api/scheduler"),
    ("post", "/api/scheduler"),
    ("get", "/api/schedule-parse"),
    ("get", "/api/workflows"),
    ("post", "/api/workflows"),
    ("put", "/api/workflows"),
    ("delete", "/api/workflows"),
    ("get", "/api/pipelines"),
    ("post", "/api/pipelines"),
    ("put", "/api/pipelines"),
    ("delete", "/api/pipelines"),
    ("get", "/api/pipelines/run"),
    ("post", "/api/pipelines/run"),
    ("get", "/api/tokens"),
    ("post", "/api/tokens"),
    ("get", "/api/tokens/by-agent"),
    ("get", "/api/logs"),
    ("post", "/api/logs"),
    ("get", "/api/settings"),
    ("put", "/api/settings"),
    ("delete", "/api/settings"),
    ("get", "/api/cleanup"),
    ("post", "/api/cleanup"),
    ("get", "/api/backup"),
    ("post", "/api/backup"),
    ("delete", "/api/backup"),
]
# Routes that take no body at all.
NO_BODY = {("post", "/api/backup")}


async def test_routes_have_response_models(harness: AppHarness) -> None:
    spec: dict[str, Any] = harness.app.openapi()
    undocumented = []
    for verb, path in OPS_ROUTES:
        operation = spec["paths"][path][verb]
        answers = operation["responses"]
        ok = answers.get("200") or answers.get("201") or {}
        schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
        if not (schema.get("$ref") or schema.get("anyOf") or schema.get("properties")):
            undocumented.append((verb, path, "answer"))
        if verb != "get" and (verb, path) not in NO_BODY and "requestBody" not in operation:
            undocumented.append((verb, path, "body"))
    assert undocumented == []
