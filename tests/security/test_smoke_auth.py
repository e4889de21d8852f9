"""First-run, login and role checks through the real app."""

from __future__ import annotations

from tests.conftest import PASSWORD, TEST_API_KEY, AppHarness


async def test_setup_then_login_then_me(harness: AppHarness) -> None:
    client = harness.client
    assert (await client.get("/api/setup")).json() == {"needsSetup": True}
    created = await client.post("/api/setup", json={"username": "Chief", "password": PASSWORD})
    assert created.status_code == 201
    assert created.json()["user"]["username"] == "chief"
    assert "mc-session=" in created.headers["set-cookie"]
    me = await client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["user"]["role"] == "admin"
    again = await client.post("/api/setup", json={"username": "other", "password": PASSWORD})
    assert again.status_code == 403
    assert again.json() == {"error": "Setup has already been completed"}


async def test_unknown_api_path_needs_auth_then_404(harness: AppHarness) -> None:
    anon = await harness.client.get("/api/does-not-exist")
    assert anon.status_code == 401
    assert anon.json() == {"error": "Authentication required"}
    keyed = await harness.key_client().get("/api/does-not-exist")
    assert keyed.status_code == 404 and keyed.json() == {"error": "Not found"}


async def test_viewer_cannot_list_users(harness: AppHarness, viewer: object) -> None:
    client = harness.new_client()
    await harness.create_user("watcher", "viewer")
    login = await client.post("/api/auth/login", json={"username": "watcher", "password": PASSWORD})
    assert login.status_code == 200
    denied = await client.get("/api/auth/users")
    assert denied.status_code == 403
    assert denied.json() == {"error": "Requires admin role or higher"}
    assert (await harness.key_client(TEST_API_KEY).get("/api/users")).status_code == 200


async def test_openapi_and_docs_are_public_and_list_every_api_route(harness: AppHarness) -> None:
    spec = await harness.client.get("/api/docs")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in ("/api/auth/login", "/api/auth/users", "/api/tokens/rotate", "/api/audit"):
        assert path in paths
    docs = await harness.client.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    for health in ("/api/health", "/health", "/api/status?action=health"):
        assert (await harness.client.get(health)).status_code == 200, health
