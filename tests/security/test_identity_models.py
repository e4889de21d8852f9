"""Real answers of the account, session, key and access request routes validate against the
response models OpenAPI declares."""

from __future__ import annotations

import time

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.auth.schemas import (
    PersonalKeyCreated,
    PersonalKeyList,
    PersonalKeyRevoked,
    SessionsRevoked,
    UserSessionList,
)
from mission_control.db.rows import inserted_id
from mission_control.db.tables import access_requests
from mission_control.google_auth.schemas import AccessRequestReviewed
from mission_control.keys.schemas import GlobalKeyStatus, RotatedKey
from mission_control.users.schemas import UserDeleted, UserList
from tests.conftest import PASSWORD, AppHarness
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
