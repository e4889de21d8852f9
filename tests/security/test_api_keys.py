"""API keys (security.md 2): header forms, rotation, personal keys, invalid-beside-valid."""

from __future__ import annotations

import hashlib
import re
import time

import httpx
import sqlalchemy as sa

from mission_control.db.tables.identity import user_api_keys
from tests.conftest import TEST_API_KEY, AppHarness


async def test_the_global_key_in_every_header_form(harness: AppHarness) -> None:
    forms = [
        {"x-api-key": TEST_API_KEY},
        {"authorization": f"Bearer {TEST_API_KEY}"},
        {"authorization": f"ApiKey {TEST_API_KEY}"},
        {"authorization": f"Token {TEST_API_KEY}"},
    ]
    for headers in forms:
        me = await harness.new_client(**headers).get("/api/auth/me")
        assert me.status_code == 200, headers
        assert me.json()["user"]["username"] == "api"
        assert me.json()["user"]["role"] == "admin"
    for bad in ({"authorization": f"Basic {TEST_API_KEY}"}, {"x-api-key": TEST_API_KEY + "x"}):
        assert (await harness.new_client(**bad).get("/api/auth/me")).status_code == 401


async def test_an_invalid_key_beside_a_valid_cookie_is_401(harness: AppHarness) -> None:
    client = await harness.login_client("rita", "admin")
    assert (await client.get("/api/auth/me")).status_code == 200
    client.headers["x-api-key"] = "mc_" + "0" * 48
    denied = await client.get("/api/auth/me")
    assert denied.status_code == 401
    assert denied.json() == {"error": "Authentication required"} or "error" in denied.json()


async def test_rotation_shows_the_key_once_and_retires_the_env_key(harness: AppHarness) -> None:
    env_client = harness.key_client()
    rotated = await env_client.post("/api/tokens/rotate")
    assert rotated.status_code == 200
    key = rotated.json()["api_key"]
    assert re.fullmatch(r"mc_[0-9a-f]{48}", key)
    assert (await env_client.get("/api/auth/me")).status_code == 401
    new_client = harness.key_client(key)
    assert (await new_client.get("/api/auth/me")).status_code == 200
    status = (await new_client.get("/api/tokens/rotate")).json()
    assert key not in str(status)

    def settings_text(conn: sa.Connection) -> str:
        return str([tuple(r) for r in conn.execute(sa.text("SELECT * FROM settings"))])

    stored = await harness.rt.db.read(settings_text)
    assert key not in stored
    assert hashlib.sha256(key.encode()).hexdigest() in stored
    again = await new_client.post("/api/tokens/rotate")
    assert (await new_client.get("/api/auth/me")).status_code == 401
    assert (
        await harness.key_client(again.json()["api_key"]).get("/api/auth/me")
    ).status_code == 200


async def test_rotation_needs_admin(harness: AppHarness, operator: httpx.AsyncClient) -> None:
    denied = await operator.post("/api/tokens/rotate")
    assert denied.status_code == 403
    assert denied.json() == {"error": "Requires admin role or higher"}


async def test_personal_keys_are_capped_at_the_owners_role_and_revocable(
    harness: AppHarness, operator: httpx.AsyncClient
) -> None:
    higher = await operator.post("/api/auth/keys", json={"name": "ci", "role": "admin"})
    assert higher.status_code == 400
    made = await operator.post("/api/auth/keys", json={"name": "ci", "expires_in_days": 30})
    assert made.status_code == 201
    key = made.json()["api_key"]
    assert re.fullmatch(r"mcu_[0-9a-f]{48}", key)
    keyed = harness.key_client(key)
    me = await keyed.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["user"]["role"] == "operator"
    assert (await keyed.get("/api/auth/users")).status_code == 403

    def rows(conn: sa.Connection) -> list[dict[str, object]]:
        return [dict(r) for r in conn.execute(sa.select(user_api_keys)).mappings()]

    stored = await harness.rt.db.read(rows)
    assert all(key not in str(r) for r in stored)
    revoked = await operator.request(
        "DELETE", "/api/auth/keys", json={"id": made.json()["key"]["id"]}
    )
    assert revoked.status_code == 200
    assert (await keyed.get("/api/auth/me")).status_code == 401


async def test_an_expired_personal_key_is_refused(
    harness: AppHarness, viewer: httpx.AsyncClient
) -> None:
    made = await viewer.post("/api/auth/keys", json={"name": "short", "expires_in_days": 1})
    key = made.json()["api_key"]

    def expire(conn: sa.Connection) -> None:
        conn.execute(sa.update(user_api_keys).values(expires_at=1))

    await harness.rt.db.write(expire)
    assert (await harness.key_client(key).get("/api/auth/me")).status_code == 401


async def test_every_personal_key_expires(viewer: httpx.AsyncClient) -> None:
    before = int(time.time())
    made = await viewer.post("/api/auth/keys", json={"name": "no-expiry-given"})
    assert made.status_code == 201
    expires_at = made.json()["key"]["expires_at"]
    assert before + 90 * 86400 <= expires_at <= int(time.time()) + 90 * 86400
    for days in (None, 0, 3651):
        refused = await viewer.post("/api/auth/keys", json={"name": "x", "expires_in_days": days})
        assert refused.status_code == 400, days
    assert len((await viewer.get("/api/auth/keys")).json()["keys"]) == 1


async def test_a_disabled_or_unapproved_owner_takes_their_personal_keys_down(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    for name, change in (("sam", {"disabled": True}), ("sue", {"is_approved": False})):
        owner = await harness.login_client(name, "operator")
        key = (await owner.post("/api/auth/keys", json={"name": "k"})).json()["api_key"]
        assert (await harness.key_client(key).get("/api/auth/me")).status_code == 200
        user = (await owner.get("/api/auth/me")).json()["user"]
        changed = await admin.put("/api/auth/users", json={"id": user["id"], **change})
        assert changed.status_code == 200, changed.text
        assert (await harness.key_client(key).get("/api/auth/me")).status_code == 401
        assert (await owner.get("/api/auth/me")).status_code == 401
