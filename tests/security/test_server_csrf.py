"""CSRF and credential mixing on a real server: raw headers as a browser or an attacker sends
them, a real session cookie, a real socket."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.security.conftest import ServerFactory, login_body, session_cookie

pytestmark = pytest.mark.server


async def _signed_in(client: httpx.AsyncClient) -> dict[str, str]:
    login = await client.post("/api/auth/login", json=login_body("chief"))
    assert login.status_code == 200, login.text
    name, token = session_cookie(login.headers.get_list("set-cookie"))
    client.cookies.clear()  # only the cookie header each request names is sent
    return {"cookie": f"{name}={token}"}


async def test_cookie_post_from_a_null_origin_or_a_cross_site_fetch_is_refused(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(AUTH_USER="chief", AUTH_PASS=PASSWORD)
    async with server.client() as client:
        cookie = await _signed_in(client)
        for forged in ({"origin": "null"}, {"sec-fetch-site": "cross-site"}):
            refused = await client.post(
                "/api/tasks", json={"title": "forged"}, headers={**cookie, **forged}
            )
            assert refused.status_code == 403, forged
            assert refused.json() == {"error": "CSRF origin mismatch"}
        # The same request from our own page goes through, and the refused ones left nothing.
        same_site = {"origin": server.base_url, "sec-fetch-site": "same-origin"}
        created = await client.post(
            "/api/tasks", json={"title": "genuine"}, headers={**cookie, **same_site}
        )
        assert created.status_code == 201, created.text
        listed = await client.get("/api/tasks", headers=cookie)
        assert [t["title"] for t in listed.json()["tasks"]] == ["genuine"]


async def test_an_invalid_api_key_beside_a_valid_session_cookie_is_refused(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(AUTH_USER="chief", AUTH_PASS=PASSWORD)
    async with server.client() as client:
        cookie = await _signed_in(client)
        assert (await client.get("/api/auth/me", headers=cookie)).status_code == 200
        for bad in ({"x-api-key": "not-a-real-key-0123456789"}, {"x-api-key": ""}):
            refused = await client.get("/api/auth/me", headers={**cookie, **bad})
            assert refused.status_code == 401, bad
            assert refused.json() == {"error": "Authentication required"}
