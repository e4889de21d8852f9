"""Checking that bad input is refused cleanly: a JSON error and nothing written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.conftest import AppHarness

Snapshot = Callable[[AppHarness], Awaitable[Any]]


async def assert_refused(
    snapshot: Snapshot,
    harness: AppHarness,
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    status: int = 400,
    error: str | None = None,
    detail: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Send a request that must be refused; check the answer and that `snapshot` is unchanged."""
    before = await snapshot(harness)
    answer = await client.request(method, url, **kwargs)
    assert answer.status_code == status, (method, url, kwargs, answer.text)
    assert answer.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = answer.json()
    assert isinstance(body.get("error"), str) and body["error"]
    if error is not None:
        assert body["error"] == error, body
    if detail is not None:
        assert any(detail in d for d in body.get("details", [])), body
    assert await snapshot(harness) == before, (method, url, kwargs)
    return body
