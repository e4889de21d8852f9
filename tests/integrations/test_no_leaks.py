"""Bad input around secrets: no secret value in any log line, error, audit row or response,
and a real server that shrugs off huge headers, garbage tokens and a broken `op`."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pyotp
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import rsa

from mission_control.db.tables import audit_log, integration_secrets, security_events
from tests.conftest import PASSWORD, TEST_API_KEY
from tests.integrations.conftest import ANTHROPIC, GITHUB, OP_TOKEN, FakeOp
from tests.server import ServerProcess, free_port

pytestmark = pytest.mark.anyio

CLIENT_ID = "1234567890-test.apps.googleusercontent.com"
MANUAL = "sk-proj-manuallyStoredValue-77QmZ"
NEWLINE_SECRET = "sk-newline-secret-4417"
WRONG_PASSWORD = "my-real-password-typed-in-the-username-box"
JWT_PAYLOAD_SECRET = "payload-carried-secret-9921"


def _forged_google_token() -> str:
    """Well-formed, signed by a key Google never published, carrying a secret in a claim."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {
        "iss": "https://accounts.google.com",
        "aud": CLIENT_ID,
        "sub": "1",
        "email": "x@example.com",
        "email_verified": True,
        "name": JWT_PAYLOAD_SECRET,
        "iat": now,
        "exp": now + 600,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "forged"})


async def _exercise(client: httpx.AsyncClient, fake_op: FakeOp) -> list[httpx.Response]:
    """Every path a secret travels, good and bad, as an admin would drive it."""
    out = []

    async def call(method: str, path: str, **kwargs: Any) -> None:
        out.append(await client.request(method, path, **kwargs))

    await call("PUT", "/api/integrations", json={"env_var": "OPENAI_API_KEY", "value": MANUAL})
    newline = {"env_var": "GITHUB_TOKEN", "value": f"{NEWLINE_SECRET}\nsecond line"}
    await call("PUT", "/api/integrations", json=newline)
    await call("POST", "/api/integrations", json={"action": "pull", "env_var": "ANTHROPIC_API_KEY"})
    pull_github = {"action": "pull", "env_var": "GITHUB_TOKEN", "item": "github-ci"}
    await call("POST", "/api/integrations", json=pull_github)
    for mode in ("crash-with-secret", "garbage", "flood"):
        fake_op.set(mode=mode, leak=ANTHROPIC)
        await call("POST", "/api/integrations", json=pull_github)
        await call("POST", "/api/integrations", json={"action": "pull-all"})
    fake_op.set(mode="normal")
    await call(
        "POST", "/api/integrations", json={"action": "pull", "env_var": "X", "item": "nul-key"}
    )
    await call("POST", "/api/integrations", json={"action": "test"})
    await call("GET", "/api/integrations")
    await call("GET", "/api/audit", params={"limit": 1000})
    anonymous = {"x-api-key": ""}
    for credential in (_forged_google_token(), f"{JWT_PAYLOAD_SECRET}.x.y"):
        await call("POST", "/api/auth/google", json={"credential": credential}, headers=anonymous)
    wrong = {"username": "nobody", "password": WRONG_PASSWORD}
    await call("POST", "/api/auth/login", json=wrong, headers=anonymous)
    return out


def _database_text(harness_db: Any) -> str:
    def dump(conn: sa.Connection) -> str:
        rows = [
            *conn.execute(sa.select(audit_log)).mappings(),
            *conn.execute(sa.select(security_events)).mappings(),
            *conn.execute(sa.select(integration_secrets)).mappings(),
        ]
        return "\n".join(str(dict(r)) for r in rows)

    return str(harness_db.read_sync(dump))


SECRETS = (ANTHROPIC, GITHUB, OP_TOKEN, MANUAL, NEWLINE_SECRET, WRONG_PASSWORD, JWT_PAYLOAD_SECRET)


