"""CSRF: state-changing requests from another origin are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, AppHarness

pytestmark = pytest.mark.anyio

CSRF = {"error": "CSRF origin mismatch"}


def _count_users(h: AppHarness) -> Any:
    return h.rt.db.read(lambda conn: conn.execute(sa.text("SELECT count(*) FROM users")).scalar())


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.test",
        "http://testserver.evil.test",
        "http://testserver:8080",
        "https://testserver:80",
        "null",
        "NULL",
        "file://testserver",
        "garbage",
    ],
)
async def test_foreign_origin_is_refused(
    harness: AppHarness, admin: httpx.AsyncClient, origin: str
) -> None:
    before = await _count_users(harness)
    response = await admin.post(
        "/api/auth/users",
        json={"username": "csrf-victim", "password": PASSWORD, "role": "admin"},
        headers={"origin": origin},
    )
    assert response.status_code == 403
    assert response.json() == CSRF
    assert await _count_users(harness) == before


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_every_unsafe_method_is_checked(
    harness: AppHarness, admin: httpx.AsyncClient, method: str
) -> None:
    response = await admin.request(
        method, "/api/auth/me", json={"display_name": "x"}, headers={"origin": "http://evil.test"}
    )
    assert response.status_code == 403 and response.json() == CSRF


async def test_login_from_foreign_origin_is_refused(harness: AppHarness) -> None:
    await harness.create_user("victim")
    response = await harness.client.post(
        "/api/auth/login",
        json={"username": "victim", "password": PASSWORD},
        headers={"origin": "https://evil.test"},
    )
    assert response.status_code == 403 and response.json() == CSRF
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://testserver", "testserver"),
        ("http://testserver:80", "testserver"),
        ("http://testserver", "testserver:80"),
        ("https://testserver", "testserver:443"),
        ("https://testserver:443", "testserver"),
        ("http://localhost:3000", "localhost:3000"),
        ("http://[::1]:3000", "[::1]:3000"),
        ("HTTP://TestServer", "testserver"),
    ],
)
async def test_same_origin_passes_with_default_ports_normalised(
    harness: AppHarness, admin: httpx.AsyncClient, origin: str, host: str
) -> None:
    response = await admin.patch(
        "/api/auth/me",
        json={"display_name": "Same Origin"},
        headers={"origin": origin, "host": host},
    )
    assert response.status_code == 200, response.text


async def test_no_origin_passes(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    response = await admin.patch("/api/auth/me", json={"display_name": "curl"})
    assert response.status_code == 200


async def test_cross_site_fetch_with_cookie_is_refused(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    refused = await admin.patch(
        "/api/auth/me", json={"display_name": "x"}, headers={"sec-fetch-site": "cross-site"}
    )
    assert refused.status_code == 403 and refused.json() == CSRF
    same = await admin.patch(
        "/api/auth/me", json={"display_name": "y"}, headers={"sec-fetch-site": "same-origin"}
    )
    assert same.status_code == 200


async def test_cross_site_fetch_without_cookie_passes(harness: AppHarness) -> None:
    # An API key client is not a browser acting on ambient credentials.
    keyed = harness.key_client()
    response = await keyed.post(
        "/api/auth/users",
        json={"username": "by-key", "password": PASSWORD},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert response.status_code == 201


async def test_safe_methods_are_not_checked(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    response = await admin.get("/api/auth/me", headers={"origin": "http://evil.test"})
    assert response.status_code == 200


async def test_forwarded_host_from_trusted_proxy_is_the_request_host(
    harness_factory: Callable[..., Any],
) -> None:
    async with harness_factory(trusted_proxies="127.0.0.1") as h:
        client = await h.login_client("proxied", "viewer")
        ok = await client.patch(
            "/api/auth/me",
            json={"display_name": "via proxy"},
            headers={"origin": "https://mc.example.com", "x-forwarded-host": "mc.example.com"},
        )
        assert ok.status_code == 200, ok.text
    async with harness_factory(trusted_proxies="10.0.0.1") as h:
        client = await h.login_client("direct", "viewer")
        refused = await client.patch(
            "/api/auth/me",
            json={"display_name": "forged"},
            headers={"origin": "https://mc.example.com", "x-forwarded-host": "mc.example.com"},
        )
        assert refused.status_code == 403 and refused.json() == CSRF
