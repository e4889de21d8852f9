"""/api/integrations: redacted listing, encrypted storage, and pulls through a fake `op`."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from mission_control.db.tables import audit_log, integration_secrets
from mission_control.security.secretbox import secret_box
from tests.conftest import TEST_API_KEY, AppHarness
from tests.integrations.conftest import ANTHROPIC, GITHUB, OP_TOKEN, FakeOp

pytestmark = pytest.mark.anyio

PULL_ARGS = ["--vault", "default", "--fields", "password", "--format", "json"]


def _rows(harness: AppHarness) -> dict[str, dict[str, Any]]:
    def read(conn: sa.Connection) -> dict[str, dict[str, Any]]:
        rows = conn.execute(sa.select(integration_secrets)).mappings()
        return {r["env_var"]: dict(r) for r in rows}

    return harness.rt.db.read_sync(read)


def _audit(harness: AppHarness, action: str) -> list[dict[str, Any]]:
    def read(conn: sa.Connection) -> list[dict[str, Any]]:
        rows = conn.execute(
            sa.select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id)
        )
        return [dict(r) for r in rows.mappings()]

    return harness.rt.db.read_sync(read)


def _stored(harness: AppHarness, env_var: str) -> str:
    row = _rows(harness)[env_var]
    return secret_box(harness.rt.settings).decrypt(row["value_encrypted"])


def _by_name(listing: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["env_var"]: i for i in listing["integrations"]}


def _admin(harness: AppHarness) -> httpx.AsyncClient:
    return harness.key_client(TEST_API_KEY)


async def test_list_shows_sources_redacted(
    harness: AppHarness, monkeypatch: pytest.MonkeyPatch, fake_op: FakeOp
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-from-env-7781")
    admin = _admin(harness)
    saved = await admin.put("/api/integrations", json={"env_var": "GITHUB_TOKEN", "value": GITHUB})
    assert saved.status_code == 200, saved.text
    assert saved.json()["integration"]["redacted"] == "••••" + GITHUB[-4:]
    listing = await admin.get("/api/integrations")
    assert listing.status_code == 200
    items = _by_name(listing.json())
    assert items["OPENAI_API_KEY"]["source"] == "env"
    assert items["OPENAI_API_KEY"]["redacted"] == "••••7781"
    assert items["GITHUB_TOKEN"]["source"] == "stored"
    assert items["GITHUB_TOKEN"]["updated_by"] == "API Access"
    assert items["ANTHROPIC_API_KEY"] == {
        "env_var": "ANTHROPIC_API_KEY",
        "label": "Anthropic",
        "category": "ai",
        "source": "unset",
        "configured": False,
        "redacted": None,
        "readable": True,
        "env_set": False,
        "op_item": None,
        "updated_by": None,
        "updated_at": None,
    }
    assert listing.json()["onepassword"] == {
        "vault": "default",
        "binary": str(fake_op.path),
        "available": True,
        "service_account": False,
        "timeout_s": 15.0,
    }
    assert GITHUB not in listing.text and "sk-openai-from-env" not in listing.text


async def test_short_values_show_no_characters(harness: AppHarness) -> None:
    admin = _admin(harness)
    saved = await admin.put("/api/integrations", json={"env_var": "MY_PIN", "value": "93817"})
    assert saved.json()["integration"]["redacted"] == "••••"
    assert saved.json()["integration"]["category"] == "custom"
    assert "93817" not in saved.text


async def test_stored_value_is_encrypted_audited_and_clearable(harness: AppHarness) -> None:
    admin = _admin(harness)
    await admin.put("/api/integrations", json={"env_var": "ANTHROPIC_API_KEY", "value": ANTHROPIC})
    row = _rows(harness)["ANTHROPIC_API_KEY"]
    assert ANTHROPIC not in row["value_encrypted"] and ANTHROPIC[-8:] not in row["value_encrypted"]
    assert _stored(harness, "ANTHROPIC_API_KEY") == ANTHROPIC
    [update] = _audit(harness, "integration_update")
    assert update["detail"] == {"env_var": "ANTHROPIC_API_KEY", "change": "set"}
    assert ANTHROPIC[-4:] not in str(update)
    cleared = await admin.put(
        "/api/integrations", json={"env_var": "ANTHROPIC_API_KEY", "value": None}
    )
    assert cleared.status_code == 200 and cleared.json()["integration"]["source"] == "unset"
    assert _rows(harness) == {}
    assert _audit(harness, "integration_update")[-1]["detail"]["change"] == "cleared"


async def test_undecryptable_value_is_listed_not_crashed(
    harness: AppHarness, settings_factory: Any, tmp_path: Path
) -> None:
    await _admin(harness).put(
        "/api/integrations", json={"env_var": "GITHUB_TOKEN", "value": GITHUB}
    )
    # The same database read with another key: the secret shows as unreadable.
    other = settings_factory(secret_key="another-key-" + "x" * 30)
    from mission_control.integrations.secrets.service import list_integrations

    listing = harness.rt.db.read_sync(list_integrations, other, secret_box(other))
    github = _by_name(listing)["GITHUB_TOKEN"]
    assert github["readable"] is False and github["redacted"] is None
    assert github["source"] == "stored"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"env_var": "GITHUB_TOKEN", "value": "abc\ndef-0123456789"}, "newlines or NUL"),
        ({"env_var": "GITHUB_TOKEN", "value": "abc\rdef-0123456789"}, "newlines or NUL"),
        ({"env_var": "GITHUB_TOKEN", "value": "abc\u0000def-0123456789"}, "newlines or NUL"),
        ({"env_var": "GITHUB_TOKEN", "value": "   "}, "empty"),
        ({"env_var": "MC_SECRET_KEY", "value": "x" * 40}, "reserved"),
        ({"env_var": "LD_PRELOAD", "value": "/tmp/evil.so"}, "reserved"),
        ({"env_var": "API_KEY", "value": "x" * 40}, "reserved"),
        ({"env_var": "OP_SERVICE_ACCOUNT_TOKEN", "value": "x" * 40}, "reserved"),
        ({"env_var": "github_token", "value": "x"}, "Validation failed"),
        ({"env_var": "X; DROP TABLE integration_secrets", "value": "x"}, "Validation failed"),
        ({"env_var": "ÄPI_KEY", "value": "x"}, "Validation failed"),
        ({"env_var": "GITHUB_TOKEN", "value": 12345}, "Validation failed"),
        ({"env_var": "GITHUB_TOKEN", "value": "x" * 16385}, "Validation failed"),
        ({"env_var": "GITHUB_TOKEN", "value": "x", "source": "env"}, "Validation failed"),
        ({"value": "x"}, "Validation failed"),
    ],
)
async def test_bad_values_are_refused_and_nothing_is_saved(
    harness: AppHarness, body: dict[str, Any], fragment: str
) -> None:
    response = await _admin(harness).put("/api/integrations", json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.text
    value = body.get("value")
    if isinstance(value, str) and len(value) > 4:
        assert value not in response.text
    assert _rows(harness) == {}
    assert _audit(harness, "integration_update") == []


async def test_only_admins(
    harness: AppHarness, operator: httpx.AsyncClient, viewer: httpx.AsyncClient
) -> None:
    for client, status in ((viewer, 403), (operator, 403), (harness.new_client(), 401)):
        assert (await client.get("/api/integrations")).status_code == status
        put = await client.put("/api/integrations", json={"env_var": "GITHUB_TOKEN", "value": "x"})
        assert put.status_code == status
        post = await client.post("/api/integrations", json={"action": "test"})
        assert post.status_code == status
    assert _rows(harness) == {}


async def test_pull_runs_op_as_arguments_and_stores_encrypted(
    op_app: AppHarness, fake_op: FakeOp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_KEY", "env-global-key-that-op-must-not-see-0000")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-op-must-not-see")
    monkeypatch.setenv("OP_ACCOUNT", "my.1password.com")
    admin = _admin(op_app)
    response = await admin.post(
        "/api/integrations", json={"action": "pull", "env_var": "ANTHROPIC_API_KEY"}
    )
    assert response.status_code == 200, response.text
    integration = response.json()["integration"]
    assert integration["source"] == "1password"
    assert integration["op_item"] == "ANTHROPIC_API_KEY"
    assert integration["redacted"] == "••••" + ANTHROPIC[-4:]
    assert ANTHROPIC not in response.text
    assert _stored(op_app, "ANTHROPIC_API_KEY") == ANTHROPIC
    [call] = fake_op.calls
    assert call["argv"] == ["item", "get", "ANTHROPIC_API_KEY", *PULL_ARGS]
    env = call["env"]
    assert env["OP_SERVICE_ACCOUNT_TOKEN"] == OP_TOKEN and env["OP_ACCOUNT"] == "my.1password.com"
    assert not {"API_KEY", "OPENAI_API_KEY", "MC_SECRET_KEY"} & set(env)
    [row] = _audit(op_app, "integration_pull_1password")
    assert row["detail"] == {
        "env_var": "ANTHROPIC_API_KEY",
        "item": "ANTHROPIC_API_KEY",
        "vault": "default",
        "ok": True,
    }


async def test_shell_metacharacters_reach_op_as_one_argument(
    op_app: AppHarness, fake_op: FakeOp, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    item = f"github-ci; touch {marker} $(touch {marker})"
    response = await _admin(op_app).post(
        "/api/integrations", json={"action": "pull", "env_var": "GITHUB_TOKEN", "item": item}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "OP_ITEM_NOT_FOUND"
    assert fake_op.calls[0]["argv"][2] == item
    assert not marker.exists()


async def test_item_names_cannot_become_flags(op_app: AppHarness, fake_op: FakeOp) -> None:
    admin = _admin(op_app)
    for item in ("--vault=Engineering", "-h", "bad\nname", " padded"):
        response = await admin.post(
            "/api/integrations", json={"action": "pull", "env_var": "GITHUB_TOKEN", "item": item}
        )
        assert response.status_code == 400, item
    for field in ("--reveal", "pass\nword"):
        response = await admin.post(
            "/api/integrations",
            json={"action": "pull", "env_var": "GITHUB_TOKEN", "field": field},
        )
        assert response.status_code == 400, field
    reserved = await admin.post(
        "/api/integrations", json={"action": "pull", "env_var": "MC_SECRET_KEY"}
    )
    assert reserved.status_code == 400
    assert fake_op.calls == []


FAILURES: dict[str, tuple[dict[str, Any], dict[str, Any], int, str]] = {
    # name: (fake op state, request, status, code)
    "missing item": ({}, {"item": "no-such-item"}, 404, "OP_ITEM_NOT_FOUND"),
    "empty field": ({}, {"item": "empty-one"}, 422, "OP_EMPTY_VALUE"),
    "missing field": ({}, {"item": "github-ci", "field": "otp"}, 404, "OP_FIELD_NOT_FOUND"),
    "newline value": ({}, {"item": "pem-key"}, 422, "OP_VALUE_REFUSED"),
    "nul value": ({}, {"item": "nul-key"}, 422, "OP_VALUE_REFUSED"),
    "wrong token": ({"token": "ops_other"}, {}, 502, "OP_NOT_SIGNED_IN"),
    "garbage": ({"mode": "garbage"}, {}, 502, "OP_BAD_OUTPUT"),
    "flood": ({"mode": "flood"}, {}, 502, "OP_BAD_OUTPUT"),
    "crash": ({"mode": "crash-with-secret"}, {}, 502, "OP_FAILED"),
}


@pytest.mark.parametrize("case", list(FAILURES))
async def test_op_failures_are_clear_and_save_nothing(
    op_app: AppHarness, fake_op: FakeOp, case: str
) -> None:
    admin = _admin(op_app)
    await admin.put("/api/integrations", json={"env_var": "GITHUB_TOKEN", "value": GITHUB})
    state, request, status, code = FAILURES[case]
    fake_op.set(leak=ANTHROPIC, **state)
    response = await admin.post(
        "/api/integrations", json={"action": "pull", "env_var": "GITHUB_TOKEN", **request}
    )
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["error"].startswith(("1Password", "The value"))
    for secret in (ANTHROPIC, GITHUB, OP_TOKEN, "line two", "def-ghijklmnop"):
        assert secret not in response.text
    # The value stored before is untouched.
    assert _stored(op_app, "GITHUB_TOKEN") == GITHUB
    assert _rows(op_app)["GITHUB_TOKEN"]["source"] == "stored"
    [row] = _audit(op_app, "integration_pull_1password")
    assert row["detail"]["ok"] is False and row["detail"]["failures"][0]["code"] == code
    assert ANTHROPIC not in str(row) and OP_TOKEN not in str(row)


async def test_crash_message_is_shown_without_the_secret(
    op_app: AppHarness, fake_op: FakeOp
) -> None:
    fake_op.set(mode="crash-with-secret", leak=ANTHROPIC)
    response = await _admin(op_app).post(
        "/api/integrations", json={"action": "pull", "env_var": "ANTHROPIC_API_KEY"}
    )
    assert response.json()["error"] == (
        "1Password CLI failed (exit 2): panic: unexpected state while handling [redacted]"
    )


async def test_hanging_op_is_killed_at_the_timeout(op_app: AppHarness, fake_op: FakeOp) -> None:
    fake_op.set(mode="hang")
    started = time.monotonic()
    response = await _admin(op_app).post(
        "/api/integrations", json={"action": "pull", "env_var": "ANTHROPIC_API_KEY"}
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.json() == {
        "error": "1Password CLI did not answer within 2 s",
        "code": "OP_TIMEOUT",
    }
    assert elapsed < 6
    pid = fake_op.calls[0]["pid"]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert _rows(op_app) == {}


async def test_not_signed_in_without_token_or_session(
    harness_factory: Any, fake_op: FakeOp
) -> None:
    async with harness_factory(op_timeout_s=5) as harness:
        admin = _admin(harness)
        response = await admin.post(
            "/api/integrations", json={"action": "pull", "env_var": "ANTHROPIC_API_KEY"}
        )
        assert response.status_code == 502
        assert response.json()["code"] == "OP_NOT_SIGNED_IN"
        assert "OP_SERVICE_ACCOUNT_TOKEN" in response.json()["error"]
        # A signed-in `op` session works without the token.
        fake_op.set(session=True)
        ok = await admin.post(
            "/api/integrations", json={"action": "pull", "env_var": "ANTHROPIC_API_KEY"}
        )
        assert ok.status_code == 200
        assert "OP_SERVICE_ACCOUNT_TOKEN" not in fake_op.calls[-1]["env"]


async def test_vault_name_setting(harness_factory: Any, fake_op: FakeOp) -> None:
    async with harness_factory(
        op_service_account_token=OP_TOKEN, op_vault_name="Nope", op_timeout_s=5
    ) as harness:
        admin = _admin(harness)
        response = await admin.post(
            "/api/integrations", json={"action": "pull", "env_var": "ANTHROPIC_API_KEY"}
        )
        assert response.status_code == 404
        assert response.json() == {
            "error": '1Password vault "Nope" was not found',
            "code": "OP_VAULT_NOT_FOUND",
        }
        assert fake_op.calls[0]["argv"][4] == "Nope"
        check = await admin.post("/api/integrations", json={"action": "test"})
        assert check.json() == {
            "ok": False,
            "error": '1Password vault "Nope" was not found',
            "code": "OP_VAULT_NOT_FOUND",
        }
    async with harness_factory(op_vault_name="-rm", op_timeout_s=5) as harness:
        refused = await _admin(harness).post("/api/integrations", json={"action": "test"})
        assert refused.status_code == 400


async def test_op_bin_setting(
    harness_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeOp(tmp_path / "elsewhere")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    async with harness_factory(op_service_account_token=OP_TOKEN) as harness:
        missing = await _admin(harness).post(
            "/api/integrations", json={"action": "pull", "env_var": "ANTHROPIC_API_KEY"}
        )
        assert missing.status_code == 503
        assert missing.json() == {
            "error": "1Password CLI (op) was not found on PATH",
            "code": "OP_NOT_FOUND",
        }
    async with harness_factory(op_service_account_token=OP_TOKEN, op_bin=str(fake.path)) as h:
        listing = (await _admin(h).get("/api/integrations")).json()
        assert listing["onepassword"]["binary"] == str(fake.path)
        ok = await _admin(h).post(
            "/api/integrations", json={"action": "pull", "env_var": "ANTHROPIC_API_KEY"}
        )
        assert ok.status_code == 200
    for bad in (str(tmp_path / "nothing-here"), "op", str(tmp_path)):
        async with harness_factory(op_service_account_token=OP_TOKEN, op_bin=bad) as h:
            response = await _admin(h).post("/api/integrations", json={"action": "test"})
            assert response.json()["code"] == "OP_NOT_FOUND"


async def test_check_action(op_app: AppHarness, fake_op: FakeOp) -> None:
    admin = _admin(op_app)
    response = await admin.post("/api/integrations", json={"action": "test"})
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "account": {"url": "https://my.1password.com", "user_type": "SERVICE_ACCOUNT"},
        "vault": {"id": "vlt4default0000", "name": "default"},
    }
    assert [c["argv"] for c in fake_op.calls] == [
        ["whoami", "--format", "json"],
        ["vault", "get", "default", "--format", "json"],
    ]
    fake_op.set(token="ops_rotated")
    failed = await admin.post("/api/integrations", json={"action": "test"})
    assert failed.status_code == 200
    assert failed.json()["ok"] is False and failed.json()["code"] == "OP_NOT_SIGNED_IN"
    rows = _audit(op_app, "integration_test")
    assert [r["detail"]["ok"] for r in rows] == [True, False]
    assert rows[1]["detail"]["code"] == "OP_NOT_SIGNED_IN"


async def test_pull_all_is_all_or_nothing(op_app: AppHarness, fake_op: FakeOp) -> None:
    admin = _admin(op_app)
    for env_var, item in (("ANTHROPIC_API_KEY", None), ("GITHUB_TOKEN", "github-ci")):
        body = {"action": "pull", "env_var": env_var} | ({"item": item} if item else {})
        assert (await admin.post("/api/integrations", json=body)).status_code == 200
    # A manually stored secret is not a 1Password one: pull-all leaves it alone.
    await admin.put("/api/integrations", json={"env_var": "OPENAI_API_KEY", "value": "sk-manual-1"})
    state = fake_op.state | {"calls": []}
    vault = state["vaults"]["default"]["items"]
    vault["ANTHROPIC_API_KEY"]["password"] = "sk-ant-rotated-0000000000-NEW1"
    del vault["github-ci"]
    fake_op.state = state
    fake_op.save()
    failed = await admin.post("/api/integrations", json={"action": "pull-all"})
    assert failed.status_code == 502
    body = failed.json()
    assert body["code"] == "OP_PULL_FAILED"
    assert body["error"] == "1Password pull failed for 1 of 2 secrets; nothing was saved"
    assert [(f["env_var"], f["code"]) for f in body["failures"]] == [
        ("GITHUB_TOKEN", "OP_ITEM_NOT_FOUND")
    ]
    assert _stored(op_app, "ANTHROPIC_API_KEY") == ANTHROPIC  # not half-saved
    vault["github-ci"] = {"password": "ghp_rotatedGithubToken000000000000NEW2"}
    fake_op.state = state
    fake_op.save()
    done = await admin.post("/api/integrations", json={"action": "pull-all"})
    assert done.status_code == 200, done.text
    assert done.json() == {"pulled": ["ANTHROPIC_API_KEY", "GITHUB_TOKEN"], "count": 2}
    assert _stored(op_app, "ANTHROPIC_API_KEY").endswith("NEW1")
    assert _stored(op_app, "GITHUB_TOKEN").endswith("NEW2")
    assert _stored(op_app, "OPENAI_API_KEY") == "sk-manual-1"
    assert "rotated" not in done.text


async def test_unknown_action_and_bad_bodies(op_app: AppHarness, fake_op: FakeOp) -> None:
    admin = _admin(op_app)
    for body in (
        {"action": "delete-everything"},
        {},
        {"action": "pull"},
        {"action": "pull", "env_var": "GITHUB_TOKEN", "shell": True},
        {"action": "test", "vault": "Engineering"},
    ):
        response = await admin.post("/api/integrations", json=body)
        assert response.status_code == 400, body
        assert response.json()["error"] == "Validation failed"
    raw = await admin.post(
        "/api/integrations", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert raw.status_code == 400
    assert fake_op.calls == []