async def test_no_secret_in_logs_errors_audit_or_responses(
    harness_factory: Any, fake_op: FakeOp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    jwks_down = f"http://127.0.0.1:{free_port()}/certs"
    async with harness_factory(
        op_service_account_token=OP_TOKEN,
        op_timeout_s=2,
        google_client_id=CLIENT_ID,
        google_jwks_url=jwks_down,
    ) as harness:
        await harness.create_user("tess", "operator")
        admin = harness.key_client(TEST_API_KEY)
        responses = await _exercise(admin, fake_op)
        # Two-factor: a wrong code and a recovery code in the logs would be as bad.
        user = await harness.login_client("otto", "operator")
        setup = (await user.post("/api/auth/2fa/setup")).json()
        totp = pyotp.TOTP(setup["secret"])
        enabled = await user.post("/api/auth/2fa/enable", json={"code": totp.now()})
        recovery = enabled.json()["recovery_codes"]
        login = {"username": "otto", "password": PASSWORD, "otp": recovery[0]}
        responses.append(await harness.new_client().post("/api/auth/login", json=login))
        stored = _database_text(harness.rt.db)

    statuses = [r.status_code for r in responses]
    assert 500 not in statuses
    assert statuses.count(200) >= 5 and {400, 401, 502, 503} <= set(statuses)
    assert responses[-1].status_code == 200  # the recovery code worked
    logged = "\n".join(
        record.getMessage() + (caplog.text if record.exc_info else "") for record in caplog.records
    )
    assert caplog.records, "the app logged nothing: the check would prove nothing"
    replies = "\n".join(r.text for r in responses)
    for secret in (*SECRETS, setup["secret"], recovery[0], recovery[0].replace("-", "")):
        assert secret not in logged
        assert secret not in stored
    for secret in SECRETS:
        assert secret not in replies


def _raw_request(port: int, head: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
    return b"".join(chunks)


@pytest.mark.server
async def test_real_server_refuses_bad_input_and_never_logs_a_secret(
    database_url: str, tmp_path: Path, fake_op: FakeOp
) -> None:
    jwks_down = f"http://127.0.0.1:{free_port()}/certs"
    server = ServerProcess(
        database_url=database_url,
        data_dir=tmp_path / "server",
        env={
            "API_KEY": TEST_API_KEY,
            "OP_SERVICE_ACCOUNT_TOKEN": OP_TOKEN,
            "MC_OP_TIMEOUT_S": "2",
            "GOOGLE_CLIENT_ID": CLIENT_ID,
            "MC_GOOGLE_JWKS_URL": jwks_down,
            "AUTH_USER": "chief",
            "AUTH_PASS": PASSWORD,
        },
    )
    with server:
        async with server.client(headers={"x-api-key": TEST_API_KEY}) as client:
            responses = await _exercise(client, fake_op)
            assert 500 not in [r.status_code for r in responses]
            google = [r for r in responses if r.request.url.path == "/api/auth/google"]
            # JWKS down: a bounded wait, then a clear 503 for the well-formed token.
            assert [r.status_code for r in google] == [503, 401]
            bearer = await client.get(
                "/api/agents", headers={"x-api-key": "", "authorization": "Bearer " + "x" * 8000}
            )
            assert bearer.status_code == 401
        # Headers far past any sane size: refused by the HTTP layer, the server stays up.
        huge = (
            b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + b"X-Api-Key: "
            + ANTHROPIC.encode()
            + b"A" * 200_000
            + b"\r\n\r\n"
        )
        answer = await asyncio.to_thread(_raw_request, server.port, huge)
        assert answer == b"" or answer.split(b" ", 2)[1] in (b"400", b"413", b"431")
        many = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(
            b"X-Pad-%d: %s\r\n" % (i, b"v" * 100) for i in range(2000)
        )
        answer = await asyncio.to_thread(_raw_request, server.port, many + b"\r\n")
        assert answer.split(b" ", 2)[1] == b"431"
        assert answer.endswith(b'{"error":"Request headers too large"}')
        async with server.client() as client:
            assert (await client.get("/api/health")).status_code == 200
        output = server.output()
    for secret in SECRETS:
        assert secret not in output
