"""Google sign-in: local token verification, approved users, access requests."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import sqlalchemy as sa

from mission_control.auth.schemas import MeOut, UserEnvelope
from mission_control.db.tables import access_requests, audit_log, users
from mission_control.integrations.google import GoogleVerifier, JWKSCache
from tests.conftest import PASSWORD, AppHarness
from tests.google_auth.conftest import CLIENT_ID, JWKSServer, Minter
from tests.shapes import assert_shape

pytestmark = pytest.mark.anyio


def _audit(harness: AppHarness, action: str) -> list[dict[str, Any]]:
    def read(conn: sa.Connection) -> list[dict[str, Any]]:
        rows = conn.execute(
            sa.select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id)
        )
        return [dict(r) for r in rows.mappings()]

    return harness.rt.db.read_sync(read)


def _requests(harness: AppHarness) -> list[dict[str, Any]]:
    def read(conn: sa.Connection) -> list[dict[str, Any]]:
        rows = conn.execute(sa.select(access_requests).order_by(access_requests.c.id))
        return [dict(r) for r in rows.mappings()]

    return harness.rt.db.read_sync(read)


async def _approve(harness: AppHarness, request_id: int, role: str = "viewer") -> Any:
    admin = await harness.login_client("boss", "admin")
    return await admin.post(
        "/api/auth/access-requests",
        json={"request_id": request_id, "action": "approve", "role": role},
    )


async def test_unknown_user_gets_pending_request_then_admin_approves(
    google: AppHarness, mint: Minter
) -> None:
    client = google.new_client()
    first = await client.post("/api/auth/google", json={"credential": mint()})
    assert first.status_code == 403
    assert first.json() == {
        "error": "Access request pending admin approval",
        "code": "PENDING_APPROVAL",
    }
    assert "set-cookie" not in first.headers
    again = await client.post("/api/auth/google", json={"credential": mint()})
    assert again.status_code == 403
    [request] = _requests(google)
    assert request["status"] == "pending" and request["attempt_count"] == 2
    assert request["email"] == "jane.doe@example.com" and request["last_attempt_at"]
    assert len(_audit(google, "google_login_pending_approval")) == 2

    admin = await google.login_client("boss", "admin")
    listed = await admin.get("/api/auth/access-requests")
    assert [r["email"] for r in listed.json()["requests"]] == ["jane.doe@example.com"]
    approved = await admin.post(
        "/api/auth/access-requests",
        json={"request_id": request["id"], "action": "approve", "role": "operator"},
    )
    assert approved.status_code == 200, approved.text
    user = approved.json()["user"]
    assert user["username"] == "jane.doe" and user["provider"] == "google"
    assert user["role"] == "operator"
    assert approved.json()["request"]["status"] == "approved"
    [row] = _audit(google, "access_request_approved")
    assert row["actor"] == "boss" and row["detail"]["role"] == "operator"
    assert (await admin.get("/api/auth/access-requests")).json()["requests"] == []
    every = await admin.get("/api/auth/access-requests?status=all")
    assert len(every.json()["requests"]) == 1

    login = await client.post("/api/auth/google", json={"credential": mint()})
    assert assert_shape(login, UserEnvelope)["user"]["username"] == "jane.doe"
    assert "mc-session=" in login.headers["set-cookie"]
    me = await client.get("/api/auth/me")
    assert assert_shape(me, MeOut)["user"]["email"] == "jane.doe@example.com"
    assert len(_audit(google, "login_google")) == 1

    def approval(conn: sa.Connection) -> Any:
        return conn.execute(
            sa.select(users.c.is_approved, users.c.approved_by, users.c.approved_at).where(
                users.c.username == "jane.doe"
            )
        ).one()

    is_approved, approved_by, approved_at = google.rt.db.read_sync(approval)
    assert is_approved and approved_by == "boss" and approved_at


async def test_approval_never_takes_over_local_account_with_same_email(
    google: AppHarness, mint: Minter
) -> None:
    local = await google.create_user("jane.doe", "admin", email="jane.doe@example.com")
    client = google.new_client()
    refused = await client.post("/api/auth/google", json={"credential": mint()})
    assert refused.status_code == 403 and refused.json()["code"] == "PENDING_APPROVAL"
    [request] = _requests(google)
    approved = await _approve(google, request["id"])
    user = approved.json()["user"]
    assert user["id"] != local["id"]
    assert user["username"] == "jane.doe-2" and user["role"] == "viewer"
    login = await client.post("/api/auth/google", json={"credential": mint()})
    assert login.json()["user"]["id"] == user["id"]
    assert login.json()["user"]["role"] == "viewer"
    # The local admin is untouched and still logs in with its password only.
    still_local = await google.new_client().post(
        "/api/auth/login", json={"username": "jane.doe", "password": PASSWORD}
    )
    assert still_local.status_code == 200
    assert still_local.json()["user"]["provider"] == "local"


async def test_google_user_matched_by_sub_not_email(google: AppHarness, mint: Minter) -> None:
    client = google.new_client()
    await client.post("/api/auth/google", json={"credential": mint(sub="sub-1")})
    [request] = _requests(google)
    await _approve(google, request["id"])
    # Another Google account claiming the same email is a different person.
    other = await client.post("/api/auth/google", json={"credential": mint(sub="sub-2")})
    assert other.status_code == 403 and other.json()["code"] == "PENDING_APPROVAL"
    assert len(_requests(google)) == 2


async def test_rejected_request_stays_rejected_until_admin_reopens(
    google: AppHarness, mint: Minter
) -> None:
    client = google.new_client()
    await client.post("/api/auth/google", json={"credential": mint()})
    [request] = _requests(google)
    admin = await google.login_client("boss", "admin")
    rejected = await admin.post(
        "/api/auth/access-requests",
        json={"request_id": request["id"], "action": "reject", "note": "who are you?"},
    )
    assert rejected.status_code == 200 and rejected.json()["request"]["status"] == "rejected"
    assert len(_audit(google, "access_request_rejected")) == 1
    retry = await client.post("/api/auth/google", json={"credential": mint()})
    assert retry.status_code == 403 and retry.json()["code"] == "ACCESS_REJECTED"
    [request] = _requests(google)
    assert request["status"] == "rejected" and request["attempt_count"] == 2
    twice = await admin.post(
        "/api/auth/access-requests", json={"request_id": request["id"], "action": "reject"}
    )
    assert twice.status_code == 409
    reopened = await admin.post(
        "/api/auth/access-requests", json={"request_id": request["id"], "action": "approve"}
    )
    assert reopened.status_code == 200
    assert (await client.post("/api/auth/google", json={"credential": mint()})).status_code == 200


async def test_access_request_routes_are_admin_only_and_validated(
    google: AppHarness, mint: Minter
) -> None:
    operator = await google.login_client("ops", "operator")
    assert (await operator.get("/api/auth/access-requests")).status_code == 403
    denied = await operator.post(
        "/api/auth/access-requests", json={"request_id": 1, "action": "approve"}
    )
    assert denied.status_code == 403
    admin = await google.login_client("boss", "admin")
    bad_status = await admin.get("/api/auth/access-requests?status=maybe")
    assert bad_status.status_code == 400
    for body in (
        {"request_id": 1, "action": "promote"},
        {"request_id": 1, "action": "approve", "role": "root"},
        {"request_id": "x", "action": "approve"},
        {"action": "approve"},
    ):
        response = await admin.post("/api/auth/access-requests", json=body)
        assert response.status_code == 400, body
    missing = await admin.post(
        "/api/auth/access-requests", json={"request_id": 999, "action": "approve"}
    )
    assert missing.status_code == 404
    assert _requests(google) == []


async def test_disconnect_turns_google_user_local(google: AppHarness, mint: Minter) -> None:
    client = google.new_client()
    await client.post("/api/auth/google", json={"credential": mint()})
    [request] = _requests(google)
    user = (await _approve(google, request["id"])).json()["user"]
    assert (await client.post("/api/auth/google", json={"credential": mint()})).status_code == 200
    no_password = await client.post("/api/auth/google/disconnect")
    assert no_password.status_code == 400
    admin = await google.login_client("root", "admin")
    reset = await admin.put("/api/auth/users", json={"id": user["id"], "password": PASSWORD})
    assert reset.status_code == 200
    # The password reset ended the session; sign in with Google again, then disconnect.
    assert (await client.post("/api/auth/google", json={"credential": mint()})).status_code == 200
    done = await client.post("/api/auth/google/disconnect")
    assert assert_shape(done, UserEnvelope)["user"]["provider"] == "local"
    local = await google.new_client().post(
        "/api/auth/login", json={"username": "jane.doe", "password": PASSWORD}
    )
    assert local.status_code == 200
    assert len(_audit(google, "google_disconnected")) == 1


async def test_hosted_domain_allowlist(
    harness_factory: Any, jwks_server: JWKSServer, mint: Minter
) -> None:
    async with harness_factory(
        google_client_id=CLIENT_ID,
        google_jwks_url=jwks_server.url,
        google_allowed_domains="example.com",
    ) as harness:
        client = harness.new_client()
        outsider = await client.post("/api/auth/google", json={"credential": mint()})
        assert outsider.status_code == 401
        [failure] = _audit(harness, "login_failed")
        assert failure["detail"]["reason"] == "hosted domain not allowed"
        insider = await client.post("/api/auth/google", json={"credential": mint(hd="example.com")})
        assert insider.status_code == 403 and insider.json()["code"] == "PENDING_APPROVAL"


async def test_google_off_without_client_id(harness: AppHarness, mint: Minter) -> None:
    response = await harness.client.post("/api/auth/google", json={"credential": mint()})
    assert response.status_code == 400
    assert response.json() == {"error": "Google sign-in is not configured"}


def _bad_tokens(mint: Minter) -> dict[str, tuple[str, str]]:
    now = int(time.time())
    return {
        "expired": (mint(iat=now - 7200, exp=now - 3600), "token expired"),
        "wrong audience": (mint(aud="someone-else.apps.googleusercontent.com"), "wrong audience"),
        "wrong issuer": (mint(iss="https://evil.example.com"), "wrong issuer"),
        "unverified email": (mint(email_verified=False), "email not verified"),
        "unknown kid": (mint(kid="not-published"), "unknown signing key"),
        "other key": (mint(key="rogue", kid="key-a"), "bad signature"),
        "malformed": ("not.a.jwt", "malformed token"),
        "huge header": (mint(headers={"x-pad": "A" * 9000}), "token too large"),
        "no email": (mint(email=None), "missing claim email"),
        "no sub": (mint(sub=None), "missing claim sub"),
        "future iat": (mint(iat=now + 3600), "token issued in the future"),
        "hs256": (
            jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256"),
            "unsupported signing algorithm",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "wrong audience",
        "wrong issuer",
        "unverified email",
        "unknown kid",
        "other key",
        "malformed",
        "huge header",
        "no email",
        "no sub",
        "future iat",
        "hs256",
    ],
)
async def test_bad_tokens_are_refused_and_audited(
    google: AppHarness, mint: Minter, case: str
) -> None:
    token, reason = _bad_tokens(mint)[case]
    response = await google.new_client().post("/api/auth/google", json={"credential": token})
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid Google credential"}
    assert token not in response.text
    [failure] = _audit(google, "login_failed")
    assert failure["detail"] == {"reason": reason, "provider": "google"}
    assert token[:40] not in str(failure)
    assert _requests(google) == []


async def test_unknown_kid_refreshes_keys_once_google_rotates(
    google: AppHarness, jwks_server: JWKSServer, google_keys: Any, mint: Minter
) -> None:
    client = google.new_client()
    assert (await client.post("/api/auth/google", json={"credential": mint()})).status_code == 403
    jwks_server.published = [google_keys["key-a"], google_keys["key-b"]]
    google.app.state.google_verifier.keys.min_refresh_s = 0
    rotated = await client.post("/api/auth/google", json={"credential": mint(key="key-b")})
    assert rotated.status_code == 403 and rotated.json()["code"] == "PENDING_APPROVAL"
    assert jwks_server.hits == 2


async def test_unknown_kid_refetch_is_throttled(
    google: AppHarness, jwks_server: JWKSServer, mint: Minter
) -> None:
    client = google.new_client()
    await client.post("/api/auth/google", json={"credential": mint()})
    for _ in range(3):
        response = await client.post(
            "/api/auth/google", json={"credential": mint(kid=f"forged-{_}")}
        )
        assert response.status_code == 401
    assert jwks_server.hits == 1


@pytest.mark.parametrize("mode", ["down", "error", "slow"])
async def test_jwks_unavailable_is_a_clear_error_without_hanging(
    google: AppHarness, jwks_server: JWKSServer, mint: Minter, mode: str
) -> None:
    if mode == "down":
        jwks_server.close()
    else:
        jwks_server.mode = mode
    keys = JWKSCache(jwks_server.url, timeout_s=0.5)
    google.app.state.google_verifier = GoogleVerifier(CLIENT_ID, keys, [])
    started = time.monotonic()
    response = await google.new_client().post("/api/auth/google", json={"credential": mint()})
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    assert response.json()["code"] == "GOOGLE_UNAVAILABLE"
    [failure] = _audit(google, "login_failed")
    assert failure["detail"]["provider"] == "google" and failure["detail"]["reason"]


async def test_failed_google_logins_hit_the_login_limit(google: AppHarness, mint: Minter) -> None:
    client = google.new_client(ip="10.1.2.3")
    for _ in range(5):
        response = await client.post("/api/auth/google", json={"credential": "garbage"})
        assert response.status_code == 401
    limited = await client.post("/api/auth/google", json={"credential": mint()})
    assert limited.status_code == 429 and limited.json()["error"] == "Too many requests"
    assert _requests(google) == []


async def test_missing_or_wrong_body(google: AppHarness) -> None:
    client = google.new_client()
    for body in ({}, {"credential": 5}, {"credential": ""}):
        response = await client.post("/api/auth/google", json=body)
        assert response.status_code == 400
        assert response.json() == {"error": "Google credential is required"}
    raw = await client.post("/api/auth/google", content=b"{nope")
    assert raw.status_code == 400 and raw.json() == {"error": "Invalid request body"}


async def test_cli_approves_a_request(
    google: AppHarness, mint: Minter, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from mission_control.cli import app as cli_app

    client = google.new_client()
    await client.post("/api/auth/google", json={"credential": mint()})
    [request] = _requests(google)
    settings = google.rt.settings
    monkeypatch.setenv("MC_DATABASE_URL", settings.database_url_resolved)
    monkeypatch.setenv("MISSION_CONTROL_DATA_DIR", str(settings.data_dir))
    bad_role = CliRunner().invoke(cli_app, ["users", "approve", str(request["id"]), "--role", "x"])
    assert bad_role.exit_code == 2
    result = CliRunner().invoke(
        cli_app, ["users", "approve", str(request["id"]), "--role", "operator"]
    )
    assert result.exit_code == 0, result.output
    assert "jane.doe" in result.output
    login = await client.post("/api/auth/google", json={"credential": mint()})
    assert login.status_code == 200 and login.json()["user"]["role"] == "operator"
    [row] = _audit(google, "access_request_approved")
    assert row["actor"] == "cli"
    again = CliRunner().invoke(cli_app, ["users", "approve", str(request["id"])])
    assert again.exit_code == 1


async def test_cli_lists_and_rejects_requests(
    google: AppHarness, mint: Minter, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from mission_control.cli import app as cli_app

    client = google.new_client()
    await client.post("/api/auth/google", json={"credential": mint()})
    await client.post("/api/auth/google", json={"credential": mint("1000002", "sam@example.com")})
    jane, sam = _requests(google)
    settings = google.rt.settings
    monkeypatch.setenv("MC_DATABASE_URL", settings.database_url_resolved)
    monkeypatch.setenv("MISSION_CONTROL_DATA_DIR", str(settings.data_dir))
    runner = CliRunner(env={"COLUMNS": "200"})  # the table is not wrapped

    listed = runner.invoke(cli_app, ["users", "requests"])
    assert listed.exit_code == 0, listed.output
    assert "jane.doe@example.com" in listed.output and "sam@example.com" in listed.output
    assert "1-2 of 2 request(s) (pending)" in listed.output
    first = runner.invoke(cli_app, ["users", "requests", "--limit", "1"])
    assert "1-1 of 2 request(s) (pending)" in first.output
    second = runner.invoke(cli_app, ["users", "requests", "--limit", "1", "--offset", "1"])
    assert "2-2 of 2 request(s) (pending)" in second.output
    assert ("sam@example.com" in first.output) != ("sam@example.com" in second.output)

    rejected = runner.invoke(cli_app, ["users", "reject", str(sam["id"]), "--note", "not staff"])
    assert rejected.exit_code == 0, rejected.output
    assert "sam@example.com" in rejected.output
    [row] = _audit(google, "access_request_rejected")
    assert row["actor"] == "cli" and row["target_id"] == str(sam["id"])
    assert row["detail"] == {
        "email": "sam@example.com",
        "previous_status": "pending",
        "note": "not staff",
    }
    stored = {r["id"]: r for r in _requests(google)}
    assert stored[sam["id"]]["status"] == "rejected"
    assert stored[sam["id"]]["reviewed_by"] == "cli" and stored[sam["id"]]["note"] == "not staff"
    assert stored[jane["id"]]["status"] == "pending"
    # Retrying sign-in does not reopen a rejected request.
    retry = await client.post(
        "/api/auth/google", json={"credential": mint("1000002", "sam@example.com")}
    )
    assert retry.status_code == 403

    pending = runner.invoke(cli_app, ["users", "requests"])
    assert "jane.doe@example.com" in pending.output and "sam@example.com" not in pending.output
    only_rejected = runner.invoke(cli_app, ["users", "requests", "--status", "rejected"])
    assert only_rejected.exit_code == 0, only_rejected.output
    assert "sam@example.com" in only_rejected.output
    assert "jane.doe@example.com" not in only_rejected.output
    assert "1-1 of 1 request(s) (rejected)" in only_rejected.output

    twice = runner.invoke(cli_app, ["users", "reject", str(sam["id"])])
    assert twice.exit_code == 1 and "already rejected" in twice.output
    missing = runner.invoke(cli_app, ["users", "reject", "999999"])
    assert missing.exit_code == 1 and "not found" in missing.output
    bad_status = runner.invoke(cli_app, ["users", "requests", "--status", "open"])
    assert bad_status.exit_code == 2
    assert len(_audit(google, "access_request_rejected")) == 1


def _b64(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _malformed(mint: Minter) -> dict[str, str]:
    good = mint()
    head, body, sig = good.split(".")
    alg_none = _b64(b'{"alg":"none","kid":"key-a"}')
    kid_int = _b64(b'{"alg":"RS256","kid":7}')
    return {
        "two segments": f"{head}.{body}",
        "four segments": f"{good}.{sig}",
        "header not base64": f"!!!.{body}.{sig}",
        "header not json": f"{_b64(b'kid=key-a')}.{body}.{sig}",
        "header is a list": f"{_b64(b'[1,2]')}.{body}.{sig}",
        "alg none": f"{alg_none}.{body}.",
        "kid not a string": f"{kid_int}.{body}.{sig}",
        "kid huge": mint(kid="k" * 500),
        "payload not json": f"{head}.{_b64(b'not json at all')}.{sig}",
        "signature stripped": f"{head}.{body}.",
        "signature of another token": f"{head}.{mint(sub='someone-else').split('.')[1]}.{sig}",
        "unicode": "ééé.☃☃☃.🙂🙂",
        "nul bytes": f"{head}\x00.{body}.{sig}",
        "sql-ish": "' OR 1=1 --.x.y",
        "megabyte": "A" * (1024 * 1024),
    }


@pytest.mark.parametrize(
    "case",
    [
        "two segments",
        "four segments",
        "header not base64",
        "header not json",
        "header is a list",
        "alg none",
        "kid not a string",
        "kid huge",
        "payload not json",
        "signature stripped",
        "signature of another token",
        "unicode",
        "nul bytes",
        "sql-ish",
        "megabyte",
    ],
)
async def test_malformed_tokens_get_a_clear_401_and_change_nothing(
    google: AppHarness, mint: Minter, case: str
) -> None:
    token = _malformed(mint)[case]
    response = await google.new_client().post("/api/auth/google", json={"credential": token})
    if case == "megabyte":
        # Refused before any parsing, by the body limit or the token size check.
        assert response.status_code in (401, 413)
    else:
        assert response.status_code == 401, response.text
        assert response.json() == {"error": "Invalid Google credential"}
        [failure] = _audit(google, "login_failed")
        assert failure["detail"]["provider"] == "google"
        assert token[:30] not in str(failure)
    assert _requests(google) == []

    def user_count(conn: sa.Connection) -> int:
        return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar() or 0)

    assert google.rt.db.read_sync(user_count) == 0


async def test_google_admin_is_not_held_for_totp_enrolment(
    harness_factory: Any, jwks_server: JWKSServer, mint: Minter
) -> None:
    """MC_REQUIRE_2FA_FOR_ADMINS holds local admins only: a Google admin cannot enrol in TOTP
    (Google holds their second factor), so holding them would lock them out for good."""
    from mission_control.google_auth.service import review_request
    from mission_control.security.actor import system_actor

    async with harness_factory(
        google_client_id=CLIENT_ID, google_jwks_url=jwks_server.url, require_2fa_for_admins=True
    ) as harness:
        client = harness.new_client()
        assert (
            await client.post("/api/auth/google", json={"credential": mint()})
        ).status_code == 403
        [request] = _requests(harness)
        await harness.rt.db.write(
            review_request, system_actor("cli"), request["id"], "approve", "admin", None
        )
        signed_in = await client.post("/api/auth/google", json={"credential": mint()})
        assert signed_in.status_code == 200
        assert signed_in.json()["user"]["role"] == "admin"
        assert (await client.get("/api/auth/users")).status_code == 200
        refused = await client.post("/api/auth/2fa/setup")
        assert refused.status_code == 400
        # a local admin is still held until enrolment
        local = await harness.login_client("root", "admin")
        held = await local.get("/api/auth/users")
        assert held.status_code == 403 and held.json()["code"] == "2FA_ENROLLMENT_REQUIRED"


async def test_failed_google_logins_are_limited_per_email(google: AppHarness, mint: Minter) -> None:
    """10 failures for one email from many addresses lock that email, not the others."""
    forged = mint(key="rogue", kid="key-a")  # claims jane.doe@, signed by the wrong key
    for n in range(10):
        client = google.new_client(ip=f"10.9.{n}.1")
        assert (
            await client.post("/api/auth/google", json={"credential": forged})
        ).status_code == 401
    fresh = google.new_client(ip="10.9.99.1")
    limited = await fresh.post("/api/auth/google", json={"credential": mint()})
    assert limited.status_code == 429 and limited.json()["error"] == "Too many requests"
    assert _requests(google) == []
    other = await fresh.post(
        "/api/auth/google", json={"credential": mint(sub="2000002", email="sam@example.com")}
    )
    assert other.status_code == 403 and other.json()["code"] == "PENDING_APPROVAL"


async def test_a_known_address_is_not_locked_out_by_forged_tokens(
    google: AppHarness, mint: Minter
) -> None:
    """Like a password login's known IP: where the owner signed in before still works."""
    home = google.new_client(ip="10.7.0.1")
    await home.post("/api/auth/google", json={"credential": mint()})
    [request] = _requests(google)
    await _approve(google, request["id"])
    assert (await home.post("/api/auth/google", json={"credential": mint()})).status_code == 200
    forged = mint(key="rogue", kid="key-a")
    for n in range(10):
        client = google.new_client(ip=f"10.8.{n}.1")
        assert (
            await client.post("/api/auth/google", json={"credential": forged})
        ).status_code == 401
    elsewhere = google.new_client(ip="10.8.99.1")
    assert (
        await elsewhere.post("/api/auth/google", json={"credential": mint()})
    ).status_code == 429
    again = await home.post("/api/auth/google", json={"credential": mint()})
    assert again.status_code == 200
