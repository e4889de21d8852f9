"""Oversized or too many request headers get 431 in the JSON error shape, before any work."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_API_KEY, AppHarness

pytestmark = pytest.mark.anyio


async def test_large_header_sets_are_refused(harness: AppHarness) -> None:
    client = harness.key_client(TEST_API_KEY)
    ordinary = await client.get("/api/agents", headers={"cookie": "pref=" + "x" * 8000})
    assert ordinary.status_code == 200
    too_big = await client.get("/api/agents", headers={"x-pad": "x" * 40_000})
    assert too_big.status_code == 431
    assert too_big.json() == {"error": "Request headers too large"}
    assert too_big.headers["x-content-type-options"] == "nosniff"
    too_many = await client.get("/api/agents", headers={f"x-pad-{i}": "v" for i in range(150)})
    assert too_many.status_code == 431
    # Refused before identity resolution: a bad key hidden in a huge request is not audited.
    huge_key = await harness.new_client().get(
        "/api/agents", headers={"x-api-key": "mca_" + "0" * 48, "x-pad": "x" * 40_000}
    )
    assert huge_key.status_code == 431
