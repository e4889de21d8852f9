"""Real answers of the account, session, key and access request routes validate against the
response models OpenAPI declares."""

from __future__ import annotations

import time

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.auth.schemas import (
    MeOut,
    PersonalKeyCreated,
    PersonalKeyList,
    PersonalKeyRevoked,
    SessionsRevoked,
    UserEnvelope,
    UserSessionList,
)
from mission_control.db.rows import inserted_id
from mission_control.db.tables import access_requests
from mission_control.google_auth.schemas import AccessRequestReviewed
from mission_control.keys.schemas import GlobalKeyStatus, RotatedKey
from mission_control.users.schemas import UserDeleted, UserList
from tests.conftest import PASSWORD, AppHarness
from tests.seed_rows import agent_key_client, insert_agent
from tests.shapes import assert_shape


async def test_own_sessions_and_keys(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    again = harness.new_client()
    login = {"username": "root-admin", "password": PASSWORD}
    assert (await again.post("/api/auth/login", json=login)).status_code == 200
    sessions = assert_shape(await admin.get("/api/auth/sessions"), UserSessionList)["sessions"]
    assert len(sessions) == 2

    for body in ({"name": "ci", "expires_in_days": 7}, {"name": "laptop", "role": "viewer"}):
        assert_shape(await admin.post("/api/auth/keys", json=body), PersonalKeyCreated, 201)
    keys = assert_shape(await admin.get("/api/auth/keys"), PersonalKeyList)["keys"]
    revoked = await admin.request("DELETE", "/api/auth/keys", json={"id": keys[0]["id"]})
    assert_shape(revoked, PersonalKeyRevoked)
    assert assert_shape(await admin.get("/api/auth/keys"), PersonalKeyList)["keys"][0]["revoked_at"]
    not_a_user = await harness.key_client().get("/api/auth/keys")
    assert assert_shape(not_a_user, PersonalKeyList) == {"keys": []}

    ended = await admin.request("DELETE", "/api/auth/sessions", json={"all": True})
    assert assert_shape(ended, SessionsRevoked)["revoked"] == 1
    await again.aclose()


async def test_users(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    first = await harness.create_user("first-user", "viewer", email="first@example.com")
    second = await harness.create_user("second-user")
    for path in ("/api/auth/users", "/api/users"):
        assert len(assert_shape(await admin.get(path), UserList)["users"]) == 3
    gone = await admin.request("DELETE", "/api/auth/users", json={"id": first["id"]})
    assert_shape(gone, UserDeleted)
    assert_shape(
        await admin.request("DELETE", "/api/users", json={"id": second["id"]}), UserDeleted
    )


async def test_first_admin_and_login(harness: AppHarness) -> None:
    body = {"username": "first-admin", "password": PASSWORD}
    made = assert_shape(await harness.client.post("/api/setup", json=body), UserEnvelope, 201)
    assert made["user"]["role"] == "admin" and made["user"]["is_approved"] is True
    again = harness.new_client()
    logged_in = assert_shape(await again.post("/api/auth/login", json=body), UserEnvelope)
    assert logged_in["user"]["last_login_at"] is not None
    await again.aclose()


async def test_me_for_each_kind_of_caller(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    session = assert_shape(await admin.get("/api/auth/me"), MeOut)["user"]
    assert session["username"] == "root-admin" and session["two_factor_enabled"] is False
    renamed = await admin.patch("/api/auth/me", json={"display_name": "Root"})
    assert assert_shape(renamed, UserEnvelope)["user"]["display_name"] == "Root"

    made = await admin.post("/api/auth/keys", json={"name": "mine"})
    personal = harness.key_client(made.json()["api_key"])
    assert assert_shape(await personal.get("/api/auth/me"), MeOut)["user"] == {
        **session,
        "display_name": "Root",
    }

    global_key = assert_shape(await harness.key_client().get("/api/auth/me"), MeOut)["user"]
    assert global_key["provider"] == "global_key"
    assert (global_key["agent_name"], global_key["scopes"]) == (None, [])

    agent = await agent_key_client(harness, await insert_agent(harness, "me-bot"), ["write"])
    agent_key = assert_shape(await agent.get("/api/auth/me"), MeOut)["user"]
    assert agent_key["provider"] == "agent_key"
    assert (agent_key["agent_name"], agent_key["scopes"]) == ("me-bot", ["write"])
    for client in (personal, agent):
        await client.aclose()


async def test_user_create_and_update(admin: httpx.AsyncClient) -> None:
    for path, name in (("/api/users", "made-here"), ("/api/auth/users", "made-there")):
        body = {"username": name, "password": PASSWORD, "role": "viewer"}
        made = assert_shape(await admin.post(path, json=body), UserEnvelope, 201)["user"]
        assert made["created_at"] and made["last_login_at"] is None
        changed = await admin.put(path, json={"id": made["id"], "disabled": True})
        assert assert_shape(changed, UserEnvelope)["user"]["disabled"] is True


async def test_global_key_rotation(admin: httpx.AsyncClient) -> None:
    before = assert_shape(await admin.get("/api/tokens/rotate"), GlobalKeyStatus)
    assert before["source"] == "env"
    assert_shape(await admin.post("/api/tokens/rotate"), RotatedKey)
    after = assert_shape(await admin.get("/api/tokens/rotate"), GlobalKeyStatus)
    assert after["source"] == "rotated" and after["rotated_by"] == "root-admin"


def _request(conn: Connection, sub: str, email: str) -> int:
    now = int(time.time())
    return inserted_id(
        conn.execute(
            sa.insert(access_requests).values(
                email=email,
                provider="google",
                provider_user_id=sub,
                display_name=None,
                status="pending",
                attempt_count=1,
                last_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    )


async def test_access_request_review(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    approve = await harness.rt.db.write(_request, "2001", "jane@example.com")
    reject = await harness.rt.db.write(_request, "2002", "mallory@example.com")
    body = {"request_id": approve, "action": "approve", "role": "operator", "note": "welcome"}
    approved = await admin.post("/api/auth/access-requests", json=body)
    assert assert_shape(approved, AccessRequestReviewed)["user"]["role"] == "operator"
    body = {"request_id": reject, "action": "reject"}
    rejected = await admin.post("/api/auth/access-requests", json=body)
    assert assert_shape(rejected, AccessRequestReviewed)["user"] is None
