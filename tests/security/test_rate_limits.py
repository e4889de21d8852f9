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


async def test_personal_key_create_and_revoke_share_the_identity_budget(
    harness_factory: Callable[..., Any],
) -> None:
    async with harness_factory(disable_rate_limit=True) as h:
        owner = await h.login_client("key-maker", "admin")
        made = [(await owner.post("/api/auth/keys", json={"name": f"k{n}"})) for n in range(10)]
        assert [r.status_code for r in made] == [201] * 10
        ids = [r.json()["key"]["id"] for r in made]
        revoked = [
            (await owner.request("DELETE", "/api/auth/keys", json={"id": i})).status_code
            for i in ids[:9]
        ]
        assert revoked == [200] * 9
        # 19 so far; the owner's personal key is the same person and spends the 20th.
        keyed = h.key_client(made[9].json()["api_key"])
        me = (await keyed.get("/api/auth/me")).json()["user"]
        renamed = await keyed.put("/api/auth/users", json={"id": me["id"], "display_name": "K"})
        assert renamed.status_code == 200
        for refused in (
            await owner.request("DELETE", "/api/auth/keys", json={"id": ids[9]}),
            await owner.post("/api/auth/keys", json={"name": "one-more"}),
        ):
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) >= 1
            assert refused.json()["error"] == "Too many requests"
        # Refused means not done: the last key still works.
        assert (await keyed.get("/api/auth/me")).status_code == 200


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
