"""GET /api/events in the OpenAPI document: an event stream for viewers."""

from __future__ import annotations

import httpx


async def test_openapi_describes_the_stream(admin: httpx.AsyncClient) -> None:
    doc = (await admin.get("/api/docs")).json()
    operation = doc["paths"]["/api/events"]["get"]
    assert "(viewer)" in operation["summary"]
    assert "text/event-stream" in operation["responses"]["200"]["content"]
