"""The environment's gateway: a token stored through /api/integrations, and the device token
it issues kept encrypted across restarts."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from mission_control.db.tables import settings_table
from mission_control.gateways.service import ENV_DEVICE_TOKEN_SETTING
from mission_control.integrations.openclaw.identity import load_or_create
from mission_control.integrations.openclaw.pool import GatewayPool
from tests.conftest import AppHarness
from tests.gateways.fake_gateway import FakeGateway

pytestmark = pytest.mark.anyio
DEVICE_TOKEN = "issued-env-device-token-0123456789"


def _connect_auth(gateway: FakeGateway) -> list[dict[str, Any]]:
    frames = [json.loads(f) for f in gateway.received if '"connect"' in f]
    return [f["params"].get("auth", {}) for f in frames if f.get("method") == "connect"]


async def _stored_setting(harness: AppHarness) -> str | None:
    def read(conn: sa.Connection) -> str | None:
        query = sa.select(settings_table.c.value).where(
            settings_table.c.key == ENV_DEVICE_TOKEN_SETTING
        )
        value = conn.execute(query).scalar()
        return str(value) if value is not None else None

    return await harness.rt.db.read(read)


async def test_token_stored_through_integrations_is_used(
    fake_gateway: FakeGateway, harness_factory: Any
) -> None:
    async with harness_factory(openclaw_gateway_url=fake_gateway.url) as harness:
        admin = await harness.login_client("gw-admin", "admin")
        before = (await admin.get("/api/gateways/env")).json()["gateway"]
        assert before["has_token"] is False
        refused = await admin.get("/api/gateways/env/sessions")
        assert refused.status_code == 502 and refused.json()["code"] == "AUTH_TOKEN_MISMATCH"

        stored = await admin.put(
            "/api/integrations",
            json={"env_var": "OPENCLAW_GATEWAY_TOKEN", "value": fake_gateway.token},
        )
        assert stored.status_code == 200, stored.text
        sessions = await admin.get("/api/gateways/env/sessions")
        assert sessions.status_code == 200, sessions.text
        assert sessions.json()["gateway"] == "environment"
        entry = await admin.get("/api/gateways/env")
        assert entry.json()["gateway"]["has_token"] is True
        assert fake_gateway.token not in entry.text
        assert _connect_auth(fake_gateway)[-1] == {"token": fake_gateway.token}
        health = (await admin.post("/api/gateways/health")).json()
        assert [r["status"] for r in health["results"]] == ["online"]
        await admin.aclose()


async def test_a_stored_token_alone_configures_the_environment_gateway(
    harness_factory: Any,
) -> None:
    async with harness_factory() as harness:
        admin = await harness.login_client("gw-admin", "admin")
        assert (await admin.get("/api/gateways")).json()["gateways"] == []
        scan = {i["id"]: i for i in (await admin.get("/api/security-scan")).json()["items"]}
        assert scan["gateway_transport"]["detail"] == "No OpenClaw gateway is configured"
        await admin.put(
            "/api/integrations", json={"env_var": "OPENCLAW_GATEWAY_TOKEN", "value": "tok-123"}
        )
        [listed] = (await admin.get("/api/gateways")).json()["gateways"]
        assert listed["url"] == "ws://127.0.0.1:18789" and listed["has_token"] is True
        scan = {i["id"]: i for i in (await admin.get("/api/security-scan")).json()["items"]}
        assert scan["gateway_transport"]["detail"] != "No OpenClaw gateway is configured"
        await admin.aclose()


async def test_device_token_survives_a_restart(
    fake_gateway: FakeGateway, harness_factory: Any
) -> None:
    async with harness_factory(
        openclaw_gateway_url=fake_gateway.url, openclaw_gateway_token=fake_gateway.token
    ) as harness:
        device = load_or_create(harness.rt.settings.data_dir)
        fake_gateway.paired[device.device_id] = DEVICE_TOKEN
        admin = await harness.login_client("gw-admin", "admin")
        assert (await admin.get("/api/gateways/env/sessions")).status_code == 200
        assert _connect_auth(fake_gateway) == [{"token": fake_gateway.token}]
        kept = await _stored_setting(harness)
        assert kept is not None and DEVICE_TOKEN not in kept
        entry = await admin.get("/api/gateways/env")
        assert entry.json()["gateway"]["has_device_token"] is True
        assert DEVICE_TOKEN not in entry.text
        assert ENV_DEVICE_TOKEN_SETTING not in (await admin.get("/api/settings")).text

        # A restart: the pool (and every token it learnt) is gone; the database is not.
        await harness.rt.gateways.close()
        harness.rt.gateways = GatewayPool(harness.rt.settings)
        assert (await admin.get("/api/gateways/env/sessions")).status_code == 200
        assert _connect_auth(fake_gateway)[-1] == {"deviceToken": DEVICE_TOKEN}

        # The gateway revokes it: it is dropped, the shared token signs in, nothing is kept.
        del fake_gateway.paired[device.device_id]
        await harness.rt.gateways.close()
        harness.rt.gateways = GatewayPool(harness.rt.settings)
        assert (await admin.get("/api/gateways/env/sessions")).status_code == 200
        assert _connect_auth(fake_gateway)[-1] == {"token": fake_gateway.token}
        assert await _stored_setting(harness) is None
        await admin.aclose()


async def test_device_token_of_another_url_is_not_presented(
    fake_gateway: FakeGateway, harness_factory: Any
) -> None:
    async with harness_factory(
        openclaw_gateway_url=fake_gateway.url, openclaw_gateway_token=fake_gateway.token
    ) as harness:
        device = load_or_create(harness.rt.settings.data_dir)
        fake_gateway.paired[device.device_id] = DEVICE_TOKEN
        admin = await harness.login_client("gw-admin", "admin")
        assert (await admin.post("/api/gateways/health")).json()["summary"]["online"] == 1
        assert await _stored_setting(harness) is not None
        await admin.aclose()
    moved = fake_gateway.url.replace("127.0.0.1", "localhost")
    async with harness_factory(
        openclaw_gateway_url=moved, openclaw_gateway_token=fake_gateway.token
    ) as harness:
        admin = await harness.login_client("gw-admin-2", "admin")
        entry = (await admin.get("/api/gateways/env")).json()["gateway"]
        assert entry["has_device_token"] is False
        await admin.aclose()
