"""Client IP, forwarded host, cookies and the setup race against a real server process."""

from __future__ import annotations

import asyncio
import re

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.security.conftest import ServerFactory, login_body, session_cookie

pytestmark = pytest.mark.server

OTHER_PASSWORD = "another-long-secret-phrase"


async def _session_ip(server_client, headers: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """Log in with `headers`; answer the IP the server stored on the new session."""
    login = await server_client.post("/api/auth/login", json=login_body("chief"), headers=headers)
    assert login.status_code == 200, login.text
    name, token = session_cookie(login.headers.get_list("set-cookie"))
    sessions = await server_client.get("/api/auth/sessions", headers={"cookie": f"{name}={token}"})
    assert sessions.status_code == 200, sessions.text
    current = [s for s in sessions.json()["sessions"] if s["current"]]
    assert len(current) == 1
    return str(current[0]["ip_address"])


async def test_forwarding_headers_from_untrusted_peer_are_ignored(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(MC_TRUSTED_PROXIES="10.0.0.0/8", AUTH_USER="chief", AUTH_PASS=PASSWORD)
    async with server.client() as client:
        forged = [
            {"x-forwarded-for": "203.0.113.7"},
            {"x-real-ip": "203.0.113.8"},
            {"x-forwarded-for": "198.51.100.1, 10.0.0.2", "x-real-ip": "203.0.113.9"},
            {"forwarded": "for=203.0.113.10"},
        ]
        for headers in forged:
            assert await _session_ip(client, headers) == "127.0.0.1", headers


async def test_forged_forwarded_for_does_not_dodge_the_login_ip_limit(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(AUTH_USER="chief", AUTH_PASS=PASSWORD, MC_DISABLE_RATE_LIMIT="1")
    async with server.client() as client:
        for attempt in range(5):
            bad = await client.post(
                "/api/auth/login",
                json={"username": f"nobody{attempt}", "password": "wrong-password-123"},
                headers={"x-forwarded-for": f"198.51.100.{attempt}"},
            )
            assert bad.status_code == 401
        limited = await client.post(
            "/api/auth/login",
            json={"username": "nobody9", "password": "wrong-password-123"},
            headers={"x-forwarded-for": "198.51.100.99", "x-real-ip": "198.51.100.98"},
        )
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0


async def test_trusted_proxy_gives_the_right_most_untrusted_hop(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(
        MC_TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8", AUTH_USER="chief", AUTH_PASS=PASSWORD
    )
    async with server.client() as client:
        # The client may put anything on the left; only hops added by our proxies count.
        chain = {"x-forwarded-for": "203.0.113.9, 198.51.100.7, 10.0.0.5"}
        assert await _session_ip(client, chain) == "198.51.100.7"
        assert await _session_ip(client, {"x-real-ip": "192.0.2.44"}) == "192.0.2.44"
        both = {"x-forwarded-for": "192.0.2.50", "x-real-ip": "192.0.2.51"}
        assert await _session_ip(client, both) == "192.0.2.50"
        only_proxies = {"x-forwarded-for": "10.0.0.9, 10.0.0.8"}
        assert await _session_ip(client, only_proxies) == "10.0.0.9"
        # RFC 7239 Forwarded, read the same way when X-Forwarded-For is absent.
        rfc = {"forwarded": 'for=203.0.113.9, For="[2001:db8::7]:4711";proto=https, for=10.0.0.5'}
        assert await _session_ip(client, rfc) == "2001:db8::7"
        assert await _session_ip(client, {"forwarded": "for=192.0.2.60;proto=https"}) == (
            "192.0.2.60"
        )
        xff_first = {"x-forwarded-for": "192.0.2.61", "forwarded": "for=192.0.2.62"}
        assert await _session_ip(client, xff_first) == "192.0.2.61"
        hidden = {"forwarded": "for=_hidden, for=unknown", "x-real-ip": "192.0.2.63"}
        assert await _session_ip(client, hidden) == "127.0.0.1"
        assert await _session_ip(client, {}) == "127.0.0.1"

        # The login limit follows the forwarded client, not the proxy.
        for _ in range(5):
            bad = await client.post(
                "/api/auth/login",
                json={"username": "chief", "password": "wrong-password-123"},
                headers={"x-forwarded-for": "198.51.100.200"},
            )
            assert bad.status_code == 401
        blocked = await client.post(
            "/api/auth/login",
            json={"username": "ghost", "password": "wrong-password-123"},
            headers={"x-forwarded-for": "198.51.100.200"},
        )
        assert blocked.status_code == 429
        other = await client.post(
            "/api/auth/login",
            json={"username": "ghost", "password": "wrong-password-123"},
            headers={"x-forwarded-for": "198.51.100.201"},
        )
        assert other.status_code == 401


async def test_forwarded_host_is_judged_only_from_a_trusted_proxy(
    server_factory: ServerFactory,
) -> None:
    production = {"MC_ENV": "production", "MC_ALLOWED_HOSTS": "app.example.com"}
    untrusted = server_factory(MC_TRUSTED_PROXIES="10.0.0.1", **production)
    trusted = server_factory(MC_TRUSTED_PROXIES="127.0.0.1", **production)
    async with untrusted.client() as client:
        refused = await client.get(
            "/api/health", headers={"host": "evil.test", "x-forwarded-host": "app.example.com"}
        )
        assert refused.status_code == 403 and refused.text == "Forbidden"
        assert refused.headers["x-frame-options"] == "DENY"
        allowed = await client.get("/api/health", headers={"x-forwarded-host": "evil.test"})
        assert allowed.status_code == 200
    async with trusted.client() as client:
        allowed = await client.get(
            "/api/health", headers={"host": "evil.test", "x-forwarded-host": "app.example.com"}
        )
        assert allowed.status_code == 200
        refused = await client.get("/api/health", headers={"x-forwarded-host": "evil.test"})
        assert refused.status_code == 403 and refused.text == "Forbidden"


async def test_raw_session_cookie_flags_by_default(server_factory: ServerFactory) -> None:
    server = server_factory(AUTH_USER="chief", AUTH_PASS=PASSWORD)
    async with server.client() as client:
        login = await client.post("/api/auth/login", json=login_body("chief"))
        assert login.status_code == 200
        raw = login.headers.get_list("set-cookie")
        assert len(raw) == 2
        assert re.fullmatch(
            r"mc-session=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800", raw[0]
        ), raw[0]
        assert re.fullmatch(
            r"mc-device=[\w=-]+; HttpOnly; SameSite=Strict; Path=/; Max-Age=7776000", raw[1]
        ), raw[1]
        logout = await client.post("/api/auth/logout")
        cleared = logout.headers.get_list("set-cookie")
        assert any(c.startswith("mc-session=;") and "Max-Age=0" in c for c in cleared)


async def test_raw_session_cookie_when_secure_and_lax(server_factory: ServerFactory) -> None:
    server = server_factory(
        AUTH_USER="chief",
        AUTH_PASS=PASSWORD,
        MC_COOKIE_SECURE="1",
        MC_COOKIE_SAMESITE="lax",
        MC_SESSION_TTL_HOURS="2",
    )
    async with server.client() as client:
        login = await client.post("/api/auth/login", json=login_body("chief"))
        assert login.status_code == 200
        raw = login.headers.get_list("set-cookie")
        assert len(raw) == 2
        device = raw[1].split("; ")
        assert device[0].startswith("__Host-mc-device=")
        assert set(device[1:]) == {
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Max-Age=7776000",
            "Secure",
        }
        parts = raw[0].split("; ")
        name, _, token = parts[0].partition("=")
        assert name == "__Host-mc-session" and re.fullmatch(r"[0-9a-f]{64}", token)
        assert set(parts[1:]) == {"HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=7200", "Secure"}
        # The __Host- cookie authenticates when the browser sends it back.
        me = await client.get("/api/auth/me", headers={"cookie": f"{name}={token}"})
        assert me.status_code == 200 and me.json()["user"]["username"] == "chief"


async def test_concurrent_setup_on_two_processes_creates_one_admin(
    server_factory: ServerFactory, db_engine: sa.Engine
) -> None:
    first, second = server_factory(), server_factory()
    async with first.client() as a, second.client() as b:
        attempts = [
            client.post("/api/setup", json={"username": f"boss{i}", "password": OTHER_PASSWORD})
            for i, client in enumerate([a, b, a, b, a, b])
        ]
        responses = await asyncio.gather(*attempts)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 403, 403, 403, 403, 403], [r.text for r in responses]
    for refused in (r for r in responses if r.status_code == 403):
        assert refused.json() == {"error": "Setup has already been completed"}
    with db_engine.connect() as conn:
        roles = conn.execute(sa.text("SELECT role FROM users")).scalars().all()
    assert roles == ["admin"]
