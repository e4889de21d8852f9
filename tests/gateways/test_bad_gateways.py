"""Gateways that misbehave: clear errors, bounded waits, retries only where they help."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mission_control.integrations.openclaw.client import GatewayClient, GatewayConfig
from mission_control.integrations.openclaw.errors import (
    GatewayError,
    GatewayRefused,
    GatewayTimeout,
    GatewayUnreachable,
    InsecureTransport,
)
from mission_control.integrations.openclaw.identity import load_or_create
from tests.gateways.fake_gateway import FakeGateway, running

pytestmark = pytest.mark.anyio  # at collection time, so parametrized async tests keep params
SHORT = {"challenge_timeout": 0.5, "request_timeout": 0.5, "open_timeout": 0.5}


def _client(gateway: FakeGateway, data_dir: Path, **config: object) -> GatewayClient:
    values: dict[str, object] = {"url": gateway.url, "token": gateway.token, **SHORT}
    values.update(config)
    return GatewayClient(GatewayConfig(**values), load_or_create(data_dir))  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["close_after_challenge", "close_on_connect"])
async def test_gateway_that_closes_mid_handshake(mode: str, data_dir: Path) -> None:
    gateway = FakeGateway(mode=mode)
    with running(gateway):
        client = _client(gateway, data_dir)
        started = time.monotonic()
        with pytest.raises(GatewayUnreachable) as caught:
            await client.connect(attempts=2)
        await client.close()
    assert time.monotonic() - started < 5
    assert "closed the connection before the handshake finished" in caught.value.message
    assert caught.value.guidance
    assert not client.connected


@pytest.mark.parametrize(
    ("mode", "waiting_for"),
    [("silent", "connect.challenge"), ("mute_after_challenge", "answer to connect")],
)
async def test_gateway_that_never_answers_times_out(
    mode: str, waiting_for: str, data_dir: Path
) -> None:
    gateway = FakeGateway(mode=mode)
    with running(gateway):
        client = _client(gateway, data_dir)
        started = time.monotonic()
        with pytest.raises(GatewayTimeout) as caught:
            await client.connect()
        elapsed = time.monotonic() - started
        await client.close()
    # a timeout is not retried: one bounded wait, then the answer
    assert 0.4 < elapsed < 3
    assert f"sent no {waiting_for} within 0.5 s" in caught.value.message


@pytest.fixture
def mute_tcp_server() -> Iterator[int]:
    """Accepts TCP connections and never says a word (not even the HTTP upgrade)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


async def test_socket_that_never_upgrades_times_out(mute_tcp_server: int, data_dir: Path) -> None:
    config = GatewayConfig(f"ws://127.0.0.1:{mute_tcp_server}", token="t", **SHORT)  # type: ignore[arg-type]
    client = GatewayClient(config, load_or_create(data_dir))
    started = time.monotonic()
    with pytest.raises(GatewayTimeout) as caught:
        await client.connect()
    assert time.monotonic() - started < 3
    assert "did not complete the WebSocket upgrade" in caught.value.message


