"""Admin user management beyond the rules: signing someone out everywhere, and paged lists of
users and Google access requests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import access_requests
from tests.conftest import PASSWORD, AppHarness

pytestmark = pytest.mark.anyio


async def _user_id(client: httpx.AsyncClient) -> int:
    return int((await client.get("/api/auth/me")).json()["user"]["id"])


async def _second_session(harness: AppHarness, username: str) -> httpx.AsyncClient:
    client = harness.new_client()
    login = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return client


@pytest.mark.parametrize("prefix", ["/api/auth/users", "/api/users"])
async def test_admin_signs_a_user_out_everywhere(
    harness: AppHarness, admin: httpx.AsyncClient, prefix: str
) -> None:
    laptop = await harness.login_client("traveller", "operator")
    phone = await _second_session(harness, "traveller")
    key = (await laptop.post("/api/auth/keys", json={"name": "ci"})).json()["api_key"]
    target = await _user_id(laptop)
    bystander = await harness.login_client("bystander", "viewer")

    done = await admin.request("DELETE", prefix + "/sessions", json={"id": target})
    assert done.status_code == 200, done.text
    assert done.json() == {"success": True, "revoked": 2}
    assert (await laptop.get("/api/auth/me")).status_code == 401
    assert (await phone.get("/api/auth/me")).status_code == 401
    # Sessions only: the personal key, the admin and everyone else go on.
    assert (await harness.key_client(key).get("/api/auth/me")).status_code == 200
    assert (await admin.get("/api/auth/me")).status_code == 200
    assert (await bystander.get("/api/auth/me")).status_code == 200
    events = (await admin.get("/api/audit", params={"action": "session_revoked"})).json()
    row = next(e for e in events["events"] if e["target_id"] == str(target))
    assert row["actor"] == "root-admin" and row["target_type"] == "user"
    assert row["detail"] == {"username": "traveller", "count": 2}
    # Nothing left to end is still an answer, and audited as such.
    again = await admin.request("DELETE", prefix + "/sessions", json={"id": target})
    assert again.json() == {"success": True, "revoked": 0}


async def test_signing_out_everywhere_refuses_bad_input_and_non_admins(
    harness: AppHarness, admin: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    target = await _user_id(operator)
    path = "/api/auth/users/sessions"
    missing = await admin.request("DELETE", path)
    assert missing.status_code == 400 and "body required" in missing.json()["error"]
    for bad in ({}, {"id": "x"}, {"id": target, "all": True}, {"id": [target]}):
        answer = await admin.request("DELETE", path, json=bad)
        assert answer.status_code == 400, bad
        assert answer.json()["error"] == "Validation failed"
    unknown = await admin.request("DELETE", path, json={"id": 999999})
    assert unknown.status_code == 404 and unknown.json() == {"error": "User not found"}
    denied = await operator.request("DELETE", path, json={"id": target})
    assert denied.status_code == 403
    assert denied.json() == {"error": "Requires admin role or higher"}
    assert (await operator.get("/api/auth/me")).status_code == 200
    events = (await admin.get("/api/audit", params={"action": "session_revoked"})).json()
    assert events["total"] == 0


async def test_signing_out_everywhere_spends_the_identity_budget(
    harness_factory: Callable[..., Any],
) -> None:
    async with harness_factory(disable_rate_limit=True) as h:
        admin = await h.login_client("busy-admin", "admin")
        target = await h.create_user("signed-in-person", "viewer")
        codes = [
            (
                await admin.request("DELETE", "/api/auth/users/sessions", json={"id": target["id"]})
            ).status_code
            for _ in range(21)
        ]
        assert codes[:20] == [200] * 20
        assert codes[20] == 429
        renamed = await admin.put("/api/auth/users", json={"id": target["id"], "display_name": "x"})
        assert renamed.status_code == 429 and int(renamed.headers["retry-after"]) >= 1


async def test_users_are_paged_newest_first_with_the_total(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    for n in range(5):
        await harness.create_user(f"paged-{n}", "viewer")
    everyone = await admin.get("/api/auth/users")
    assert everyone.status_code == 200
    body = everyone.json()
    assert (body["total"], body["limit"], body["offset"]) == (6, 50, 0)
    names = [u["username"] for u in body["users"]]
    assert names == ["paged-4", "paged-3", "paged-2", "paged-1", "paged-0", "root-admin"]
    page = (await admin.get("/api/users", params={"limit": 2, "offset": 2})).json()
    assert [u["username"] for u in page["users"]] == ["paged-2", "paged-1"]
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 2)
    past = (await admin.get("/api/auth/users", params={"offset": 100})).json()
    assert past["users"] == [] and past["total"] == 6
    # Clamped, never unlimited; a word is refused.
    clamped = (await admin.get("/api/auth/users", params={"limit": 0, "offset": -3})).json()
    assert (len(clamped["users"]), clamped["limit"], clamped["offset"]) == (1, 1, 0)
    assert (await admin.get("/api/auth/users", params={"limit": 10**6})).json()["limit"] == 500
    bad = await admin.get("/api/auth/users", params={"limit": "all"})
    assert bad.status_code == 400 and bad.json() == {"error": "limit must be an integer"}


async def test_access_requests_are_paged_with_the_total(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    now = int(time.time())

    def seed(conn: Connection) -> None:
        conn.execute(
            sa.insert(access_requests),
            [
                {
                    "email": f"person{n}@example.com",
                    "provider": "google",
                    "provider_user_id": f"sub-{n}",
                    "display_name": f"Person {n}",
                    "status": "pending" if n % 3 else "rejected",
                    "attempt_count": 1,
                    "last_attempt_at": now - n,
                    "created_at": now - n,
                    "updated_at": now - n,
                }
                for n in range(7)
            ],
        )

    await harness.rt.db.write(seed)
    pending = (await admin.get("/api/auth/access-requests", params={"limit": 2})).json()
    assert (pending["total"], pending["limit"], pending["offset"]) == (4, 2, 0)
    assert [r["email"] for r in pending["requests"]] == [
        "person1@example.com",
        "person2@example.com",
    ]
    second = (await admin.get("/api/auth/access-requests", params={"limit": 2, "offset": 2})).json()
    assert [r["email"] for r in second["requests"]] == [
        "person4@example.com",
        "person5@example.com",
    ]
    every = (await admin.get("/api/auth/access-requests", params={"status": "all"})).json()
    assert every["total"] == 7 and len(every["requests"]) == 7 and every["limit"] == 50
    rejected = (
        await admin.get("/api/auth/access-requests", params={"status": "rejected", "limit": 1})
    ).json()
    assert rejected["total"] == 3 and len(rejected["requests"]) == 1
    bad = await admin.get("/api/auth/access-requests", params={"offset": "later"})
    assert bad.status_code == 400 and bad.json() == {"error": "offset must be an integer"}
