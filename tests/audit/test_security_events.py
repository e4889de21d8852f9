"""GET /api/security-audit: every security event type, caused through the real app, is counted."""

from __future__ import annotations

import time

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import audit_log
from mission_control.security import rbac
from mission_control.security.security_events import SECURITY_EVENT_TYPES, record_security_event
from tests.conftest import AppHarness


async def _overview(client: httpx.AsyncClient, timeframe: str = "day") -> dict[str, object]:
    response = await client.get("/api/security-audit", params={"timeframe": timeframe})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _totals(body: dict[str, object]) -> dict[str, int]:
    totals = body["totals"]
    assert isinstance(totals, dict)
    return totals


async def _audit_actions(harness: AppHarness, action: str) -> list[dict[str, object]]:
    def read(conn: Connection) -> list[dict[str, object]]:
        rows = conn.execute(sa.select(audit_log).where(audit_log.c.action == action)).mappings()
        return [dict(r) for r in rows]

    return await harness.rt.db.read(read)


async def test_shape_and_empty_counts(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    body = await _overview(admin)
    assert body["timeframe"] == "day"
    assert set(_totals(body)) == set(SECURITY_EVENT_TYPES)
    counts = body["counts"]
    assert isinstance(counts, dict) and set(counts) == {"hour", "day", "week", "month"}
    posture = body["posture"]
    assert isinstance(posture, dict) and 0 <= posture["score"] <= 100
    assert isinstance(posture["reasons"], list)
    trend = body["failed_logins"]["trend"]  # type: ignore[index]
    assert 24 <= len(trend) <= 25 and all(b["count"] == 0 for b in trend)
    month = await _overview(admin, "month")
    assert 720 <= len(month["failed_logins"]["trend"]) <= 721  # type: ignore[index]
    for bad in ("year", "", "DROP TABLE"):
        response = await admin.get("/api/security-audit", params={"timeframe": bad or " "})
        assert response.status_code == 400
        assert response.json() == {"error": "timeframe must be one of hour, day, week, month"}


async def test_failed_login_is_an_auth_failure_and_in_the_trend(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    attacker = harness.new_client(ip="203.0.113.9")
    for _ in range(3):
        bad = await attacker.post(
            "/api/auth/login", json={"username": "root-admin", "password": "wrong-password-1"}
        )
        assert bad.status_code == 401
    body = await _overview(admin)
    assert _totals(body)["auth_failure"] == 3
    assert body["failed_logins"]["total"] == 3  # type: ignore[index]
    assert body["failed_logins"]["trend"][-1]["count"] == 3  # type: ignore[index]
    top = body["top_ips"]
    assert isinstance(top, list)
    assert top[0] == {"ip": "203.0.113.9", "count": 3, "by_type": {"auth_failure": 3}}
    reasons = {r["id"]: r for r in body["posture"]["reasons"]}  # type: ignore[index]
    assert reasons["auth_failure"]["penalty"] == 2


async def test_invalid_api_key_is_an_auth_failure(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    forged = harness.new_client(ip="198.51.100.4", **{"x-api-key": "not-a-real-key"})
    assert (await forged.get("/api/agents")).status_code == 401
    body = await _overview(admin)
    assert _totals(body)["auth_failure"] == 1
    assert body["top_ips"][0]["ip"] == "198.51.100.4"  # type: ignore[index]


async def test_login_rate_limit_hit_is_counted(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    attacker = harness.new_client(ip="203.0.113.50")
    statuses = []
    for _ in range(7):
        response = await attacker.post(
            "/api/auth/login", json={"username": "someone", "password": "wrong-password-1"}
        )
        statuses.append(response.status_code)
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    totals = _totals(await _overview(admin))
    assert totals["rate_limit_hit"] == 2
    assert totals["auth_failure"] == 5


async def test_heavy_rate_limit_hit_is_counted(harness_factory: object) -> None:
    async with harness_factory(disable_rate_limit=False) as h:  # type: ignore[operator]
        client = h.key_client()
        codes = [(await client.get("/api/audit/verify")).status_code for _ in range(11)]
        assert codes[:10] == [200] * 10 and codes[10] == 429
        assert _totals(await _overview(client))["rate_limit_hit"] == 1


async def test_host_denied_is_counted_and_audited(harness_factory: object) -> None:
    async with harness_factory(  # type: ignore[operator]
        mc_env="production", allowed_hosts="testserver"
    ) as h:
        client = h.key_client()
        denied = await client.get("/api/audit", headers={"host": "evil.example"})
        assert denied.status_code == 403 and denied.text == "Forbidden"
        assert _totals(await _overview(client))["host_denied"] == 1
        rows = await _audit_actions(h, "host_denied")
        assert len(rows) == 1 and rows[0]["detail"]["host"] == "evil.example"  # type: ignore[index]


async def test_csrf_denied_is_counted(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    refused = await admin.post("/api/auth/logout", headers={"origin": "https://evil.example"})
    assert refused.status_code == 403
    assert refused.json() == {"error": "CSRF origin mismatch"}
    assert _totals(await _overview(admin))["csrf_denied"] == 1
    assert (await admin.get("/api/auth/me")).status_code == 200  # still logged in


async def test_permission_denied_is_counted_and_sampled_into_the_audit(
    harness: AppHarness,
    admin: httpx.AsyncClient,
    viewer: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rbac, "PERMISSION_DENIED_AUDIT_SAMPLE", 0.0)
    assert (await viewer.get("/api/audit")).status_code == 403
    assert await _audit_actions(harness, "permission_denied") == []
    monkeypatch.setattr(rbac, "PERMISSION_DENIED_AUDIT_SAMPLE", 1.0)
    assert (await viewer.get("/api/security-scan")).status_code == 403
    rows = await _audit_actions(harness, "permission_denied")
    assert len(rows) == 1
    assert rows[0]["actor"] == "view-person"
    assert rows[0]["detail"] == {
        "path": "/api/security-scan",
        "method": "GET",
        "role": "viewer",
        "required": "admin",
    }
    assert _totals(await _overview(admin))["permission_denied"] == 2


async def test_api_key_use_is_counted_once_per_key_and_ip(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    keyed = harness.key_client()
    for _ in range(3):
        assert (await keyed.get("/api/auth/me")).status_code == 200
    await harness.rt.identity.drain()
    assert _totals(await _overview(admin))["api_key_used"] == 1
    rows = await _audit_actions(harness, "api_key_used")
    assert len(rows) == 1 and rows[0]["actor"] == "API Access"


async def test_counts_split_by_timeframe(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    now = int(time.time())

    def seed(conn: Connection) -> None:
        for age in (60, 2 * 3600, 3 * 86400, 20 * 86400, 40 * 86400):
            record_security_event(conn, "csrf_denied", ip="192.0.2.1", now=now - age)

    await harness.rt.db.write(seed)
    body = await _overview(admin, "week")
    counts = body["counts"]
    assert isinstance(counts, dict)
    assert [counts[f]["csrf_denied"] for f in ("hour", "day", "week", "month")] == [1, 2, 3, 4]
    assert _totals(body)["csrf_denied"] == 3
    assert body["total_events"] == 3


async def test_posture_falls_with_hostile_traffic(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    before = (await _overview(admin))["posture"]["score"]  # type: ignore[index]
    now = int(time.time())

    def attack(conn: Connection) -> None:
        for n in range(30):
            record_security_event(conn, "auth_failure", ip="203.0.113.66", now=now - n)

    await harness.rt.db.write(attack)
    posture = (await _overview(admin))["posture"]
    assert isinstance(posture, dict)
    ids = {r["id"] for r in posture["reasons"]}
    assert {"auth_failure", "brute_force"} <= ids
    assert posture["score"] == before - 15 - 5
    assert any("203.0.113.66" in r["reason"] for r in posture["reasons"])
