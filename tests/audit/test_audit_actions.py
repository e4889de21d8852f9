"""Every audit action of security.md §8 that exists today is written by the real code paths."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mission_control.security import rbac
from tests.conftest import PASSWORD, AppHarness

NEW_PASSWORD = "another-long-passphrase-42"


async def _events(admin: httpx.AsyncClient, action: str) -> list[dict[str, Any]]:
    response = await admin.get("/api/audit", params={"action": action})
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


async def _one(admin: httpx.AsyncClient, action: str, **expected: Any) -> dict[str, Any]:
    events = await _events(admin, action)
    matching = [e for e in events if all(e.get(k) == v for k, v in expected.items())]
    assert len(matching) == 1, (action, expected, events)
    return matching[0]


async def test_setup_writes_setup_admin_created_and_login(harness: AppHarness) -> None:
    client = harness.new_client(ip="192.0.2.10", **{"user-agent": "setup-browser"})
    created = await client.post("/api/setup", json={"username": "boss", "password": PASSWORD})
    assert created.status_code == 201
    event = await _one(client, "setup_admin_created")
    assert event["actor"] == "boss" and event["target_type"] == "user"
    assert event["detail"] == {"username": "boss", "source": "setup"}
    assert event["ip_address"] == "192.0.2.10" and event["user_agent"] == "setup-browser"
    await _one(client, "login", actor="boss")


async def test_env_seeding_writes_setup_admin_created(harness_factory: Any) -> None:
    async with harness_factory(auth_user="seeded", auth_pass=PASSWORD) as h:
        keyed = h.key_client()
        event = await _one(keyed, "setup_admin_created")
        assert event["actor"] == "bootstrap"
        assert event["detail"] == {"username": "seeded", "source": "env"}


async def test_login_logout_and_failures(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    await harness.create_user("pat", "operator")
    pat = harness.new_client(ip="192.0.2.20")
    bad = await pat.post("/api/auth/login", json={"username": "pat", "password": "not-it-at-all"})
    assert bad.status_code == 401
    ghost = await pat.post("/api/auth/login", json={"username": "ghost", "password": PASSWORD})
    assert ghost.status_code == 401
    assert (
        await pat.post("/api/auth/login", json={"username": "pat", "password": PASSWORD})
    ).status_code == 200
    assert (await pat.post("/api/auth/logout")).status_code == 200

    failed = await _one(admin, "login_failed", actor="pat")
    assert failed["ip_address"] == "192.0.2.20"
    assert failed["detail"] == {"reason": "bad password"}
    unknown = await _one(admin, "login_failed", actor="ghost")
    assert unknown["actor_id"] is None
    assert "password" not in str(failed["detail"]).replace("bad password", "")
    login = await _one(admin, "login", actor="pat")
    assert login["ip_address"] == "192.0.2.20"
    logout = await _one(admin, "logout", actor="pat")
    assert logout["target_id"] == str(login["actor_id"])


async def test_password_change_and_session_revocation(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    sam = await harness.login_client("sam", "viewer")
    changed = await sam.patch(
        "/api/auth/me", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 200
    event = await _one(admin, "password_change", actor="sam")
    assert NEW_PASSWORD not in str(event) and PASSWORD not in str(event)
    revoked = await sam.request("DELETE", "/api/auth/sessions", json={"all": True})
    assert revoked.status_code == 200
    await _one(admin, "session_revoked", actor="sam")


async def test_user_create_update_delete(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    created = await admin.post(
        "/api/auth/users", json={"username": "newbie", "password": PASSWORD, "role": "viewer"}
    )
    assert created.status_code == 201
    user_id = created.json()["user"]["id"]
    event = await _one(admin, "user_create", target_id=str(user_id))
    assert event["actor"] == "root-admin"
    assert event["detail"] == {"username": "newbie", "role": "viewer"}
    updated = await admin.put(
        "/api/auth/users", json={"id": user_id, "role": "operator", "password": NEW_PASSWORD}
    )
    assert updated.status_code == 200
    change = await _one(admin, "user_update", target_id=str(user_id))
    assert change["detail"]["role"] == "operator"
    assert change["detail"]["password_reset"] is True
    assert NEW_PASSWORD not in str(change)
    deleted = await admin.request("DELETE", "/api/auth/users", json={"id": user_id})
    assert deleted.status_code == 200
    gone = await _one(admin, "user_delete", target_id=str(user_id))
    assert gone["detail"] == {"username": "newbie"}


async def test_key_rotation_creation_revocation_and_use(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    rotated = await admin.post("/api/tokens/rotate")
    assert rotated.status_code == 200
    new_key = rotated.json()["api_key"]
    event = await _one(admin, "api_key_rotated")
    assert new_key not in str(event) and event["actor"] == "root-admin"

    made = await admin.post("/api/auth/keys", json={"name": "laptop", "role": "viewer"})
    assert made.status_code == 201
    personal = made.json()["api_key"]
    key_id = made.json()["key"]["id"]
    created = await _one(admin, "api_key_created", target_id=str(key_id))
    assert personal not in str(created)

    user_agent = {"user-agent": "agent-script/1.0"}
    keyed = harness.new_client(ip="192.0.2.30", **{"x-api-key": personal}, **user_agent)
    assert (await keyed.get("/api/auth/me")).status_code == 200
    assert (await keyed.get("/api/auth/me")).status_code == 200
    rotated_client = harness.new_client(ip="192.0.2.31", **{"x-api-key": new_key})
    assert (await rotated_client.get("/api/auth/me")).status_code == 200
    await harness.rt.identity.drain()
    used = await _one(admin, "api_key_used", target_id=f"personal_key:{key_id}")
    assert used["ip_address"] == "192.0.2.30" and used["user_agent"] == "agent-script/1.0"
    global_use = await _one(admin, "api_key_used", target_id="global_key:0")
    assert global_use["actor"] == "API Access" and global_use["ip_address"] == "192.0.2.31"

    revoked = await admin.request("DELETE", "/api/auth/keys", json={"id": key_id})
    assert revoked.status_code == 200
    await _one(admin, "api_key_revoked", target_id=str(key_id))
    assert (await keyed.get("/api/auth/me")).status_code == 401


async def test_permission_denied_is_sampled(
    harness: AppHarness,
    admin: httpx.AsyncClient,
    operator: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rbac, "PERMISSION_DENIED_AUDIT_SAMPLE", 1.0)
    assert (await operator.get("/api/auth/users")).status_code == 403
    event = await _one(admin, "permission_denied", actor="ops-person")
    assert event["detail"]["required"] == "admin"


async def test_host_denied_is_audited(harness_factory: Any) -> None:
    async with harness_factory(mc_env="production", allowed_hosts="testserver") as h:
        intruder = h.new_client(ip="192.0.2.40")
        response = await intruder.get("/login", headers={"host": "rebind.example"})
        assert response.status_code == 403
        event = await _one(h.key_client(), "host_denied")
        assert event["ip_address"] == "192.0.2.40"
        assert event["detail"]["host"] == "rebind.example"


async def test_the_chain_still_verifies_after_all_of_it(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    await harness.create_user("extra", "viewer")
    await admin.post("/api/auth/users", json={"username": "more", "password": PASSWORD})
    await admin.post("/api/tokens/rotate")
    status = (await admin.get("/api/audit/verify")).json()
    assert status["ok"] is True and status["checked"] >= 4