async def test_nothing_listening_is_unreachable_after_bounded_retries(data_dir: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = GatewayConfig(
        f"ws://127.0.0.1:{port}", token="t", attempts=3, backoff_initial=0.05, **SHORT
    )  # type: ignore[arg-type]
    client = GatewayClient(config, load_or_create(data_dir))
    started = time.monotonic()
    with pytest.raises(GatewayUnreachable) as caught:
        await client.connect()
    assert time.monotonic() - started < 3
    assert "Cannot reach the gateway" in caught.value.message


async def test_unavailable_while_starting_is_retried_with_backoff(data_dir: Path) -> None:
    gateway = FakeGateway(unavailable_connects=2)
    with running(gateway):
        client = _client(gateway, data_dir, backoff_initial=0.05)
        hello = await client.connect()
        await client.close()
    assert hello.auth_method == "token"
    assert gateway.connects == 3


async def test_unavailable_beyond_the_attempts_is_reported(data_dir: Path) -> None:
    gateway = FakeGateway(unavailable_connects=5)
    with running(gateway):
        client = _client(gateway, data_dir, backoff_initial=0.05)
        with pytest.raises(GatewayRefused) as caught:
            await client.connect(attempts=2)
        await client.close()
    assert caught.value.gateway_code == "UNAVAILABLE"
    assert gateway.connects == 2


async def test_slow_request_times_out_and_the_connection_stays_usable(data_dir: Path) -> None:
    gateway = FakeGateway(method_delay=0.8)
    with running(gateway):
        client = _client(gateway, data_dir, request_timeout=0.3)
        with pytest.raises(GatewayTimeout) as caught:
            await client.request("health")
        assert "did not answer health within 0.3 s" in caught.value.message
        gateway.method_delay = 0
        await asyncio.sleep(0.8)  # the late answer arrives and is dropped
        assert (await client.request("health", wait=2))["ok"] is True
        await client.close()
    assert gateway.connects == 1


async def test_reconnects_after_the_gateway_restarts(data_dir: Path) -> None:
    first = FakeGateway()
    with running(first):
        client = _client(first, data_dir, backoff_initial=0.05)
        assert (await client.request("health"))["ok"] is True
        port = first.port
    # the gateway went away: the client notices the close and reconnects on the next request
    second = FakeGateway(token=first.token, port=port)
    with running(second):
        assert second.port == port
        assert (await client.request("health"))["ok"] is True
        await client.close()
    assert second.connects == 1


async def test_unknown_method_is_a_refusal_not_a_hang(
    fake_gateway: FakeGateway, data_dir: Path
) -> None:
    client = _client(fake_gateway, data_dir)
    with pytest.raises(GatewayRefused) as caught:
        await client.request("no.such.method")
    await client.close()
    assert caught.value.code == "INVALID_REQUEST"
    assert "unknown method" in caught.value.message


async def test_plain_ws_to_another_host_is_refused_before_any_connection(data_dir: Path) -> None:
    # 192.0.2.0/24 is TEST-NET-1; nothing is sent there: the check happens before any socket
    client = GatewayClient(
        GatewayConfig("ws://192.0.2.10:18789", token="t"), load_or_create(data_dir)
    )
    with pytest.raises(InsecureTransport) as caught:
        await client.connect()
    assert "not a secure context" in caught.value.message
    assert "wss://" in caught.value.guidance


async def test_no_token_in_any_log_line_even_at_debug(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway = FakeGateway()
    with running(gateway):
        good = _client(gateway, data_dir)
        await good.request("health")
        await good.close()
        bad = _client(gateway, data_dir, token="not-the-token-but-secret-too")
        with pytest.raises(GatewayRefused):
            await bad.connect()
        await bad.close()
    assert any(r.name.startswith("mission_control.openclaw") for r in caplog.records)
    # frames (the connect frame holds the token) are never logged, whatever the level
    assert not logging.getLogger("mission_control.openclaw.wire").isEnabledFor(logging.DEBUG)
    assert gateway.token not in caplog.text
    assert "not-the-token-but-secret-too" not in caplog.text
    # the token did go over the wire, inside the connect frame the gateway received
    assert any(gateway.token in frame for frame in gateway.received)


async def test_concurrent_requests_share_one_connection(data_dir: Path) -> None:
    gateway = FakeGateway(method_delay=0.05)
    with running(gateway):
        client = _client(gateway, data_dir, request_timeout=5)
        answers = await asyncio.gather(
            *(client.request("sessions.list", {"limit": n}) for n in range(1, 11))
        )
        await client.close()
    assert [a["limitApplied"] for a in answers] == list(range(1, 11))
    assert gateway.connects == 1


@pytest.mark.parametrize("url", ["http://127.0.0.1:1", "ws://", "ws://127.0.0.1:99999"])
async def test_unusable_url_is_refused_before_any_connection(url: str, data_dir: Path) -> None:
    client = GatewayClient(GatewayConfig(url, token="t"), load_or_create(data_dir))
    with pytest.raises(GatewayError) as caught:
        await client.connect()
    assert caught.value.code == "INVALID_GATEWAY_URL"
