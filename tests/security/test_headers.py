"""Security headers on every response, the nonce CSP on pages, HSTS and no-store on the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import AppHarness

pytestmark = pytest.mark.anyio

STATIC = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


def assert_security_headers(response: httpx.Response) -> None:
    for name, value in STATIC.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["x-request-id"])


def _boom_client(h: AppHarness, **headers: str) -> httpx.AsyncClient:
    """A client that sees the 500 the server sends instead of the raised exception."""

    async def boom() -> None:
        raise RuntimeError("kaboom: secret detail")

    h.app.add_api_route("/api/test-boom", boom, methods=["GET"])
    transport = httpx.ASGITransport(app=h.app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)


async def test_headers_on_success_and_error_responses(harness: AppHarness) -> None:
    client = harness.client
    responses = [
        await client.get("/api/health"),  # 200
        await client.get("/api/auth/me"),  # 401
        await client.get("/api/nope"),  # 401 (unknown API path)
        await client.post("/api/auth/login", content=b"{not json"),  # 400
        await client.post("/api/auth/login", headers={"origin": "http://evil.test"}),  # 403
        await harness.key_client().get("/api/nope"),  # 404
        await harness.key_client().put("/api/health"),  # 405
        await client.get("/health"),
    ]
    assert [r.status_code for r in responses] == [200, 401, 401, 400, 403, 404, 405, 200]
    for response in responses:
        assert_security_headers(response)
    ids = {r.headers["x-request-id"] for r in responses}
    assert len(ids) == len(responses)


async def test_headers_on_an_unexpected_500(harness: AppHarness) -> None:
    async with _boom_client(
        harness, **{"x-api-key": "test-global-api-key-0123456789abcdef0123456789"}
    ) as c:
        response = await c.get("/api/test-boom")
    assert response.status_code == 500
    assert response.json() == {"error": "Internal server error"}
    assert "kaboom" not in response.text
    assert_security_headers(response)
    assert response.headers["cache-control"] == "no-store"


async def test_api_json_is_not_cached(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    for response in (
        await harness.client.get("/api/health"),
        await admin.get("/api/auth/me"),
        await harness.client.get("/api/auth/me"),
    ):
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers["cache-control"] == "no-store"


async def test_pages_get_a_fresh_nonce_csp_without_unsafe_inline(harness: AppHarness) -> None:
    await harness.create_user("someone")
    first = await harness.client.get("/login")
    second = await harness.client.get("/login")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/html")
    policies = [first.headers["content-security-policy"], second.headers["content-security-policy"]]
    nonces = []
    for policy in policies:
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        match = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{16,})'", policy)
        assert match, policy
        nonces.append(match.group(1))
        assert f"style-src 'self' 'nonce-{match.group(1)}'" in policy
        for directive in (
            "default-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        ):
            assert directive in policy
        assert "google" not in policy
    assert nonces[0] != nonces[1]
    assert_security_headers(first)
    # The page's own script tags carry the nonce of its response.
    assert f'nonce="{nonces[0]}"' in first.text


async def test_google_hosts_only_when_google_sign_in_is_on(
    harness_factory: Callable[..., Any],
) -> None:
    async with harness_factory(google_client_id="client-id.apps.googleusercontent.com") as h:
        await h.create_user("someone")
        policy = (await h.client.get("/login")).headers["content-security-policy"]
    assert "https://accounts.google.com/gsi/client" in policy
    assert "unsafe-inline" not in policy


async def test_hsts_only_when_enabled(harness_factory: Callable[..., Any]) -> None:
    async with harness_factory() as h:
        assert "strict-transport-security" not in (await h.client.get("/api/health")).headers
    async with harness_factory(enable_hsts_raw="1") as h:
        value = (await h.client.get("/api/health")).headers["strict-transport-security"]
        assert value == "max-age=31536000; includeSubDomains"
    async with harness_factory(mc_env="production", allowed_hosts="testserver") as h:
        # production defaults: secure cookies, so HSTS is on
        response = await h.client.get("/api/health")
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    async with harness_factory(
        mc_env="production", allowed_hosts="testserver", cookie_secure_raw="0"
    ) as h:
        assert "strict-transport-security" not in (await h.client.get("/api/health")).headers


async def test_oversized_body_is_refused_before_the_handler(harness: AppHarness) -> None:
    huge = b'{"username": "' + b"a" * (3 * 1024 * 1024) + b'", "password": "x"}'
    response = await harness.client.post(
        "/api/auth/login", content=huge, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {"error": "Request body too large"}
    assert_security_headers(response)
