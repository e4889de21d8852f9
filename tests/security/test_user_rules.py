"""User management rules (security.md 7): self-demotion, self-deletion, the last admin."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import PASSWORD, AppHarness

pytestmark = pytest.mark.anyio


async def _me(client: httpx.AsyncClient) -> dict[str, object]:
    user: dict[str, object] = (await client.get("/api/auth/me")).json()["user"]
    return user


@pytest.mark.parametrize("prefix", ["/api/auth/users", "/api/users"])
async def test_admin_cannot_demote_disable_or_delete_themselves(
    admin: httpx.AsyncClient, prefix: str
) -> None:
    me = await _me(admin)
    demote = await admin.put(prefix, json={"id": me["id"], "role": "viewer"})
    assert demote.status_code == 400
    assert demote.json() == {"error": "You cannot change your own role"}
    disable = await admin.put(prefix, json={"id": me["id"], "disabled": True})
    assert disable.status_code == 400
    delete = await admin.request("DELETE", prefix, json={"id": me["id"]})
    assert delete.status_code == 400
    assert delete.json() == {"error": "You cannot delete your own account"}
    assert (await _me(admin))["role"] == "admin"


async def _own_key_client(harness: AppHarness, owner: httpx.AsyncClient) -> httpx.AsyncClient:
    made = await owner.post("/api/auth/keys", json={"name": "own"})
    assert made.status_code == 201, made.text
    return harness.key_client(made.json()["api_key"])


async def test_an_admins_own_personal_key_is_still_themselves(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    # A second admin, so only the "not yourself" rule can refuse.
    await harness.create_user("other-admin", "admin")
    me = await _me(admin)
    keyed = await _own_key_client(harness, admin)
    demote = await keyed.put("/api/auth/users", json={"id": me["id"], "role": "viewer"})
    assert demote.status_code == 400
    assert demote.json() == {"error": "You cannot change your own role"}
    disable = await keyed.put("/api/auth/users", json={"id": me["id"], "disabled": True})
    assert disable.status_code == 400
    assert disable.json() == {"error": "You cannot disable your own account"}
    unapprove = await keyed.put("/api/auth/users", json={"id": me["id"], "is_approved": False})
    assert unapprove.status_code == 400
    assert unapprove.json() == {"error": "You cannot withdraw your own approval"}
    delete = await keyed.request("DELETE", "/api/auth/users", json={"id": me["id"]})
    assert delete.status_code == 400
    assert delete.json() == {"error": "You cannot delete your own account"}
    after = await _me(admin)
    assert after["role"] == "admin" and after["is_approved"] is True
    assert after["disabled"] is False


async def test_withdrawing_approval_is_refused_on_yourself_and_the_last_admin(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    me = await _me(admin)
    own = await admin.put("/api/auth/users", json={"id": me["id"], "is_approved": False})
    assert own.status_code == 400
    assert own.json() == {"error": "You cannot withdraw your own approval"}
    assert (await admin.get("/api/auth/me")).status_code == 200
    keyed = harness.key_client()
    last = await keyed.put("/api/auth/users", json={"id": me["id"], "is_approved": False})
    assert last.status_code == 400
    assert last.json() == {"error": "Cannot withdraw the approval of the last active admin"}
    assert (await _me(admin))["is_approved"] is True


async def test_an_unapproved_admin_is_not_an_active_admin(harness: AppHarness) -> None:
    first = await harness.create_user("first-admin", "admin")
    await harness.create_user("waiting-admin", "admin", is_approved=False)
    keyed = harness.key_client()
    # The unapproved admin cannot act, so the first is still the last active one.
    for change, message in (
        ({"role": "operator"}, "Cannot demote the last active admin"),
        ({"disabled": True}, "Cannot disable the last active admin"),
    ):
        refused = await keyed.put("/api/auth/users", json={"id": first["id"], **change})
        assert refused.status_code == 400 and refused.json() == {"error": message}
    gone = await keyed.request("DELETE", "/api/auth/users", json={"id": first["id"]})
    assert gone.status_code == 400


async def test_withdrawing_approval_ends_sessions_and_keys_and_is_audited(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    owner = await harness.login_client("second-admin", "admin")
    keyed = await _own_key_client(harness, owner)
    target = await _me(owner)
    done = await admin.put("/api/auth/users", json={"id": target["id"], "is_approved": False})
    assert done.status_code == 200, done.text
    assert done.json()["user"]["is_approved"] is False
    assert (await owner.get("/api/auth/me")).status_code == 401
    assert (await keyed.get("/api/auth/me")).status_code == 401
    events = (await admin.get("/api/audit", params={"action": "user_update"})).json()["events"]
    row = next(e for e in events if e["target_id"] == str(target["id"]))
    assert row["detail"]["is_approved"] is False
    assert row["detail"]["sessions_revoked"] == 1
    # Approving again gives access back (a new login) and revokes nothing.
    back = await admin.put("/api/auth/users", json={"id": target["id"], "is_approved": True})
    assert back.status_code == 200 and back.json()["user"]["is_approved"] is True
    again = harness.new_client()
    login = await again.post(
        "/api/auth/login", json={"username": "second-admin", "password": PASSWORD}
    )
    assert login.status_code == 200


async def test_the_last_active_admin_stays(harness: AppHarness) -> None:
    await harness.create_user("only-admin", "admin")
    keyed = harness.key_client()
    users = (await keyed.get("/api/auth/users")).json()["users"]
    target = next(u for u in users if u["username"] == "only-admin")
    demote = await keyed.put("/api/auth/users", json={"id": target["id"], "role": "operator"})
    assert demote.status_code == 400
    assert demote.json() == {"error": "Cannot demote the last active admin"}
    delete = await keyed.request("DELETE", "/api/auth/users", json={"id": target["id"]})
    assert delete.status_code == 400
    disable = await keyed.put("/api/auth/users", json={"id": target["id"], "disabled": True})
    assert disable.status_code == 400
    # With a second admin the first may go.
    await harness.create_user("second-admin", "admin")
    ok = await keyed.put("/api/auth/users", json={"id": target["id"], "role": "operator"})
    assert ok.status_code == 200


async def test_user_api_validation_and_conflicts(admin: httpx.AsyncClient) -> None:
    created = await admin.post(
        "/api/auth/users", json={"username": "New.Person", "password": PASSWORD}
    )
    assert created.status_code == 201
    assert created.json()["user"]["username"] == "new.person"
    assert created.json()["user"]["role"] == "operator"
    dup = await admin.post("/api/auth/users", json={"username": "new.person", "password": PASSWORD})
    assert dup.status_code == 409 and dup.json() == {"error": "Username already exists"}
    for bad in (
        {"username": "x", "password": PASSWORD},
        {"username": "has space", "password": PASSWORD},
        {"username": "ok-name", "password": PASSWORD, "role": "root"},
        {"username": "ok-name", "password": PASSWORD, "surprise": 1},
        {"password": PASSWORD},
    ):
        answer = await admin.post("/api/auth/users", json=bad)
        assert answer.status_code == 400, bad
        assert answer.json()["error"] == "Validation failed" or "error" in answer.json()
    not_json = await admin.post(
        "/api/auth/users", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400
    missing = await admin.put("/api/auth/users", json={"id": 999999, "display_name": "x"})
    assert missing.status_code == 404
    names = {u["username"] for u in (await admin.get("/api/auth/users")).json()["users"]}
    assert "ok-name" not in names and "x" not in names


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/auth/users"), ("POST", "/api/auth/users"), ("GET", "/api/audit")],
)
async def test_role_floor_answers(
    harness: AppHarness, operator: httpx.AsyncClient, method: str, path: str
) -> None:
    anon = await harness.new_client().request(method, path, json={})
    assert anon.status_code == 401 and anon.json() == {"error": "Authentication required"}
    denied = await operator.request(method, path, json={})
    assert denied.status_code == 403
    assert denied.json() == {"error": "Requires admin role or higher"}
