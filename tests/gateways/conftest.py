"""Gateways to test against: the real openclaw (once per session) and the protocol fake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.gateways import real_gateway
from tests.gateways.fake_gateway import FakeGateway, running

_REAL: dict[str, Any] = {"started": False, "gateway": None, "why": ""}


@dataclass
class Endpoint:
    """A running gateway as the tests see it, whichever kind it is."""

    kind: str
    url: str
    token: str
    approve: Callable[[str], Awaitable[None]]
    fake: FakeGateway | None = None


@pytest.fixture(scope="session")
def real_openclaw() -> Iterator[real_gateway.RealGateway | None]:
    """Started on first use; None (with the reason kept for the summary) when it cannot run."""
    gateway, why = real_gateway.start()
    _REAL.update(started=True, gateway=gateway, why=why)
    yield gateway
    if gateway is not None:
        gateway.stop()


# Modules whose tests run on both kinds use this as `pytestmark`. The anyio mark must be
# there at collection time for anyio to keep the parameters of an async test.
ON_BOTH = pytest.mark.parametrize("gateway_kind", ["fake", "real"])
BOTH_KINDS = [pytest.mark.anyio, ON_BOTH]


@pytest.fixture
def gateway_kind() -> str:
    return "fake"


@pytest.fixture
def gateway_server(gateway_kind: str, request: pytest.FixtureRequest) -> Iterator[Endpoint]:
    """The protocol fake, or the real gateway where `gateway_kind` is parametrized."""
    if gateway_kind == "real":
        real = request.getfixturevalue("real_openclaw")
        if real is None:
            pytest.skip(f"real OpenClaw gateway unavailable: {_REAL['why']}")

        async def approve_real(request_id: str) -> None:
            await anyio.to_thread.run_sync(real.approve, request_id)

        yield Endpoint("real", real.url, real.token, approve_real)
        return
    fake = FakeGateway()
    with running(fake):

        async def approve_fake(request_id: str) -> None:
            fake.approve(request_id)

        yield Endpoint("fake", fake.url, fake.token, approve_fake, fake)


@pytest.fixture
def fake_gateway() -> Iterator[FakeGateway]:
    with running(FakeGateway()) as gateway:
        yield gateway


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _REAL["started"]:
        return
    gateway = _REAL["gateway"]
    if gateway is not None:
        terminalreporter.write_line(
            f"real OpenClaw gateway: openclaw {gateway.version} ran on {gateway.url} "
            f"(ready after {gateway.ready_after:.1f} s)"
        )
    else:
        terminalreporter.write_line(f"real OpenClaw gateway: SKIPPED: {_REAL['why']}")
