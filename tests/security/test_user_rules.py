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
