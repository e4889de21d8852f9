"""MC_OPENCLAW_DEADLINE: one probe or call ends in time even when every single wait would not."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.gateways.fake_gateway import FakeGateway, running

pytestmark = pytest.mark.anyio


async def test_gateway_stuck_after_the_challenge_meets_the_deadline(harness_factory: Any) -> None:
    gateway = FakeGateway(mode="mute_after_challenge")
    with running(gateway):
        # Each wait alone (5 s for the answer to connect) is longer than the whole deadline.
        async with harness_factory(
            openclaw_gateway_url=gateway.url,
            openclaw_gateway_token=gateway.token,
            openclaw_challenge_timeout=5,
            openclaw_request_timeout=5,
            openclaw_deadline=1,
        ) as harness:
            admin = await harness.login_client("gw-admin", "admin")
            for call in (
                lambda: admin.get("/api/gateways/env/sessions"),
                lambda: admin.get("/api/gateways/env/agents"),
                lambda: admin.post(
                    "/api/gateways",
                    json={"name": "x", "url": gateway.url, "token": "t", "verify": True},
                ),
            ):
                started = time.monotonic()
                response = await call()
                assert time.monotonic() - started < 3
                assert response.status_code == 504, response.text
                body = response.json()
                assert body["code"] == "GATEWAY_TIMEOUT"
                assert "did not finish within 1 s (MC_OPENCLAW_DEADLINE)" in body["error"]
                assert body["guidance"] and gateway.token not in response.text

            started = time.monotonic()
            health = await admin.post("/api/gateways/health")
            assert time.monotonic() - started < 3
            [result] = health.json()["results"]
            assert result["status"] == "offline" and result["code"] == "GATEWAY_TIMEOUT"

            # the stuck attempts left the pooled client usable once the gateway answers again
            gateway.mode = "normal"
            assert (await admin.get("/api/gateways/env/sessions")).status_code == 200
            await admin.aclose()
