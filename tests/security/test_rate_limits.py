"""Request limits (security.md 5b): reads, mutations, identity changes, password changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mission_control.settings import Settings
from tests.conftest import PASSWORD, TEST_API_KEY

pytestmark = pytest.mark.anyio


async def test_reads_are_limited_per_client_ip(harness_factory: Callable[..., Any]) -> None:
    async with harness_factory(disable_rate_limit=False) as h:
        first = h.new_client("198.51.100.1", **{"x-api-key": TEST_API_KEY})
        codes = [(await first.get("/api/auth/me")).status_code for _ in range(121)]
        assert codes[:120] == [200] * 120
        assert codes[120] == 429
        last = await first.get("/api/auth/me")
        assert int(last.headers["retry-after"]) >= 1
        other = h.new_client("198.51.100.2", **{"x-api-key": TEST_API_KEY})
        assert (await other.get("/api/auth/me")).status_code == 200
        # Health stays answerable for load balancers.
        assert (await first.get("/api/health")).status_code == 200


async def test_mutations_are_limited_per_client_ip(harness_factory: Callable[..., Any]) -> None:
    async with harness_factory(disable_rate_limit=False) as h:
        client = h.new_client("198.51.100.3", **{"x-api-key": TEST_API_KEY})
        codes = [
            (await client.patch("/api/auth/me", json={"display_name": "x"})).status_code
            for _ in range(61)
        ]
        assert 429 not in codes[:60]
        assert codes[60] == 429


async def test_disable_rate_limit_turns_off_reads_but_not_identity_limits(
    harness_factory: Callable[..., Any],
) -> None:
    async with harness_factory(disable_rate_limit=True) as h:
        client = h.key_client()
        assert all([(await client.get("/api/auth/me")).status_code == 200 for _ in range(130)])
        codes = [
            (
                await client.post(
                    "/api/auth/users", json={"username": f"bulk-{n}", "password": PASSWORD}
                )
            ).status_code
            for n in range(21)
        ]
        assert codes[:20] == [201] * 20
        assert codes[20] == 429


async def test_password_changes_are_limited(harness_factory: Callable[..., Any]) -> None:
    async with harness_factory() as h:
        client = await h.login_client("changer", "viewer")
        codes = [
            (
                await client.patch(
                    "/api/auth/me",
                    json={"current_password": "not-the-password", "new_password": PASSWORD + "!"},
                )
            ).status_code
            for _ in range(6)
        ]
        assert 429 not in codes[:5]
        assert codes[5] == 429


def test_disable_rate_limit_is_ignored_in_production() -> None:
    base = {"_env_file": None, "disable_rate_limit": True}
    assert Settings(mc_env="development", **base).rate_limits_relaxed is True
    assert Settings(mc_env="production", **base).rate_limits_relaxed is False
