"""Two-factor login: enrolment, login with a code, replay, recovery codes, admin enforcement."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pyotp
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from mission_control.cli import app as cli_app
from mission_control.db.tables import audit_log, recovery_codes, users
from mission_control.security.secretbox import secret_box
from tests.conftest import PASSWORD, TEST_API_KEY, AppHarness

pytestmark = pytest.mark.anyio


def _code(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).generate_otp(int(time.time() // 30) + offset)


def _actions(harness: AppHarness, action: str) -> list[dict[str, Any]]:
    def read(conn: sa.Connection) -> list[dict[str, Any]]:
        rows = conn.execute(sa.select(audit_log).where(audit_log.c.action == action))
        return [dict(r) for r in rows.mappings()]

    return harness.rt.db.read_sync(read)


def _user_row(harness: AppHarness, username: str) -> dict[str, Any]:
    def read(conn: sa.Connection) -> dict[str, Any]:
        return dict(
            conn.execute(sa.select(users).where(users.c.username == username)).mappings().one()
        )

    return harness.rt.db.read_sync(read)


async def _enrol(client: httpx.AsyncClient) -> tuple[str, list[str]]:
    setup = await client.post("/api/auth/2fa/setup")
    assert setup.status_code == 200, setup.text
    body = setup.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/Mission%20Control:")
    assert body["qr_svg"].startswith("data:image/svg+xml")
    enabled = await client.post("/api/auth/2fa/enable", json={"code": _code(body["secret"])})
    assert enabled.status_code == 200, enabled.text
    return body["secret"], enabled.json()["recovery_codes"]


def _login(client: httpx.AsyncClient, username: str, **extra: str) -> Any:
    return client.post(
        "/api/auth/login", json={"username": username, "password": PASSWORD, **extra}
    )


async def test_enrol_then_login_needs_a_fresh_code(harness: AppHarness) -> None:
    client = await harness.login_client("alice", "operator")
    assert (await client.get("/api/auth/2fa")).json()["enabled"] is False
    secret, codes = await _enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert [r["actor"] for r in _actions(harness, "2fa_enabled")] == ["alice"]
    status = (await client.get("/api/auth/2fa")).json()
    assert status == {"enabled": True, "pending_setup": False, "recovery_codes_remaining": 10}

    fresh = harness.new_client()
    missing = await _login(fresh, "alice")
    assert missing.status_code == 401
    assert missing.json() == {"error": "Two-factor code required", "code": "OTP_REQUIRED"}
    assert "set-cookie" not in missing.headers
    wrong = await _login(fresh, "alice", otp="000000" if _code(secret) != "000000" else "111111")
    assert wrong.status_code == 401 and wrong.json()["code"] == "OTP_INVALID"
    assert len(_actions(harness, "2fa_failed")) == 1
    # The enrolment used the current step; the next step's code is still inside the window.
    code = _code(secret, 1)
    ok = await _login(fresh, "alice", otp=code)
    assert ok.status_code == 200, ok.text
    assert ok.json()["user"]["two_factor_enabled"] is True
    replay = await _login(harness.new_client(), "alice", otp=code)
    assert replay.status_code == 401 and replay.json()["code"] == "OTP_INVALID"
    older = await _login(harness.new_client(), "alice", otp=_code(secret))
    assert older.status_code == 401


async def test_recovery_code_works_once(harness: AppHarness) -> None:
    client = await harness.login_client("bob", "viewer")
    _, codes = await _enrol(client)
    used = await _login(harness.new_client(), "bob", otp=codes[3].upper().replace("-", " "))
    assert used.status_code == 200, used.text
    [row] = _actions(harness, "recovery_code_used")
    assert row["detail"] == {"remaining": 9}
    again = await _login(harness.new_client(), "bob", otp=codes[3])
    assert again.status_code == 401
    assert (await _login(harness.new_client(), "bob", otp=codes[4])).status_code == 200


async def test_secret_is_encrypted_and_recovery_codes_hashed(harness: AppHarness) -> None:
    client = await harness.login_client("carol", "operator")
    secret, codes = await _enrol(client)
    row = _user_row(harness, "carol")
    assert row["totp_secret"] and secret not in row["totp_secret"]
    assert secret_box(harness.rt.settings).decrypt(row["totp_secret"]) == secret

    def hashes(conn: sa.Connection) -> list[str]:
        return list(conn.execute(sa.select(recovery_codes.c.code_hash)).scalars())

    stored = harness.rt.db.read_sync(hashes)
    assert len(stored) == 10
    plain = {c.replace("-", "") for c in codes}
    assert not plain & set(stored) and not any(c in str(stored) for c in codes)


async def test_enrolment_errors(harness: AppHarness) -> None:
    client = await harness.login_client("dave", "operator")
    no_setup = await client.post("/api/auth/2fa/enable", json={"code": "123456"})
    assert no_setup.status_code == 400
    setup = (await client.post("/api/auth/2fa/setup")).json()
    bad = await client.post("/api/auth/2fa/enable", json={"code": "12345x"})
    assert bad.status_code == 400 and bad.json() == {"error": "Invalid two-factor code"}
    assert _user_row(harness, "dave")["totp_enabled"] is False
    for body in ({}, {"code": 123456}, {"code": "1" * 65}, {"code": "1", "extra": 1}):
        assert (await client.post("/api/auth/2fa/enable", json=body)).status_code == 400
    ok = await client.post("/api/auth/2fa/enable", json={"code": _code(setup["secret"])})
    assert ok.status_code == 200
    assert (await client.post("/api/auth/2fa/setup")).status_code == 409
    # A key is not a person with an authenticator.
    keyed = await harness.key_client(TEST_API_KEY).post("/api/auth/2fa/setup")
    assert keyed.status_code == 400
    assert (await harness.client.post("/api/auth/2fa/setup")).status_code == 401


async def test_disable_needs_password_and_code(harness: AppHarness) -> None:
    client = await harness.login_client("erin", "operator")
    _, codes = await _enrol(client)
    wrong_pw = await client.post(
        "/api/auth/2fa/disable", json={"password": "not-the-password!", "code": codes[0]}
    )
    assert wrong_pw.status_code == 401
    wrong_code = await client.post(
        "/api/auth/2fa/disable", json={"password": PASSWORD, "code": "999999x"}
    )
    assert wrong_code.status_code == 401
    assert _actions(harness, "2fa_failed")[-1]["detail"] == {"for": "disable"}
    assert _user_row(harness, "erin")["totp_enabled"] is True
    done = await client.post("/api/auth/2fa/disable", json={"password": PASSWORD, "code": codes[0]})
    assert done.status_code == 200 and done.json()["enabled"] is False
    assert len(_actions(harness, "2fa_disabled")) == 1
    row = _user_row(harness, "erin")
    assert row["totp_secret"] is None and row["totp_enabled"] is False
    assert (await _login(harness.new_client(), "erin")).status_code == 200


async def test_wrong_codes_count_towards_the_login_limit(harness: AppHarness) -> None:
    client = await harness.login_client("frank", "operator")
    secret, _ = await _enrol(client)
    attacker = harness.new_client(ip="10.9.9.9")
    valid = {_code(secret, k) for k in (-1, 0, 1)}
    guesses = [f"{n:06d}" for n in range(20) if f"{n:06d}" not in valid][:5]
    for guess in guesses:
        assert (await _login(attacker, "frank", otp=guess)).status_code == 401
    limited = await _login(attacker, "frank", otp=_code(secret, 1))
    assert limited.status_code == 429


async def test_admins_must_enrol_when_required(harness_factory: Any) -> None:
    async with harness_factory(require_2fa_for_admins=True) as harness:
        admin = await harness.login_client("root", "admin")
        blocked = await admin.get("/api/auth/users")
        assert blocked.status_code == 403
        assert blocked.json()["code"] == "2FA_ENROLLMENT_REQUIRED"
        assert (await admin.get("/api/auth/sessions")).status_code == 403
        assert (await admin.get("/api/auth/me")).status_code == 200
        operator = await harness.login_client("worker", "operator")
        assert (await operator.get("/api/auth/sessions")).status_code == 200
        assert (await harness.key_client().get("/api/auth/users")).status_code == 200
        secret, _ = await _enrol(admin)
        assert (await admin.get("/api/auth/users")).status_code == 200
        assert (await admin.post("/api/auth/logout")).status_code == 200
        relogin = await _login(admin, "root", otp=_code(secret, 1))
        assert relogin.status_code == 200


async def test_cli_reset_2fa(harness: AppHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    client = await harness.login_client("gina", "operator")
    await _enrol(client)
    settings = harness.rt.settings
    monkeypatch.setenv("MC_DATABASE_URL", settings.database_url_resolved)
    monkeypatch.setenv("MISSION_CONTROL_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(cli_app, ["users", "reset-2fa", "gina"])
    assert result.exit_code == 0, result.output
    assert "gina" in result.output
    assert _user_row(harness, "gina")["totp_enabled"] is False
    [row] = _actions(harness, "2fa_disabled")
    assert row["actor"] == "cli" and row["detail"]["reset"] is True
    assert (await _login(harness.new_client(), "gina")).status_code == 200
    missing = CliRunner().invoke(cli_app, ["users", "reset-2fa", "nobody"])
    assert missing.exit_code == 1


async def test_admin_personal_key_is_held_back_until_enrolment(harness_factory: Any) -> None:
    from mission_control.security.api_keys import create_personal_key

    async with harness_factory(require_2fa_for_admins=True) as harness:
        admin = await harness.login_client("chief", "admin")
        user_id = (await admin.get("/api/auth/me")).json()["user"]["id"]
        _, key = harness.rt.db.write_sync(
            lambda conn: create_personal_key(
                conn, user_id=user_id, name="ci", role="admin", expires_at=None, now=1
            )
        )
        keyed = harness.key_client(key)
        blocked = await keyed.get("/api/auth/users")
        assert blocked.status_code == 403
        assert blocked.json()["code"] == "2FA_ENROLLMENT_REQUIRED"
        await _enrol(admin)
        assert (await keyed.get("/api/auth/users")).status_code == 200


async def test_login_page_asks_for_the_code(harness: AppHarness) -> None:
    await harness.login_client("hank", "viewer")  # with no user yet /login sends to /setup
    page = await harness.client.get("/login")
    assert page.status_code == 200
    assert 'name="otp"' in page.text and 'autocomplete="one-time-code"' in page.text
    script = await harness.client.get("/static/js/auth.js")
    assert "OTP_REQUIRED" in script.text and "body.otp = otp" in script.text


async def test_asking_for_the_code_is_not_a_failed_attempt(harness: AppHarness) -> None:
    client = await harness.login_client("ivan", "operator")
    secret, _ = await _enrol(client)
    browser = harness.new_client(ip="10.8.8.8")
    for _ in range(7):
        step = await _login(browser, "ivan")
        assert step.status_code == 401 and step.json()["code"] == "OTP_REQUIRED"
    assert (await _login(browser, "ivan", otp=_code(secret, 1))).status_code == 200
    assert _actions(harness, "2fa_failed") == []
