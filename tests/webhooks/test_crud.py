"""Webhook CRUD: masking, validation, SSRF at save time, roles, audit rows."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from mission_control.db.tables import audit_log, webhooks
from mission_control.webhooks.ssrf import PRIVATE_URL_MESSAGE
from tests.conftest import AppHarness

pytestmark = pytest.mark.anyio

PUBLIC_URL = "https://hooks.example.com/mc"


async def _count(harness: AppHarness, table: sa.Table) -> int:
    def run(conn: Any) -> int:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar())

    return await harness.rt.db.read(run)


async def _audit_actions(harness: AppHarness) -> list[str]:
    def run(conn: Any) -> list[str]:
        return list(conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.id)).scalars())

    return await harness.rt.db.read(run)


async def test_create_shows_secret_once_then_masks_it(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    created = await admin.post("/api/webhooks", json={"name": "CI", "url": PUBLIC_URL})
    assert created.status_code == 200
    body = created.json()
    assert body["enabled"] is True and body["events"] == ["*"]
    assert len(body["secret"]) == 64
    listed = (await admin.get("/api/webhooks")).json()["webhooks"]
    assert len(listed) == 1
    hook = listed[0]
    assert hook["secret"] == "••••••" + body["secret"][-4:]
    assert body["secret"] not in str(listed)
    assert hook["circuit_open"] is False
    assert (
        hook["total_deliveries"] == hook["successful_deliveries"] == hook["failed_deliveries"] == 0
    )
    assert hook["created_by"] == "root-admin"
    assert "webhook_create" in await _audit_actions(harness)


async def test_create_without_secret(admin: httpx.AsyncClient) -> None:
    created = await admin.post(
        "/api/webhooks",
        json={
            "name": "plain",
            "url": PUBLIC_URL,
            "generate_secret": False,
            "events": ["task.created"],
        },
    )
    assert created.status_code == 200 and created.json()["secret"] is None
    assert (await admin.get("/api/webhooks")).json()["webhooks"][0]["secret"] is None


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"name": "x", "url": PUBLIC_URL, "events": ["task.exploded"]}, "Unknown event type"),
        ({"name": "x", "url": PUBLIC_URL, "events": ["nope"]}, "Unknown event type"),
        ({"name": "x", "url": PUBLIC_URL, "events": []}, "must not be empty"),
        ({"name": "x", "url": PUBLIC_URL, "events": "task.created"}, "Validation failed"),
        ({"name": "", "url": PUBLIC_URL}, "Validation failed"),
        ({"name": "x" * 201, "url": PUBLIC_URL}, "Validation failed"),
        ({"url": PUBLIC_URL}, "Validation failed"),
        ({"name": "x"}, "Validation failed"),
        ({"name": "x", "url": PUBLIC_URL + "/" + "a" * 2000}, "too long"),
        ({"name": "x", "url": "ftp://hooks.example.com/"}, "http or https"),
        ({"name": "x", "url": "file:///etc/passwd"}, "http or https"),
        ({"name": "x", "url": "not a url"}, "Invalid webhook URL"),
        ({"name": "x", "url": PUBLIC_URL, "generate_secret": "yes"}, "Validation failed"),
    ],
)
async def test_create_refuses_bad_input_without_writing(
    harness: AppHarness, admin: httpx.AsyncClient, payload: dict[str, Any], fragment: str
) -> None:
    response = await admin.post("/api/webhooks", json=payload)
    assert response.status_code == 400
    assert fragment in str(response.json())
    assert await _count(harness, webhooks) == 0


async def test_known_event_names_are_accepted(admin: httpx.AsyncClient) -> None:
    events = [
        "activity.task_created",
        "notification.mention",
        "security.login_failed",
        "security.*",
        "agent.status_change",
        "agent.error",
        "task.created",
        "task.updated",
        "task.deleted",
        "task.status_changed",
        "alert.triggered",
        "test.ping",
    ]
    response = await admin.post(
        "/api/webhooks", json={"name": "all", "url": PUBLIC_URL, "events": events}
    )
    assert response.status_code == 200 and response.json()["events"] == events


PRIVATE_URLS = [
    "http://127.0.0.1/",
    "http://127.8.9.10:8080/",
    "http://10.1.2.3/",
    "http://172.16.0.5/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://0.0.0.0/",
    "http://255.255.255.255/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://[::1]/",
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[ff02::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::a00:1]/",
    "http://localhost/",
    "http://LOCALHOST./",
    "http://printer.local/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "https://user:pw@127.0.0.1:443/",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
async def test_save_time_ssrf_refusals(
    harness: AppHarness, admin: httpx.AsyncClient, url: str
) -> None:
    response = await admin.post("/api/webhooks", json={"name": "x", "url": url})
    assert response.status_code == 400, url
    assert response.json() == {"error": PRIVATE_URL_MESSAGE}
    assert await _count(harness, webhooks) == 0


@pytest.mark.parametrize(
    "url", ["https://93.184.216.34/hook", "http://[2606:4700::1111]/x", "https://hooks.slack.com/x"]
)
async def test_public_addresses_are_accepted(admin: httpx.AsyncClient, url: str) -> None:
    assert (await admin.post("/api/webhooks", json={"name": "x", "url": url})).status_code == 200


async def test_allow_private_lifts_the_save_check(harness_factory: Any) -> None:
    async with harness_factory(webhook_allow_private=True) as h:
        admin = await h.login_client("boss", "admin")
        response = await admin.post(
            "/api/webhooks", json={"name": "dev", "url": "http://localhost:9/x"}
        )
        assert response.status_code == 200


async def test_allow_private_is_ignored_in_production(settings_factory: Any) -> None:
    from mission_control.webhooks.worker import private_allowed

    assert private_allowed(settings_factory(webhook_allow_private=True)) is True
    production = settings_factory(
        webhook_allow_private=True, mc_env="production", allowed_hosts="testserver"
    )
    assert private_allowed(production) is False


async def test_update_regenerate_reset_and_unknown_id(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    created = (await admin.post("/api/webhooks", json={"name": "a", "url": PUBLIC_URL})).json()
    missing = await admin.put("/api/webhooks", json={"id": 9999, "name": "b"})
    assert missing.status_code == 404
    renamed = await admin.put(
        "/api/webhooks", json={"id": str(created["id"]), "name": "b", "events": ["task.created"]}
    )
    assert renamed.status_code == 200 and renamed.json() == {"success": True}
    regen = (
        await admin.put("/api/webhooks", json={"id": created["id"], "regenerate_secret": True})
    ).json()
    assert regen["success"] is True and len(regen["secret"]) == 64
    assert regen["secret"] != created["secret"]
    hook = (await admin.get("/api/webhooks")).json()["webhooks"][0]
    assert hook["name"] == "b" and hook["events"] == ["task.created"]
    assert hook["secret"] == "••••••" + regen["secret"][-4:]
    private = await admin.put(
        "/api/webhooks", json={"id": created["id"], "url": "http://10.0.0.1/"}
    )
    assert private.status_code == 400 and private.json()["error"] == PRIVATE_URL_MESSAGE
    bad_events = await admin.put(
        "/api/webhooks", json={"id": created["id"], "events": ["bogus.thing"]}
    )
    assert bad_events.status_code == 400
    assert (await admin.get("/api/webhooks")).json()["webhooks"][0]["url"] == PUBLIC_URL
    actions = await _audit_actions(harness)
    assert "webhook_update" in actions and "webhook_secret_regenerate" in actions

    # The audit trail never holds a secret.
    def details(conn: Any) -> str:
        return str(list(conn.execute(sa.select(audit_log.c.detail)).scalars()))

    audited = await harness.rt.db.read(details)
    assert created["secret"] not in audited and regen["secret"] not in audited


async def test_delete_needs_a_body_and_reports_count(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    created = (await admin.post("/api/webhooks", json={"name": "a", "url": PUBLIC_URL})).json()
    no_body = await admin.request("DELETE", "/api/webhooks", params={"id": created["id"]})
    assert no_body.status_code == 400 and "body required" in no_body.json()["error"]
    not_json = await admin.request("DELETE", "/api/webhooks", content=b"id=1")
    assert not_json.status_code == 400
    deleted = await admin.request("DELETE", "/api/webhooks", json={"id": str(created["id"])})
    assert deleted.status_code == 200 and deleted.json() == {"success": True, "deleted": 1}
    again = await admin.request("DELETE", "/api/webhooks", json={"id": created["id"]})
    assert again.json() == {"success": True, "deleted": 0}
    assert await _count(harness, webhooks) == 0
    assert "webhook_delete" in await _audit_actions(harness)


async def test_roles(
    harness: AppHarness, operator: httpx.AsyncClient, viewer: httpx.AsyncClient
) -> None:
    for client in (operator, viewer):
        assert (await client.get("/api/webhooks")).status_code == 403
        assert (
            await client.post("/api/webhooks", json={"name": "x", "url": PUBLIC_URL})
        ).status_code == 403
        assert (await client.get("/api/webhooks/deliveries")).status_code == 403
        assert (await client.post("/api/webhooks/test", json={"id": 1})).status_code == 403
        assert (
            await client.post("/api/webhooks/retry", json={"delivery_id": 1})
        ).status_code == 403
    assert (await harness.client.get("/api/webhooks/verify-docs")).status_code == 401
    docs = await viewer.get("/api/webhooks/verify-docs")
    assert docs.status_code == 200
    body = docs.json()
    assert "hmac" in body["examples"]["python"] and "createHmac" in body["examples"]["node"]
    assert body["headers"]["X-MC-Signature"].startswith("sha256=")
    assert body["headers"]["X-MC-Signature-V1"].startswith("v1=")


async def test_deliveries_log_paging_and_unknown_refs(admin: httpx.AsyncClient) -> None:
    page = await admin.get("/api/webhooks/deliveries", params={"limit": 100000, "offset": -5})
    assert page.status_code == 200
    assert page.json()["limit"] == 200 and page.json()["offset"] == 0
    assert (await admin.get("/api/webhooks/deliveries", params={"limit": "x"})).status_code == 400
    assert (
        await admin.get("/api/webhooks/deliveries", params={"webhook_id": "x"})
    ).status_code == 400
    assert (await admin.post("/api/webhooks/test", json={"id": 424242})).status_code == 404
    assert (
        await admin.post("/api/webhooks/retry", json={"delivery_id": 424242})
    ).status_code == 404
    assert (await admin.post("/api/webhooks/retry", json={})).status_code == 400


async def test_openapi_has_request_and_response_models(harness: AppHarness) -> None:
    paths = harness.app.openapi()["paths"]
    for path, method, model in [
        ("/api/webhooks", "get", "WebhookList"),
        ("/api/webhooks", "post", "WebhookCreated"),
        ("/api/webhooks", "put", "WebhookUpdated"),
        ("/api/webhooks", "delete", "WebhookDeleted"),
        ("/api/webhooks/deliveries", "get", "DeliveryPage"),
        ("/api/webhooks/test", "post", "SendResult"),
        ("/api/webhooks/retry", "post", "SendResult"),
        ("/api/webhooks/verify-docs", "get", "VerifyDocs"),
    ]:
        assert model in str(paths[path][method]["responses"]["200"]), (path, method)
    assert "WebhookCreate" in str(paths["/api/webhooks"]["post"]["requestBody"])
