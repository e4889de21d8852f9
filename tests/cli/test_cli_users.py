"""`mc users …` and `mc keys rotate` against a real database: policy, last-admin rules, audit."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from click.testing import Result

from mission_control.db.tables import audit_log, user_sessions, users
from mission_control.security.api_keys import lookup_key
from mission_control.security.passwords import Passwords
from mission_control.security.sessions import create_session
from tests.conftest import PASSWORD, TEST_API_KEY

Mc = Callable[..., Result]
Query = Callable[..., list[dict[str, Any]]]
Write = Callable[[Callable[..., Any]], Any]
OTHER_PASSWORD = "a-different-long-passphrase"


def _user(query: Query, username: str) -> dict[str, Any] | None:
    rows = query(sa.select(users).where(users.c.username == username))
    return rows[0] if rows else None


def _audit(query: Query, action: str) -> list[dict[str, Any]]:
    return query(sa.select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id))


def _create(mc: Mc, username: str, role: str = "admin", password: str = PASSWORD) -> None:
    result = mc("users", "create", username, "--role", role, "--password-stdin", input=password)
    assert result.exit_code == 0, result.output


def _session(write: Write, user_id: int) -> None:
    write(
        lambda conn: create_session(
            conn,
            user_id=user_id,
            workspace_id=1,
            ip="192.0.2.1",
            user_agent="browser",
            ttl_seconds=3600,
            now=int(time.time()),
        )
    )


def _sessions(query: Query, user_id: int) -> int:
    return len(query(sa.select(user_sessions).where(user_sessions.c.user_id == user_id)))


async def test_create_from_stdin_is_audited_as_cli(mc: Mc, query: Query) -> None:
    result = mc(
        "users", "create", "Alice", "--role", "admin", "--display-name", "Alice A.",
        "--password-stdin", input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created admin alice" in result.output
    alice = _user(query, "alice")
    assert alice is not None and alice["role"] == "admin" and alice["display_name"] == "Alice A."
    assert Passwords(memory_kib=8192, time_cost=1).verify_sync(alice["password_hash"], PASSWORD).ok
    (event,) = _audit(query, "user_create")
    assert event["actor"] == "cli" and event["ip_address"] == "local"
    assert event["user_agent"].startswith("mc cli (os user ")
    assert event["target_id"] == str(alice["id"])
    assert PASSWORD not in str(event)


async def test_create_prompts_twice(mc: Mc, query: Query) -> None:
    mismatch = mc("users", "create", "bob", input=f"{PASSWORD}\n{OTHER_PASSWORD}\n")
    assert mismatch.exit_code != 0 and _user(query, "bob") is None
    ok = mc("users", "create", "bob", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert ok.exit_code == 0, ok.output
    bob = _user(query, "bob")
    assert bob is not None and bob["role"] == "operator"


async def test_create_enforces_policy_and_names(mc: Mc, query: Query) -> None:
    cases = [
        (("carol", "--password-stdin"), "short-pw", "at least 12 characters"),
        (("carol", "--password-stdin"), "password1234", "too common"),
        (("carol", "--password-stdin"), "x" * 1025, "at most 1024 bytes"),
        (("c", "--password-stdin"), PASSWORD, "Validation failed"),
        (("bad name!", "--password-stdin"), PASSWORD, "Validation failed"),
        (("carol", "--role", "root", "--password-stdin"), PASSWORD, "role must be one of"),
    ]
    for args, password, message in cases:
        result = mc("users", "create", *args, input=password)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
    assert query(sa.select(users)) == []
    assert _audit(query, "user_create") == []
    _create(mc, "carol", "viewer")
    dup = mc("users", "create", "CAROL", "--password-stdin", input=PASSWORD)
    assert dup.exit_code == 1 and "Username already exists" in dup.output


async def test_list_shows_accounts(mc: Mc) -> None:
    _create(mc, "alice", "admin")
    _create(mc, "dave", "viewer")
    mc("users", "disable", "dave")
    listed = mc("users", "list")
    assert listed.exit_code == 0, listed.output
    assert re.search(r"alice\s.*admin\s.*active", listed.output)
    assert re.search(r"dave\s.*viewer\s.*disabled", listed.output)
    assert "2 user(s)" in listed.output


async def test_set_role_keeps_the_last_admin(mc: Mc, query: Query, write: Write) -> None:
    _create(mc, "alice", "admin")
    refused = mc("users", "set-role", "alice", "viewer")
    assert refused.exit_code == 1 and "Cannot demote the last active admin" in refused.output
    assert _user(query, "alice")["role"] == "admin"  # type: ignore[index]
    _create(mc, "erin", "admin")
    erin = _user(query, "erin")
    assert erin is not None
    _session(write, erin["id"])
    changed = mc("users", "set-role", "erin", "OPERATOR")
    assert changed.exit_code == 0, changed.output
    assert _user(query, "erin")["role"] == "operator"  # type: ignore[index]
    assert _sessions(query, erin["id"]) == 0  # a role change ends the sessions
    event = _audit(query, "user_update")[-1]
    assert event["actor"] == "cli" and event["detail"]["role"] == "operator"
    assert mc("users", "set-role", "erin", "superuser").exit_code == 1
    missing = mc("users", "set-role", "nobody", "viewer")
    assert missing.exit_code == 1 and "no user named 'nobody'" in missing.output


async def test_reset_password_revokes_sessions(mc: Mc, query: Query, write: Write) -> None:
    _create(mc, "alice", "admin")
    alice = _user(query, "alice")
    assert alice is not None
    _session(write, alice["id"])
    weak = mc("users", "reset-password", "alice", "--password-stdin", input="tiny")
    assert weak.exit_code == 1 and _sessions(query, alice["id"]) == 1
    done = mc("users", "reset-password", "alice", "--password-stdin", input=OTHER_PASSWORD)
    assert done.exit_code == 0, done.output
    stored = _user(query, "alice")["password_hash"]  # type: ignore[index]
    hasher = Passwords(memory_kib=8192, time_cost=1)
    assert hasher.verify_sync(stored, OTHER_PASSWORD).ok
    assert not hasher.verify_sync(stored, PASSWORD).ok
    assert _sessions(query, alice["id"]) == 0
    event = _audit(query, "user_update")[-1]
    assert event["detail"]["password_reset"] is True and event["detail"]["sessions_revoked"] == 1
    assert OTHER_PASSWORD not in str(event)


async def test_disable_enable_and_revoke_sessions(mc: Mc, query: Query, write: Write) -> None:
    _create(mc, "alice", "admin")
    refused = mc("users", "disable", "alice")
    assert refused.exit_code == 1 and "Cannot disable the last active admin" in refused.output
    _create(mc, "frank", "operator")
    frank = _user(query, "frank")
    assert frank is not None
    _session(write, frank["id"])
    _session(write, frank["id"])
    revoked = mc("users", "revoke-sessions", "frank")
    assert revoked.exit_code == 0 and "Ended 2 session(s)" in revoked.output
    (event,) = _audit(query, "session_revoked")
    assert event["actor"] == "cli" and event["detail"] == {"username": "frank", "count": 2}
    _session(write, frank["id"])
    assert mc("users", "disable", "frank").exit_code == 0
    assert _user(query, "frank")["disabled_at"] is not None  # type: ignore[index]
    assert _sessions(query, frank["id"]) == 0
    assert mc("users", "enable", "frank").exit_code == 0
    assert _user(query, "frank")["disabled_at"] is None  # type: ignore[index]


async def test_keys_rotate_prints_the_key_once(mc: Mc, query: Query, engine: Any) -> None:
    result = mc("keys", "rotate", API_KEY=TEST_API_KEY)
    assert result.exit_code == 0, result.output
    keys = re.findall(r"mc_[0-9a-f]{48}", result.output)
    assert len(keys) == 1
    with engine.connect() as conn:
        assert lookup_key(conn, keys[0], env_key=TEST_API_KEY) is not None
        assert lookup_key(conn, TEST_API_KEY, env_key=TEST_API_KEY) is None
    (event,) = _audit(query, "api_key_rotated")
    assert event["actor"] == "cli" and keys[0] not in str(event)
    assert event["detail"]["key_prefix"] == keys[0][:12]
