"""The security checklist: each item's pass/warn/fail, and GET /api/security-scan."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bcrypt
import httpx

from mission_control.security import checklist
from mission_control.security.actor import system_actor
from mission_control.settings import Settings
from mission_control.users.service import insert_user, update_user
from tests.conftest import PASSWORD, AppHarness

SettingsFactory = Callable[..., Settings]


async def test_scan_route_answers_every_item(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    response = await admin.get("/api/security-scan")
    assert response.status_code == 200
    body = response.json()
    ids = [item["id"] for item in body["items"]]
    assert ids == [
        "environment",
        "admin_password",
        "default_credentials",
        "api_key",
        "allowed_hosts",
        "tls",
        "env_file",
        "data_dir",
        "rate_limits",
        "audit_retention",
        "debug",
        "trusted_proxies",
        "gateway_transport",
        "gateway_origin",
    ]
    for item in body["items"]:
        assert set(item) == {"id", "title", "status", "detail", "fix"}
        assert item["status"] in ("pass", "warn", "fail")
        if item["status"] != "pass":
            assert item["fix"], item
    by_id = {i["id"]: i["status"] for i in body["items"]}
    # the test app runs in development with the non-critical limiters off
    assert by_id["environment"] == "warn" and by_id["rate_limits"] == "warn"
    assert by_id["default_credentials"] == "pass" and by_id["api_key"] == "pass"
    warns = sum(1 for s in by_id.values() if s == "warn")
    fails = sum(1 for s in by_id.values() if s == "fail")
    assert body["summary"] == {"pass": len(ids) - warns - fails, "warn": warns, "fail": fails}
    assert body["score"] == round(100 * (len(ids) - fails - 0.5 * warns) / len(ids))


async def test_default_credentials_found_in_imported_hashes(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    # Hashes as a database moved over from the Node version could hold them (the policy
    # refuses such passwords at creation, so they are written straight to the table).
    legacy = bcrypt.hashpw(b"password", bcrypt.gensalt(rounds=4)).decode()
    same_as_name = harness.rt.passwords.hash_sync("olduser")
    disabled_weak = harness.rt.passwords.hash_sync("admin")

    def seed(conn: Any) -> None:
        insert_user(conn, username="legacy-admin", password_hash=legacy, role="admin")
        insert_user(conn, username="olduser", password_hash=same_as_name, role="viewer")
        gone = insert_user(conn, username="gone", password_hash=disabled_weak, role="viewer")
        update_user(conn, system_actor("tests"), gone["id"], {"disabled": True})

    await harness.rt.db.write(seed)
    item = next(
        i
        for i in (await admin.get("/api/security-scan")).json()["items"]
        if i["id"] == "default_credentials"
    )
    assert item["status"] == "fail"
    assert "legacy-admin (admin)" in item["detail"] and "olduser (viewer)" in item["detail"]
    assert "gone" not in item["detail"]
    assert "mc users reset-password" in item["fix"]


def test_admin_password_item(settings_factory: SettingsFactory) -> None:
    def status(count: int = 1, **kw: Any) -> str:
        return checklist.check_admin_password(settings_factory(**kw), count).status

    assert status(auth_pass="changeme") == "fail"
    assert status(auth_pass="short-1") == "fail"
    assert status(auth_pass="password1234") == "fail"  # common
    assert status(auth_pass="alllowercaseab") == "warn"  # policy-long, but weak
    assert status(auth_pass=PASSWORD) == "pass"
    assert status(auth_pass_b64="Y2hhbmdlbWU=", auth_pass=PASSWORD) == "fail"  # b64 wins
    assert status(count=1) == "pass"
    assert status(count=0) == "warn"  # open /setup
    assert status(count=0, mc_env="production") == "fail"


async def test_api_key_item(harness: AppHarness, settings_factory: SettingsFactory) -> None:
    async def status(**kw: Any) -> str:
        item = await harness.rt.db.read(checklist.check_api_key, settings_factory(**kw))
        return item.status

    assert await status() == "pass"
    assert await status(api_key="") == "warn"
    assert await status(api_key="too-short-key") == "fail"
    assert await status(api_key="changeme") == "fail"
    from mission_control.security.api_keys import rotate_global_key

    await harness.rt.db.write(rotate_global_key, updated_by="tests", now=1)
    assert await status(api_key="too-short-key") == "pass"  # the env key no longer counts


def test_network_items(settings_factory: SettingsFactory) -> None:
    hosts = checklist.check_allowed_hosts
    assert hosts(settings_factory()).status == "pass"
    assert hosts(settings_factory(mc_env="production")).status == "warn"
    assert hosts(settings_factory(mc_env="production", allow_any_host=True)).status == "fail"
    assert hosts(settings_factory(mc_env="production", allowed_hosts="*")).status == "fail"
    assert hosts(
        settings_factory(node_env="production", allowed_hosts="mc.example.com")
    ).status == ("pass")
    proxies = checklist.check_trusted_proxies
    assert proxies(settings_factory()).status == "pass"
    assert proxies(settings_factory(trusted_proxies="10.0.0.0/8,127.0.0.1")).status == "pass"
    assert proxies(settings_factory(trusted_proxies="0.0.0.0/0")).status == "fail"
    assert proxies(settings_factory(trusted_proxies="::/0")).status == "fail"
    assert proxies(settings_factory(trusted_proxies="not-an-ip")).status == "fail"
    assert proxies(settings_factory(trusted_proxies="8.8.8.8")).status == "warn"


def test_tls_items(settings_factory: SettingsFactory) -> None:
    tls = checklist.check_tls
    assert tls(settings_factory()).status == "pass"
    assert tls(settings_factory(mc_env="production")).status == "pass"
    assert tls(settings_factory(mc_env="production", cookie_secure_raw="0")).status == "fail"
    assert tls(settings_factory(mc_env="production", enable_hsts_raw="0")).status == "warn"
    assert tls(settings_factory(enable_hsts_raw="1")).status == "warn"  # HSTS without Secure


def test_file_permission_items(settings_factory: SettingsFactory, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    assert checklist.check_env_file(env_file).status == "pass"  # absent
    env_file.write_text("API_KEY=x\n")
    os.chmod(env_file, 0o644)
    loose = checklist.check_env_file(env_file)
    assert loose.status == "fail" and "0644" in loose.detail and "chmod 600" in loose.fix
    os.chmod(env_file, 0o600)
    assert checklist.check_env_file(env_file).status == "pass"

    data = tmp_path / "open-data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    item = checklist.check_data_dir(settings_factory(data_dir=data, database_url=""))
    assert item.status == "fail" and "0755" in item.detail
    os.chmod(data, 0o700)
    (data / "mission-control.db").write_bytes(b"")
    os.chmod(data / "mission-control.db", 0o644)
    assert checklist.check_data_dir(settings_factory(data_dir=data, database_url="")).status == (
        "fail"
    )
    os.chmod(data / "mission-control.db", 0o600)
    assert checklist.check_data_dir(settings_factory(data_dir=data, database_url="")).status == (
        "pass"
    )


def test_operational_items(settings_factory: SettingsFactory) -> None:
    limits = checklist.check_rate_limits
    assert limits(settings_factory(disable_rate_limit=False)).status == "pass"
    assert limits(settings_factory(disable_rate_limit=True)).status == "warn"
    assert limits(settings_factory(disable_rate_limit=True, mc_env="production")).status == "pass"
    retention = checklist.check_audit_retention
    assert retention(settings_factory()).status == "pass"
    assert retention(settings_factory(retain_audit_days=0)).status == "warn"
    assert retention(settings_factory(retain_audit_days=7)).status == "warn"
    debug = checklist.check_debug
    assert debug(settings_factory()).status == "pass"
    assert debug(settings_factory(log_level="debug")).status == "warn"
    assert debug(settings_factory(log_level="DEBUG", mc_env="production")).status == "fail"
    env = checklist.check_environment
    assert env(settings_factory()).status == "warn"
    assert env(settings_factory(mc_env="production")).status == "pass"


async def test_a_hardened_production_config_scores_100(
    harness_factory: Any, tmp_path: Path
) -> None:
    async with harness_factory(
        mc_env="production",
        allowed_hosts="testserver",
        disable_rate_limit=False,
    ) as h:
        await h.create_user("prod-admin", "admin")
        scan = await h.rt.db.read(
            checklist.security_scan, h.rt.settings, h.rt.passwords, tmp_path / "no.env"
        )
        failing = [i for i in scan["items"] if i["status"] != "pass"]
        # on PostgreSQL the data dir may not exist; on SQLite the test fixture made it 0700
        assert failing == [] and scan["score"] == 100, failing
