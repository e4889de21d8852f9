"""The `mc` client commands against a real server: every group and every exit code."""

from __future__ import annotations

import json
import stat
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from mission_control.cli import app
from tests.conftest import PASSWORD, TEST_API_KEY
from tests.server import ServerProcess


@pytest.fixture
def run(tmp_path: Path, live_server: ServerProcess) -> Any:
    config = tmp_path / "profiles"

    def invoke(
        *args: str, key: str | None = TEST_API_KEY, url: str | None = None, stdin: str | None = None
    ) -> Result:
        env = {
            "MC_CONFIG_DIR": str(config),
            "MC_URL": url or live_server.base_url,
            "MC_API_KEY": key or "",
        }
        return CliRunner().invoke(app, list(args), env=env, input=stdin)

    return invoke


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_auth_login_whoami_logout(run: Any, live_server: ServerProcess, tmp_path: Path) -> None:
    admin = httpx.post(
        live_server.base_url + "/api/setup", json={"username": "captain", "password": PASSWORD}
    )
    assert admin.status_code == 201
    login = run(
        "auth",
        "login",
        "--username",
        "captain",
        "--password-stdin",
        "--json",
        key=None,
        stdin=PASSWORD + "\n",
    )
    assert _json(login)["user"]["username"] == "captain"
    profile = tmp_path / "profiles" / "default.json"
    assert stat.S_IMODE(profile.stat().st_mode) == 0o600
    assert json.loads(profile.read_text())["session_cookie"]
    assert _json(run("auth", "whoami", "--json", key=None))["user"]["role"] == "admin"
    assert run("auth", "logout", key=None).exit_code == 0
    assert run("auth", "whoami", key=None).exit_code == 3  # no credentials left
    keyed = run("auth", "login", "--api-key", TEST_API_KEY, "--json", key=None)
    assert _json(keyed)["user"]["username"] == "api"


def test_agents_group(run: Any) -> None:
    created = _json(run("agents", "create", "scout", "--role", "researcher", "--json"))
    assert created["agent"]["name"] == "scout"
    assert [a["name"] for a in _json(run("agents", "list", "--json"))["agents"]] == ["scout"]
    assert _json(run("agents", "get", "scout", "--json"))["agent"]["role"] == "researcher"
    updated = _json(run("agents", "update", "scout", "--config", '{"model": "m1"}', "--json"))
    assert updated["agent"]["config"]["model"] == "m1"
    beat = _json(
        run(
            "agents",
            "heartbeat",
            "scout",
            "--model",
            "claude-sonnet",
            "--input-tokens",
            "100",
            "--output-tokens",
            "20",
            "--json",
        )
    )
    assert beat["agent"] == "scout" and beat.get("token_recorded")
    key = _json(run("agents", "keys", "create", "scout", "--name", "ci", "--json"))
    assert key["api_key"].startswith("mca_")
    keys = _json(run("agents", "keys", "list", "scout", "--json"))["keys"]
    assert [k["name"] for k in keys] == ["ci"] and "key_hash" not in keys[0]
    assert run("agents", "keys", "revoke", "scout", str(keys[0]["id"])).exit_code == 0
    assert run("agents", "heartbeat", "scout", key=key["api_key"]).exit_code == 3
    assert "scout" in run("agents", "list").stdout  # the table
    assert run("agents", "delete", "scout", "--yes").exit_code == 0
    assert run("agents", "get", "scout").exit_code == 2


def test_tasks_group(run: Any) -> None:
    _json(run("agents", "create", "worker", "--role", "coder", "--json"))
    task = _json(
        run("tasks", "create", "Write docs ✍", "--priority", "high", "--tag", "docs", "--json")
    )["task"]
    assert task["priority"] == "high" and task["tags"] == ["docs"]
    listed = _json(run("tasks", "list", "--priority", "high", "--json"))
    assert [t["id"] for t in listed["tasks"]] == [task["id"]]
    claim = _json(run("tasks", "queue", "--agent", "worker", "--json"))
    assert claim["reason"] == "assigned" and claim["task"]["id"] == task["id"]
    again = _json(run("tasks", "queue", "--agent", "worker", "--json"))
    assert again["reason"] == "continue_current"
    comment = _json(run("tasks", "comments", "add", str(task["id"]), "First!", "--json"))
    reply = _json(
        run(
            "tasks",
            "comments",
            "add",
            str(task["id"]),
            "Second",
            "--parent-id",
            str(comment["comment"]["id"]),
            "--json",
        )
    )
    thread = _json(run("tasks", "comments", "list", str(task["id"]), "--json"))
    assert thread["comments"][0]["replies"][0]["id"] == reply["comment"]["id"]
    moved = _json(run("tasks", "update", str(task["id"]), "--status", "review", "--json"))
    assert moved["task"]["status"] == "review"
    refused = run("tasks", "update", str(task["id"]), "--status", "done")
    assert refused.exit_code == 4 and "Aegis approval" in refused.stderr
    assert _json(run("tasks", "get", str(task["id"]), "--json"))["task"]["title"] == "Write docs ✍"
    assert run("tasks", "delete", str(task["id"]), "--yes").exit_code == 0
    assert run("tasks", "get", str(task["id"])).exit_code == 2
    assert run("tasks", "queue", "--agent", "worker", "--max-capacity", "999").exit_code == 2


