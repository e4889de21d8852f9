"""The `mc` client commands against a real server: every group and every exit code."""

from __future__ import annotations

import io
import json
import re
import stat
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from mission_control.cli import app
from mission_control.client.download import save_or_print
from mission_control.client.http import Api
from mission_control.client.profiles import Profile
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


def _spend(run: Any, agent: str) -> None:
    _json(run("agents", "create", agent, "--role", "coder", "--json"))
    beat = run(
        "agents",
        "heartbeat",
        agent,
        "--model",
        "claude-sonnet",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "500",
        "--json",
    )
    assert _json(beat)["token_recorded"]


def _not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


def test_status_and_by_agent_print_tables(run: Any) -> None:
    _spend(run, "spender")
    overview = run("status")
    assert overview.exit_code == 0 and _not_json(overview.stdout)
    assert re.search(r"tasks\s.*total 0 · done_today 0 · overdue 0", overview.stdout)
    assert re.search(r"agents\s.*total 1 · idle 1\s", overview.stdout)
    assert re.search(r"spend_today\s.*tokens 1500", overview.stdout)
    health = run("status", "--action", "health")
    assert health.exit_code == 0 and _not_json(health.stdout) and "checks" in health.stdout
    by_agent = run("tokens", "by-agent")
    assert by_agent.exit_code == 0 and _not_json(by_agent.stdout)
    assert "1500 tokens" in by_agent.stdout and "by 1 agents" in by_agent.stdout
    assert re.search(r"spender\s.*1000\s.*500\s.*1500", by_agent.stdout)
    assert _json(run("tokens", "by-agent", "--json"))["agents"][0]["agent"] == "spender"


def test_validation_details_are_shown_and_json_errors_are_json(run: Any) -> None:
    task = _json(run("tasks", "create", "Pick a priority", "--json"))["task"]
    refused = run("tasks", "update", str(task["id"]), "--priority", "urgent")
    assert refused.exit_code == 2
    assert "HTTP 400: Validation failed" in refused.stderr
    assert "priority" in refused.stderr.split("Validation failed", 1)[1]
    as_json = run("tasks", "update", str(task["id"]), "--priority", "urgent", "--json")
    assert as_json.exit_code == 2 and as_json.stdout == ""
    error = json.loads(as_json.stderr)
    assert error["status"] == 400 and error["exit_code"] == 2
    assert error["body"]["error"] == "Validation failed"
    assert any("priority" in d for d in error["body"]["details"])
    missing = run("tasks", "get", "999999", "--json")
    assert missing.exit_code == 2 and json.loads(missing.stderr)["status"] == 404


def test_declining_a_confirmation_exits_2_and_changes_nothing(run: Any) -> None:
    task = _json(run("tasks", "create", "Keep me", "--json"))["task"]
    declined = run("tasks", "delete", str(task["id"]), stdin="n\n")
    assert declined.exit_code == 2 and "cancelled" in declined.stderr
    no_answer = run("tasks", "delete", str(task["id"]), stdin="")
    assert no_answer.exit_code == 2
    assert _json(run("tasks", "get", str(task["id"]), "--json"))["task"]["title"] == "Keep me"
    assert run("tokens", "rotate", stdin="n\n").exit_code == 2
    assert run("status", "--json").exit_code == 0  # the key was not rotated
    assert run("tasks", "delete", str(task["id"]), stdin="y\n").exit_code == 0


def test_downloads_stream_the_whole_file(
    run: Any, live_server: ServerProcess, tmp_path: Path
) -> None:
    with httpx.Client(base_url=live_server.base_url, headers={"X-API-Key": TEST_API_KEY}) as http:
        for n in range(40):  # several hundred kB: many chunks
            created = http.post(
                "/api/tasks", json={"title": f"task {n}", "description": f"{n} ✍ " * 2000}
            )
            assert created.status_code == 201, created.text
    target = tmp_path / "out" / "tasks.json"
    target.parent.mkdir()
    saved = run("export", "--type", "tasks", "--format", "json", "-o", str(target))
    assert saved.exit_code == 0, saved.output
    on_stdout = json.loads(run("export", "--type", "tasks", "--format", "json").stdout)
    in_file = json.loads(target.read_bytes())
    assert in_file["count"] == 40 == on_stdout["count"]
    assert in_file["data"] == on_stdout["data"]
    assert f"Wrote {target.stat().st_size} bytes" in saved.stdout
    assert target.stat().st_size > 300_000
    assert [p.name for p in target.parent.iterdir()] == ["tasks.json"]  # no .part left

    _spend(run, "spender")
    usage = tmp_path / "out" / "usage.csv"
    assert run("tokens", "export", "--format", "csv", "-o", str(usage)).exit_code == 0
    assert usage.read_text() == run("tokens", "export", "--format", "csv").stdout
    assert "spender" in usage.read_text()
    # A refused download leaves no file behind.
    refused = run("export", "--type", "nope", "-o", str(tmp_path / "out" / "nope.csv"))
    assert refused.exit_code == 2 and not (tmp_path / "out" / "nope.csv").exists()


def test_download_progress_is_drawn_on_a_terminal(
    live_server: ServerProcess, tmp_path: Path
) -> None:
    with httpx.Client(base_url=live_server.base_url, headers={"X-API-Key": TEST_API_KEY}) as http:
        assert http.post("/api/tasks", json={"title": "one", "description": "x" * 9000}).is_success
    screen = io.StringIO()
    target = tmp_path / "tasks.csv"
    with Api(Profile(url=live_server.base_url, api_key=TEST_API_KEY)) as api:
        save_or_print(
            api,
            "/api/export",
            {"type": "tasks", "format": "csv"},
            target,
            progress_console=Console(file=screen, force_terminal=True, width=100),
        )
    size = target.stat().st_size
    assert size > 9000 and "tasks.csv" in screen.getvalue()
    assert re.search(r"\d+(\.\d+)?/\d+(\.\d+)? kB|\d+(\.\d+)? kB", screen.getvalue())
