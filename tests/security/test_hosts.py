"""Host allowlist: default-deny in production, patterns, IPv6, and the refusal's shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import AppHarness

pytestmark = pytest.mark.anyio

PATTERNS = "app.example.com, *.corp.example, 100.*, [fd00::1]"


async def _status(h: AppHarness, host: str) -> int:
    return (await h.client.get("/api/health", headers={"host": host})).status_code


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("localhost", True),
        ("localhost:3000", True),
        ("127.0.0.1:8080", True),
        ("[::1]", True),
        ("[::1]:3000", True),
        ("app.example.com", True),
        ("APP.Example.com:8443", True),  # the port is ignored, case too
        ("app.example.com.", True),
        ("evil.example.com", False),
        ("app.example.com.evil.test", False),
        ("x.corp.example", True),
        ("a.b.corp.example", True),
        ("corp.example", False),  # the subdomain wildcard does not cover the bare domain
        ("evilcorp.example", False),
        ("100.64.1.2", True),
        ("100.64.1.2:3000", True),
        ("1000.1.1.1", False),
        ("10.0.0.100", False),
        ("[fd00::1]:443", True),
        ("[fd00::2]", False),
        ("", False),
    ],
)
async def test_production_allowlist(
    harness_factory: Callable[..., Any], host: str, allowed: bool
) -> None:
    async with harness_factory(mc_env="production", allowed_hosts=PATTERNS) as h:
        assert await _status(h, host) == (200 if allowed else 403)


async def test_production_with_empty_list_denies_all_but_loopback(
    harness_factory: Callable[..., Any],
) -> None:
    async with harness_factory(mc_env="production", allowed_hosts="") as h:
        assert await _status(h, "localhost") == 200
        assert await _status(h, "mission.example.com") == 403


async def test_refusal_is_plain_forbidden_with_security_headers(
    harness_factory: Callable[..., Any],
) -> None:
    async with harness_factory(mc_env="production", allowed_hosts="app.example.com") as h:
        for path in ("/api/health", "/api/auth/me", "/login", "/nowhere"):
            refused = await h.client.get(path, headers={"host": "attacker.test"})
            assert refused.status_code == 403
            assert refused.text == "Forbidden"
            assert refused.headers["x-content-type-options"] == "nosniff"
            assert refused.headers["x-frame-options"] == "DENY"
            assert refused.headers["x-request-id"]
        # POSTs are refused the same way, before any handler runs.
        setup = await h.client.post(
            "/api/setup",
            json={"username": "sneaky", "password": "a-long-enough-password"},
            headers={"host": "attacker.test"},
        )
        assert setup.status_code == 403 and setup.text == "Forbidden"
        users = await h.rt.db.read(
            lambda conn: conn.execute(sa.text("SELECT count(*) FROM users")).scalar()
        )
        assert users == 0


async def test_allow_any_host_and_development_turn_it_off(
    harness_factory: Callable[..., Any],
) -> None:
    async with harness_factory(
        mc_env="production", allowed_hosts="app.example.com", allow_any_host=True
    ) as h:
        assert await _status(h, "anything.test") == 200
    async with harness_factory(mc_env="development", allowed_hosts="app.example.com") as h:
        assert await _status(h, "anything.test") == 200


async def test_node_env_production_enforces_too(harness_factory: Callable[..., Any]) -> None:
    async with harness_factory(node_env="production", allowed_hosts="app.example.com") as h:
        assert await _status(h, "anything.test") == 403
