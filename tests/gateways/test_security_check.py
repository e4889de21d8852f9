"""The security check's gateway items: secure context and the origin to allow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mission_control.gateways import service
from mission_control.security import checklist
from mission_control.security.actor import system_actor
from mission_control.security.secretbox import secret_box
from mission_control.settings import Settings
from tests.conftest import AppHarness

SettingsFactory = Callable[..., Settings]


def test_no_gateway_passes_both(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    assert checklist.check_gateway_transport(settings, []).status == "pass"
    assert checklist.check_gateway_origin(settings, []).status == "pass"


def test_wss_and_loopback_are_secure_contexts(settings_factory: SettingsFactory) -> None:
    item = checklist.check_gateway_transport(
        settings_factory(), ["wss://gw.example", "ws://127.0.0.1:18789", "ws://[::1]:1"]
    )
    assert item.status == "pass"


def test_plain_ws_to_another_host(settings_factory: SettingsFactory) -> None:
    urls = ["ws://gw.example:18789/path?x=1"]
    refused = checklist.check_gateway_transport(settings_factory(), urls)
    assert refused.status == "warn"
    assert "ws://gw.example:18789" in refused.detail and "?x=1" not in refused.detail
    assert "wss://" in refused.fix
    allowed = checklist.check_gateway_transport(
        settings_factory(openclaw_allow_insecure=True), urls
    )
    assert allowed.status == "fail" and "in clear" in allowed.detail
    assert "MC_OPENCLAW_ALLOW_INSECURE" in allowed.fix


def test_web_ui_without_https_in_production(settings_factory: SettingsFactory) -> None:
    settings = settings_factory(
        mc_env="production", cookie_secure_raw="0", allowed_hosts="mc.example.com"
    )
    item = checklist.check_gateway_transport(settings, ["wss://gw.example"])
    assert item.status == "warn" and "WebCrypto" in item.detail


def test_origin_advice_names_the_origin_to_add(settings_factory: SettingsFactory) -> None:
    settings = settings_factory(allowed_hosts="mc.example.com,*.internal", cookie_secure_raw="1")
    item = checklist.check_gateway_origin(settings, ["wss://gw.example"])
    assert item.status == "pass"
    assert '"https://mc.example.com"' in item.detail
    assert "gateway.controlUi.allowedOrigins" in item.detail
    assert '"allowedOrigins": ["https://mc.example.com"]' in item.fix
    assert "internal" not in item.fix  # a wildcard is not an origin


def test_origin_unknown_in_production_warns(settings_factory: SettingsFactory) -> None:
    settings = settings_factory(mc_env="production", allowed_hosts="")
    item = checklist.check_gateway_origin(settings, ["wss://gw.example"])
    assert item.status == "warn" and "MC_ALLOWED_HOSTS" in item.fix


@pytest.mark.anyio
async def test_scan_sees_registered_and_environment_gateways(
    harness_factory: Any,
) -> None:
    async with harness_factory(
        openclaw_allow_insecure=True, openclaw_gateway_url="wss://env-gw.example"
    ) as harness:
        harness_: AppHarness = harness
        box = secret_box(harness_.rt.settings)
        await harness_.rt.db.write(
            service.create_gateway,
            system_actor("tests"),
            box,
            {"name": "lan", "url": "ws://gw.lan:18789", "token": "lan-token"},
        )
        admin: httpx.AsyncClient = await harness_.login_client("scan-admin", "admin")
        body = (await admin.get("/api/security-scan")).json()
        items = {i["id"]: i for i in body["items"]}
        assert items["gateway_transport"]["status"] == "fail"
        assert "ws://gw.lan:18789" in items["gateway_transport"]["detail"]
        assert "env-gw" not in items["gateway_transport"]["detail"]
        assert "lan-token" not in str(body)
        await admin.aclose()


def test_environment_gateway_settings(settings_factory: SettingsFactory) -> None:
    assert settings_factory().openclaw_configured is False
    by_host = settings_factory(openclaw_gateway_host="::1", openclaw_gateway_port=18790)
    assert by_host.openclaw_configured and by_host.openclaw_url == "ws://[::1]:18790"
    by_url = settings_factory(openclaw_gateway_url=" wss://gw.example/ ")
    assert by_url.openclaw_configured and by_url.openclaw_url == "wss://gw.example/"
    by_token = settings_factory(openclaw_gateway_token="t")
    assert by_token.openclaw_configured and by_token.openclaw_url == "ws://127.0.0.1:18789"
