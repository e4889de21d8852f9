"""The gateway client against the real openclaw gateway and against the protocol fake."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pytest

from mission_control.integrations.openclaw.client import GatewayClient, GatewayConfig
from mission_control.integrations.openclaw.errors import GatewayRefused
from mission_control.integrations.openclaw.identity import (
    DeviceIdentity,
    b64url,
    b64url_decode,
    load_or_create,
)
from tests.gateways.conftest import BOTH_KINDS, Endpoint
from tests.gateways.fake_gateway import ALLOWED_ORIGIN

pytestmark = BOTH_KINDS


@dataclass(frozen=True)
class TamperedIdentity(DeviceIdentity):
    """Signs correctly, then flips one bit of the signature on the way out."""

    def sign(self, payload: str) -> str:
        raw = bytearray(b64url_decode(super().sign(payload)))
        raw[10] ^= 0x01
        return b64url(bytes(raw))


def _client(endpoint: Endpoint, identity: DeviceIdentity, **config: object) -> GatewayClient:
    values: dict[str, object] = {"url": endpoint.url, "token": endpoint.token}
    values.update(config)
    return GatewayClient(GatewayConfig(**values), identity)  # type: ignore[arg-type]


async def test_connect_health_and_sessions(gateway_server: Endpoint, data_dir: Path) -> None:
    client = _client(gateway_server, load_or_create(data_dir))
    try:
        hello = await client.connect()
        assert hello.protocol == 4
        assert hello.server_version == "2026.9.6"
        assert hello.auth_method == "token"
        assert hello.role == "operator"
        assert set(hello.scopes) == {"operator.read", "operator.write"}
        assert {"health", "sessions.list"} <= set(hello.methods)
        health = await client.request("health")
        assert health["ok"] is True
        sessions = await client.request("sessions.list", {"limit": 5})
        assert isinstance(sessions["sessions"], list)
        assert sessions["limitApplied"] == 5
        # the same connection served both requests
        assert client.hello is hello and client.connected
    finally:
        await client.close()
    if gateway_server.fake is not None:
        assert gateway_server.fake.connects == 1


async def test_wrong_token_is_refused_with_guidance_and_no_token_in_text(
    gateway_server: Endpoint, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-token-" + "x" * 20
    client = _client(gateway_server, load_or_create(data_dir), token=wrong)
    with pytest.raises(GatewayRefused) as caught:
        await client.connect()
    await client.close()
    error = caught.value
    assert error.code == "AUTH_TOKEN_MISMATCH"
    assert "token mismatch" in error.message
    assert "gateway.auth.token" in error.guidance
    text = str(error.as_dict()) + caplog.text
    assert wrong not in text and gateway_server.token not in text


async def test_tampered_signature_is_refused(gateway_server: Endpoint, data_dir: Path) -> None:
    genuine = load_or_create(data_dir)
    client = _client(gateway_server, TamperedIdentity(genuine.private_key))
    with pytest.raises(GatewayRefused) as caught:
        await client.connect()
    await client.close()
    assert caught.value.code == "DEVICE_AUTH_SIGNATURE_INVALID"
    assert "signature" in caught.value.guidance
    # the same key signing honestly gets in: the signature was the only thing wrong
    honest = _client(gateway_server, genuine)
    try:
        assert (await honest.connect()).auth_method == "token"
    finally:
        await honest.close()


async def test_origin_not_in_allowlist_is_refused_with_the_origin_to_add(
    gateway_server: Endpoint, data_dir: Path
) -> None:
    origin = "http://evil.example:8080"
    client = _client(gateway_server, load_or_create(data_dir), origin=origin)
    with pytest.raises(GatewayRefused) as caught:
        await client.connect()
    await client.close()
    assert caught.value.code == "CONTROL_UI_ORIGIN_NOT_ALLOWED"
    assert f'Add "{origin}" to gateway.controlUi.allowedOrigins' in caught.value.guidance


async def test_pairing_then_device_token_then_revoked_token_falls_back(
    gateway_server: Endpoint, data_dir: Path
) -> None:
    """An allowed Origin needs pairing: the guidance names the approve command; once
    approved, hello-ok issues a device token, which the next connection prefers; a token the
    gateway no longer knows is dropped and the gateway token is used instead."""
    identity = load_or_create(data_dir)
    first = _client(gateway_server, identity, origin=ALLOWED_ORIGIN)
    with pytest.raises(GatewayRefused) as caught:
        await first.connect()
    await first.close()
    error = caught.value
    assert error.code == "PAIRING_REQUIRED"
    request_id = error.info["request_id"]
    assert f"openclaw devices approve {request_id}" in error.guidance

    await gateway_server.approve(request_id)

    seen: list[str | None] = []
    paired = GatewayClient(
        GatewayConfig(gateway_server.url, token=gateway_server.token, origin=ALLOWED_ORIGIN),
        identity,
        on_device_token=seen.append,
    )
    try:
        assert (await paired.connect()).auth_method == "token"
    finally:
        await paired.close()
    assert seen and seen[-1] and paired.device_token == seen[-1]
    device_token = seen[-1]

    preferring = _client(gateway_server, identity, origin=ALLOWED_ORIGIN, device_token=device_token)
    try:
        assert (await preferring.connect()).auth_method == "device-token"
        assert (await preferring.request("health"))["ok"] is True
    finally:
        await preferring.close()

    dropped: list[str | None] = []
    stale = GatewayClient(
        GatewayConfig(
            gateway_server.url,
            token=gateway_server.token,
            origin=ALLOWED_ORIGIN,
            device_token="revoked-" + device_token,
        ),
        identity,
        on_device_token=dropped.append,
    )
    try:
        assert (await stale.connect(attempts=1)).auth_method == "token"
    finally:
        await stale.close()
    assert dropped[0] is None  # the stale token was forgotten first
    assert stale.device_token == device_token  # and the gateway handed the real one back