def test_tokens_status_export_raw(run: Any) -> None:
    _json(run("agents", "create", "spender", "--role", "coder", "--json"))
    _json(
        run(
            "agents",
            "heartbeat",
            "spender",
            "--model",
            "claude-sonnet",
            "--input-tokens",
            "1000",
            "--output-tokens",
            "500",
            "--json",
        )
    )
    stats = _json(run("tokens", "stats", "--json"))
    assert stats["summary"]["totalTokens"] == 1500
    by_agent = _json(run("tokens", "by-agent", "--json"))
    assert "spender" in json.dumps(by_agent)
    exported = run("tokens", "export", "--format", "csv")
    assert exported.exit_code == 0 and "spender" in exported.stdout
    assert _json(run("status", "--json"))  # the overview counts
    health = _json(run("status", "--action", "health", "--json"))
    assert health["status"] == "ok"
    tasks_json = _json(run("export", "--type", "tasks", "--format", "json"))
    assert tasks_json["type"] == "tasks"
    raw = _json(run("raw", "GET", "/api/agents", "--query", "limit=1"))
    assert raw["agents"][0]["name"] == "spender"
    rotated = _json(run("tokens", "rotate", "--yes", "--json"))
    assert rotated["api_key"].startswith("mc_")
    assert run("status").exit_code == 3  # the old key stopped working
    assert run("status", "--json", key=rotated["api_key"]).exit_code == 0


def test_events_watch(run: Any, live_server: ServerProcess) -> None:
    def later() -> None:
        time.sleep(1.0)
        httpx.post(
            live_server.base_url + "/api/tasks",
            json={"title": "live one"},
            headers={"X-API-Key": TEST_API_KEY},
        )

    thread = threading.Thread(target=later)
    thread.start()
    watched = run("events", "watch", "--count", "1", "--json")
    thread.join()
    assert watched.exit_code == 0, watched.output
    event = json.loads(watched.stdout.splitlines()[0])
    assert event["type"] and "id" in event


def test_exit_codes(run: Any, broken_server: str, dead_url: str) -> None:
    assert run("tasks", "get").exit_code == 2  # usage: a missing argument
    assert run("raw", "GET", "/api/tasks/999999").exit_code == 2  # another 4xx
    assert run("raw", "GET", "/api/tasks", "--data", "{nope").exit_code == 2
    assert run("auth", "whoami", key="wrong-key").exit_code == 3
    assert run("status", url=dead_url).exit_code == 5
    assert run("status", url=broken_server).exit_code == 6
    # 4: a personal viewer key may read but not write
    viewer_key = _personal_viewer_key(run)
    assert run("agents", "list", key=viewer_key).exit_code == 0
    denied = run("agents", "create", "x1", "--role", "coder", key=viewer_key)
    assert denied.exit_code == 4 and "Requires operator role" in denied.stderr


def _personal_viewer_key(run: Any) -> str:
    created = _json(
        run(
            "raw",
            "POST",
            "/api/users",
            "--data",
            json.dumps({"username": "peeker", "password": PASSWORD, "role": "viewer"}),
        )
    )
    assert created["user"]["role"] == "viewer"
    run(
        "auth",
        "login",
        "--username",
        "peeker",
        "--password-stdin",
        "--profile",
        "peek",
        key=None,
        stdin=PASSWORD + "\n",
    )
    key = _json(
        run(
            "raw",
            "POST",
            "/api/auth/keys",
            "--data",
            '{"name": "ro"}',
            "--profile",
            "peek",
            key=None,
        )
    )
    return str(key["api_key"])
