"""GET/PUT/DELETE /api/settings: declared keys only, typed, all-or-nothing, audited."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from mission_control.db.tables import audit_log, settings_table
from tests.conftest import AppHarness


async def _stored(h: AppHarness) -> dict[str, str]:
    return await h.rt.db.read(
        lambda c: {r.key: r.value for r in c.execute(sa.select(settings_table))}
    )


async def test_list_shows_declared_keys_with_env_defaults(
    harness_factory: Any,
) -> None:
    async with harness_factory(retain_activities_days=33) as h:
        admin = await h.login_client("boss", "admin")
        body = (await admin.get("/api/settings")).json()
        items = {i["key"]: i for i in body["settings"]}
        assert items["retention.activities_days"]["value"] == "33"
        assert items["retention.activities_days"]["is_default"] is True
        assert items["general.site_name"]["category"] == "general"
        assert items["general.auto_backup"]["value"] == "false"
        assert items["general.agent_heartbeat"]["value"] == "true"
        assert "pricing.overrides" in items
        assert not any(k.startswith("security.") for k in items)
        assert {i["key"] for i in body["grouped"]["retention"]} >= {"retention.audit_log_days"}
        for item in body["settings"]:
            assert set(item) >= {"key", "value", "description", "category", "is_default"}


async def test_update_reset_and_audit(harness: AppHarness, admin: Any) -> None:
    resp = await admin.put(
        "/api/settings",
        json={
            "settings": {
                "general.site_name": "Ops HQ",
                "retention.activities_days": "30",
                "general.auto_backup": True,
            }
        },
    )
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "updated": ["general.auto_backup", "general.site_name", "retention.activities_days"],
        "count": 3,
    }
    items = {i["key"]: i for i in (await admin.get("/api/settings")).json()["settings"]}
    assert items["general.site_name"] == {
        **items["general.site_name"],
        "value": "Ops HQ",
        "is_default": False,
    }
    assert items["retention.activities_days"]["value"] == "30"
    assert items["general.auto_backup"]["value"] == "true"
    reset = await admin.request("DELETE", "/api/settings", json={"key": "general.site_name"})
    assert reset.status_code == 200 and reset.json()["success"] is True
    items = {i["key"]: i for i in (await admin.get("/api/settings")).json()["settings"]}
    assert items["general.site_name"]["is_default"] is True
    assert items["general.site_name"]["value"] == "Mission Control"
    actions = await harness.rt.db.read(
        lambda c: list(
            c.execute(
                sa.select(audit_log.c.detail).where(audit_log.c.action == "settings_update")
            ).scalars()
        )
    )
    assert len(actions) == 2
    assert actions[0]["changes"]["general.site_name"] == "Ops HQ"


async def test_secret_looking_values_are_redacted_in_audit(harness: AppHarness, admin: Any) -> None:
    secret = "mc_" + "ab" * 24
    resp = await admin.put("/api/settings", json={"settings": {"general.site_name": secret}})
    assert resp.status_code == 200
    details = await harness.rt.db.read(
        lambda c: list(
            c.execute(
                sa.select(audit_log.c.detail).where(audit_log.c.action == "settings_update")
            ).scalars()
        )
    )
    assert details[-1]["changes"]["general.site_name"] == "[redacted]"
    assert secret not in str(details)


async def test_undeclared_key_is_refused_and_nothing_is_written(
    harness: AppHarness, admin: Any
) -> None:
    resp = await admin.put(
        "/api/settings",
        json={"settings": {"general.site_name": "Changed", "general.made_up": "x"}},
    )
    assert resp.status_code == 400
    assert resp.json() == {"error": "Unknown setting: general.made_up"}
    assert await _stored(harness) == {}


async def test_security_keys_are_never_writable(harness: AppHarness, admin: Any) -> None:
    for key in ("security.require_2fa", "security.api_key"):
        resp = await admin.put("/api/settings", json={"settings": {key: "1"}})
        assert resp.status_code == 400
        assert "Security settings" in resp.json()["error"]
        gone = await admin.request("DELETE", "/api/settings", json={"key": key})
        assert gone.status_code == 400
    assert await _stored(harness) == {}


async def test_typed_validation_is_all_or_nothing(harness: AppHarness, admin: Any) -> None:
    bad = [
        {"general.agent_timeout_minutes": "ten"},
        {"general.agent_timeout_minutes": 0},
        {"general.agent_timeout_minutes": True},
        {"retention.audit_log_days": 99999},
        {"general.webhook_retry": "maybe"},
        {"general.site_name": ""},
        {"general.site_name": "x" * 201},
        {"general.site_name": 12},
        {"pricing.overrides": "[1, 2]"},
        {"pricing.overrides": "{not json"},
    ]
    for change in bad:
        resp = await admin.put(
            "/api/settings", json={"settings": {"general.site_name": "Fine", **change}}
        )
        assert resp.status_code == 400, change
        assert resp.json()["error"] in ("Validation failed",), resp.json()
    assert await _stored(harness) == {}
    ok = await admin.put(
        "/api/settings",
        json={"settings": {"pricing.overrides": {"my-model": {"input": 1, "output": 2}}}},
    )
    assert ok.status_code == 200


async def test_bad_bodies(admin: Any) -> None:
    assert (await admin.put("/api/settings")).status_code == 400
    assert (await admin.put("/api/settings", json={"settings": []})).status_code == 400
    assert (await admin.put("/api/settings", json={"settings": {}})).status_code == 400
    assert (await admin.put("/api/settings", content=b"{nope")).status_code == 400
    none = await admin.request("DELETE", "/api/settings")
    assert none.status_code == 400 and "body required" in none.json()["error"]
    unknown = await admin.request("DELETE", "/api/settings", json={"key": "nope.nope"})
    assert unknown.status_code == 400


async def test_settings_are_admin_only(harness: AppHarness, operator: Any) -> None:
    assert (await operator.get("/api/settings")).status_code == 403
    resp = await operator.put("/api/settings", json={"settings": {"general.site_name": "X"}})
    assert resp.status_code == 403
    assert await _stored(harness) == {}
