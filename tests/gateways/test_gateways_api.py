"""/api/gateways: registry, encrypted tokens, probes, sessions, agents, roles and bad input."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from mission_control.db.tables import audit_log, gateways
from mission_control.integrations.openclaw.identity import load_or_create
from mission_control.security.secretbox import secret_box
from tests.conftest import AppHarness
from tests.gateways.conftest import ON_BOTH, Endpoint
from tests.gateways.fake_gateway import FakeGateway, running

pytestmark = pytest.mark.anyio


async def _rows(harness: AppHarness, table: sa.Table) -> list[dict[str, Any]]:
    def read(conn: sa.Connection) -> list[dict[str, Any]]:
        return [dict(r) for r in conn.execute(sa.select(table).order_by(table.c.id)).mappings()]

    return await harness.rt.db.read(read)


async def _audit(harness: AppHarness, prefix: str = "integration_gateway") -> list[dict[str, Any]]:
    return [r for r in await _rows(harness, audit_log) if r["action"].startswith(prefix)]


async def _register(admin: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await admin.post("/api/gateways", json=body)
    assert response.status_code == 201, response.text
    gateway: dict[str, Any] = response.json()["gateway"]
    return gateway


@pytest.fixture
def closed_port() -> Iterator[int]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    yield port


@ON_BOTH
async def test_register_verify_probe_and_read_sessions_and_agents(
    gateway_server: Endpoint,
    harness: AppHarness,
    admin: httpx.AsyncClient,
    operator: httpx.AsyncClient,
) -> None:
    token = gateway_server.token
    created = await _register(
        admin, name="lab", url=gateway_server.url, token=token, verify=True, is_primary=True
    )
    assert created["status"] == "online" and created["has_token"] is True
    assert created["source"] == "stored" and created["is_primary"] is True
    assert token not in json.dumps(created)

    listed = (await admin.get("/api/gateways")).json()
    assert [g["name"] for g in listed["gateways"]] == ["lab"] and listed["total"] == 1
    assert token not in json.dumps(listed)

    # encrypted at rest: the column is not the token, and decrypts to it
    (row,) = await _rows(harness, gateways)
    assert token not in row["token_encrypted"]
    assert secret_box(harness.rt.settings).decrypt(row["token_encrypted"]) == token

    health = await admin.post("/api/gateways/health")
    assert health.status_code == 200, health.text
    (result,) = health.json()["results"]
    assert result["status"] == "online", result
    assert result["server_version"] == "2026.9.6" and result["protocol"] == 4
    assert health.json()["summary"] == {"online": 1, "offline": 0, "error": 0}
    (row,) = await _rows(harness, gateways)
    assert row["status"] == "online" and row["last_seen"] >= int(time.time()) - 60

    sessions = await operator.get(f"/api/gateways/{created['id']}/sessions?limit=3")
    assert sessions.status_code == 200, sessions.text
    body = sessions.json()
    assert body["gateway"] == "lab" and isinstance(body["sessions"], list)
    assert body["count"] == len(body["sessions"]) <= 3

    agents = await operator.get(f"/api/gateways/{created['id']}/agents")
    assert agents.status_code == 200, agents.text
    assert agents.json()["default_id"] == "main"
    assert "main" in [a["id"] for a in agents.json()["agents"]]

    actions = [r["action"] for r in await _audit(harness)]
    assert actions == ["integration_gateway_create", "integration_gateway_health"]
    assert all(token not in json.dumps(r["detail"]) for r in await _audit(harness))


@ON_BOTH
async def test_verify_with_wrong_token_saves_nothing(
    gateway_server: Endpoint, harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    wrong = "definitely-wrong-token-value"
    response = await admin.post(
        "/api/gateways",
        json={"name": "lab", "url": gateway_server.url, "token": wrong, "verify": True},
    )
    assert response.status_code == 502
    body = response.json()
    assert body["code"] == "AUTH_TOKEN_MISMATCH"
    assert "gateway.auth.token" in body["guidance"]
    assert wrong not in response.text and gateway_server.token not in response.text
    assert await _rows(harness, gateways) == []
    assert await _audit(harness) == []


@pytest.mark.parametrize(
    ("mode", "status", "code"),
    [
        ("close_after_challenge", 502, "GATEWAY_UNREACHABLE"),
        ("close_on_connect", 502, "GATEWAY_UNREACHABLE"),
        ("silent", 504, "GATEWAY_TIMEOUT"),
        ("mute_after_challenge", 504, "GATEWAY_TIMEOUT"),
    ],
)
async def test_verify_against_a_broken_gateway_is_bounded_and_saves_nothing(
    mode: str, status: int, code: str, harness_factory: Any
) -> None:
    gateway = FakeGateway(mode=mode)
    with running(gateway):
        async with harness_factory(
            openclaw_challenge_timeout=0.5, openclaw_request_timeout=0.5
        ) as harness:
            admin = await harness.login_client("gw-admin", "admin")
            started = time.monotonic()
            response = await admin.post(
                "/api/gateways",
                json={"name": "x", "url": gateway.url, "token": gateway.token, "verify": True},
            )
            assert time.monotonic() - started < 5
            assert response.status_code == status, response.text
            assert response.json()["code"] == code
            assert response.json()["guidance"]
            assert gateway.token not in response.text
            assert await _rows(harness, gateways) == []
            assert await _audit(harness) == []
            await admin.aclose()


async def test_health_reports_each_gateway_and_stores_the_outcome(
    harness_factory: Any, closed_port: int
) -> None:
    good, silent = FakeGateway(), FakeGateway(mode="silent")
    with running(good), running(silent):
        async with harness_factory(
            openclaw_challenge_timeout=0.5, openclaw_request_timeout=0.5
        ) as harness:
            admin = await harness.login_client("gw-admin", "admin")
            await _register(admin, name="good", url=good.url, token=good.token)
            await _register(admin, name="wrong-token", url=good.url, token="nope-not-it")
            await _register(admin, name="down", url=f"ws://127.0.0.1:{closed_port}", token="t")
            await _register(admin, name="silent", url=silent.url, token="t")
            started = time.monotonic()
            response = await admin.post("/api/gateways/health")
            # probed at once: the silent one's bounded wait is paid once, not per gateway
            assert time.monotonic() - started < 5
            assert response.status_code == 200
            by_name = {r["name"]: r for r in response.json()["results"]}
            assert by_name["good"]["status"] == "online"
            assert by_name["wrong-token"]["status"] == "error"
            assert by_name["wrong-token"]["code"] == "AUTH_TOKEN_MISMATCH"
            assert by_name["down"]["status"] == "offline"
            assert by_name["down"]["code"] == "GATEWAY_UNREACHABLE"
            assert by_name["silent"]["status"] == "offline"
            assert by_name["silent"]["code"] == "GATEWAY_TIMEOUT"
            assert response.json()["summary"] == {"online": 1, "offline": 2, "error": 1}
            assert "nope-not-it" not in response.text and good.token not in response.text
            stored = {r["name"]: r for r in await _rows(harness, gateways)}
            assert stored["good"]["status"] == "online" and stored["good"]["last_error"] is None
            assert stored["wrong-token"]["status"] == "error"
            assert "token mismatch" in stored["wrong-token"]["last_error"]
            assert stored["down"]["status"] == "offline" and stored["down"]["last_seen"] is None
            (audit_row,) = [
                r for r in await _audit(harness) if r["action"] == "integration_gateway_health"
            ]
            assert audit_row["detail"]["checked"] == 4
            await admin.aclose()


async def test_device_token_from_hello_is_kept_encrypted_and_preferred(
    fake_gateway: FakeGateway, harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    device = load_or_create(harness.rt.settings.data_dir)
    fake_gateway.paired[device.device_id] = "issued-device-token-0123456789"
    created = await _register(admin, name="lab", url=fake_gateway.url, token=fake_gateway.token)
    assert created["has_device_token"] is False
    assert (await admin.post("/api/gateways/health")).json()["results"][0]["status"] == "online"
    (row,) = await _rows(harness, gateways)
    assert "issued-device-token" not in row["device_token_encrypted"]
    box = secret_box(harness.rt.settings)
    assert box.decrypt(row["device_token_encrypted"]) == "issued-device-token-0123456789"
    listed = (await admin.get(f"/api/gateways/{created['id']}")).json()["gateway"]
    assert listed["has_device_token"] is True
    assert "issued-device-token" not in json.dumps(listed)

    # a fresh app (new connection) signs in with the stored device token, not the shared one
    await harness.rt.gateways.close()
    response = await admin.get(f"/api/gateways/{created['id']}/sessions")
    assert response.status_code == 200
    connect_frames = [json.loads(f) for f in fake_gateway.received if '"connect"' in f]
    assert connect_frames[-1]["params"]["auth"] == {"deviceToken": "issued-device-token-0123456789"}

    # a new URL is another gateway: the device token is forgotten
    patched = await admin.patch(f"/api/gateways/{created['id']}", json={"url": "ws://127.0.0.1:1"})
    assert patched.status_code == 200 and patched.json()["gateway"]["has_device_token"] is False


async def test_update_rotates_and_removes_the_token_and_delete_removes_all(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    created = await _register(admin, name="lab", url="ws://127.0.0.1:18789", token="first-token")
    (before,) = await _rows(harness, gateways)
    rotated = await admin.patch(f"/api/gateways/{created['id']}", json={"token": "second-token"})
    assert rotated.status_code == 200 and "second-token" not in rotated.text
    (after,) = await _rows(harness, gateways)
    assert after["token_encrypted"] != before["token_encrypted"]
    assert secret_box(harness.rt.settings).decrypt(after["token_encrypted"]) == "second-token"
    cleared = await admin.patch(f"/api/gateways/{created['id']}", json={"token": None})
    assert cleared.json()["gateway"]["has_token"] is False
    renamed = await admin.patch(
        f"/api/gateways/{created['id']}", json={"name": "lab-2", "is_primary": True}
    )
    assert renamed.json()["gateway"]["name"] == "lab-2"
    assert renamed.json()["gateway"]["is_primary"] is True

    deleted = await admin.delete(f"/api/gateways/{created['id']}")
    assert deleted.status_code == 200 and deleted.json() == {"success": True}
    assert (await admin.get(f"/api/gateways/{created['id']}")).status_code == 404
    assert await _rows(harness, gateways) == []
    audit_rows = await _audit(harness)
    assert [r["action"] for r in audit_rows] == [
        "integration_gateway_create",
        "integration_gateway_update",
        "integration_gateway_update",
        "integration_gateway_update",
        "integration_gateway_delete",
    ]
    assert audit_rows[1]["detail"]["fields"] == ["token"]
    text = json.dumps([r["detail"] for r in audit_rows])
    assert "first-token" not in text and "second-token" not in text


async def test_only_one_primary(admin: httpx.AsyncClient) -> None:
    a = await _register(admin, name="a", url="ws://127.0.0.1:1", is_primary=True)
    b = await _register(admin, name="b", url="ws://127.0.0.1:2", is_primary=True)
    listed = {g["id"]: g for g in (await admin.get("/api/gateways")).json()["gateways"]}
    assert listed[b["id"]]["is_primary"] is True and listed[a["id"]]["is_primary"] is False


async def test_roles(
    harness: AppHarness,
    admin: httpx.AsyncClient,
    operator: httpx.AsyncClient,
    viewer: httpx.AsyncClient,
) -> None:
    created = await _register(admin, name="lab", url="ws://127.0.0.1:1", token="t")
    gid = created["id"]
    for method, path, body in [
        ("GET", "/api/gateways", None),
        ("POST", "/api/gateways", {"name": "x", "url": "ws://127.0.0.1:1"}),
        ("GET", f"/api/gateways/{gid}", None),
        ("PATCH", f"/api/gateways/{gid}", {"name": "y"}),
        ("DELETE", f"/api/gateways/{gid}", None),
        ("DELETE", "/api/gateways", {"id": gid}),
        ("POST", "/api/gateways/health", None),
    ]:
        response = await operator.request(method, path, json=body)
        assert response.status_code == 403, (method, path)
    for path in (f"/api/gateways/{gid}/sessions", f"/api/gateways/{gid}/agents"):
        assert (await viewer.get(path)).status_code == 403
    anonymous = harness.new_client()
    assert (await anonymous.get("/api/gateways")).status_code == 401
    await anonymous.aclose()
    (row,) = await _rows(harness, gateways)
    assert row["name"] == "lab"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "x", "url": "http://127.0.0.1:1"}, "ws:// or wss://"),
        ({"name": "x", "url": "ws://user:pw@127.0.0.1:1"}, "credentials"),
        ({"name": "x", "url": "ws://127.0.0.1:1/?token=abc"}, "query"),
        ({"name": "x", "url": "ws://127.0.0.1:99999"}, "not a valid URL"),
        ({"name": "x", "url": "ws://"}, "host"),
        ({"name": "x", "url": "ws://127.0.0.1:1", "token": "a\nb"}, "newlines"),
        ({"name": "x", "url": "ws://127.0.0.1:1", "token": "a\x00b"}, "NUL"),
        ({"name": "x", "url": "ws://127.0.0.1:1", "tokn": "typo"}, "tokn"),
        ({"name": "x" * 101, "url": "ws://127.0.0.1:1"}, "name"),
        ({"name": "x", "url": "ws://127.0.0.1:1", "token": "t" * 5000}, "token"),
        ({"name": 5, "url": "ws://127.0.0.1:1"}, "name"),
        ({"url": "ws://127.0.0.1:1"}, "name"),
        ({"name": "   ", "url": "ws://127.0.0.1:1"}, "name"),
        ({"name": "x", "url": "ws://192.0.2.7:18789"}, "secure context"),
    ],
)
async def test_bad_input_is_refused_and_nothing_saved(
    harness: AppHarness, admin: httpx.AsyncClient, body: dict[str, Any], fragment: str
) -> None:
    response = await admin.post("/api/gateways", json=body)
    assert response.status_code == 400, response.text
    assert "error" in response.json()
    assert fragment in response.text
    assert await _rows(harness, gateways) == []


async def test_odd_but_valid_names_and_duplicates(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    name = "lab'; DROP TABLE gateways; -- ☃"
    created = await _register(admin, name=name, url="wss://gateway.example:443")
    assert created["name"] == name
    dup = await admin.post("/api/gateways", json={"name": name, "url": "ws://127.0.0.1:1"})
    assert dup.status_code == 409
    assert len(await _rows(harness, gateways)) == 1
    for bad in ("abc", "-1", "1" * 20, "health"):
        assert (await admin.get(f"/api/gateways/{bad}")).status_code == 400
    assert (await admin.get("/api/gateways/999999")).status_code == 404
    assert (await admin.patch("/api/gateways/999999", json={"name": "z"})).status_code == 404
    insecure = await admin.patch(
        f"/api/gateways/{created['id']}", json={"url": "ws://gateway.example:80"}
    )
    assert insecure.status_code == 400 and insecure.json()["code"] == "INSECURE_GATEWAY_URL"


async def test_gateway_errors_on_sessions_are_clear(harness_factory: Any, closed_port: int) -> None:
    async with harness_factory(openclaw_challenge_timeout=0.5) as harness:
        admin = await harness.login_client("gw-admin", "admin")
        created = await _register(
            admin, name="down", url=f"ws://127.0.0.1:{closed_port}", token="secret-tok"
        )
        response = await admin.get(f"/api/gateways/{created['id']}/sessions")
        assert response.status_code == 502
        assert response.json()["code"] == "GATEWAY_UNREACHABLE"
        assert "secret-tok" not in response.text
        await admin.aclose()


async def test_environment_gateway_is_listed_probed_and_readable(
    fake_gateway: FakeGateway, harness_factory: Any
) -> None:
    async with harness_factory(
        openclaw_gateway_url=fake_gateway.url, openclaw_gateway_token=fake_gateway.token
    ) as harness:
        admin = await harness.login_client("gw-admin", "admin")
        listed = (await admin.get("/api/gateways")).json()["gateways"]
        assert listed == [
            {
                "id": None,
                "name": "environment",
                "url": fake_gateway.url,
                "source": "env",
                "is_primary": False,
                "status": "unknown",
                "last_error": None,
                "last_seen": None,
                "has_token": True,
                "has_device_token": False,
                "created_at": None,
                "updated_at": None,
            }
        ]
        health = (await admin.post("/api/gateways/health")).json()
        assert health["results"][0]["status"] == "online"
        sessions = await admin.get("/api/gateways/env/sessions")
        assert sessions.status_code == 200 and sessions.json()["gateway"] == "environment"
        assert fake_gateway.token not in (await admin.get("/api/gateways/env")).text
        await admin.aclose()


async def test_no_environment_gateway_without_configuration(admin: httpx.AsyncClient) -> None:
    assert (await admin.get("/api/gateways")).json() == {"gateways": [], "total": 0}
    assert (await admin.get("/api/gateways/env/sessions")).status_code == 400


async def test_openapi_documents_the_models(admin: httpx.AsyncClient) -> None:
    spec = (await admin.get("/api/docs")).json()
    post = spec["paths"]["/api/gateways"]["post"]
    assert "GatewayCreate" in json.dumps(post["requestBody"])
    assert "GatewayEnvelope" in json.dumps(post["responses"]["201"])
    assert "HealthReport" in json.dumps(spec["paths"]["/api/gateways/health"]["post"])
    schema = spec["components"]["schemas"]["GatewayOut"]["properties"]
    assert "token" not in schema and "has_token" in schema


async def test_delete_in_the_originals_form(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    created = await _register(admin, name="lab", url="ws://127.0.0.1:1", token="t")
    for bad in ({}, {"id": True}, {"id": "x"}, {"id": [1]}):
        response = await admin.request("DELETE", "/api/gateways", json=bad)
        assert response.status_code == 400, bad
    missing = await admin.request("DELETE", "/api/gateways", json={"id": 999999})
    assert missing.status_code == 404
    assert len(await _rows(harness, gateways)) == 1
    gone = await admin.request("DELETE", "/api/gateways", json={"id": created["id"]})
    assert gone.status_code == 200 and gone.json() == {"success": True}
    assert await _rows(harness, gateways) == []
