"""/api/logs: the server's JSON log (rotated, private), filters, extra log folders, appends."""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mission_control.logs import writer
from mission_control.logs.reader import LogFilter, read_logs
from mission_control.logs.writer import LOG_FILE, FileLog
from tests.conftest import AppHarness


def _log_path(h: AppHarness) -> Path:
    return Path(h.rt.settings.data_dir) / "logs" / LOG_FILE


async def test_post_appends_a_private_json_line(harness: AppHarness, operator: Any) -> None:
    resp = await operator.post(
        "/api/logs", json={"message": "deploy finished ✅", "level": "warn", "source": "deployer"}
    )
    assert resp.status_code == 200, resp.text
    entry = resp.json()["entry"]
    assert entry["level"] == "warning" and entry["source"] == "deployer"
    assert entry["actor"] == "ops-person" and isinstance(entry["timestamp"], int)
    path = _log_path(harness)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert any(line["message"] == "deploy finished ✅" for line in lines)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


async def test_entries_persist_across_a_restart(
    harness_factory: Callable[..., Any],
) -> None:
    async with harness_factory() as first:
        client = await first.login_client("writer", "operator")
        posted = await client.post("/api/logs", json={"message": "before restart"})
        assert posted.status_code == 200
        await client.aclose()
    async with harness_factory() as second:
        client = await second.login_client("reader", "viewer")
        found = await client.get("/api/logs", params={"search": "BEFORE restart"})
        await client.aclose()
    assert [e["message"] for e in found.json()["logs"]] == ["before restart"]


async def test_requests_are_logged_and_filters_apply(
    harness: AppHarness, operator: Any, viewer: Any
) -> None:
    await viewer.get("/api/tasks", headers={"x-marker": "1"})
    access = await viewer.get(
        "/api/logs", params={"source": "mission_control.access", "search": "request"}
    )
    assert access.status_code == 200
    paths = [e.get("path") for e in access.json()["logs"]]
    assert "/api/tasks" in paths
    assert all(e["source"] == "mission_control.access" for e in access.json()["logs"])

    for n in range(3):
        await operator.post(
            "/api/logs", json={"message": f"job {n} failed", "level": "error", "source": "jobs"}
        )
    await operator.post("/api/logs", json={"message": "job 9 ok", "source": "jobs"})
    errors = (await viewer.get("/api/logs", params={"level": "error", "source": "JOBS"})).json()
    assert [e["message"] for e in errors["logs"]] == [
        "job 2 failed",
        "job 1 failed",
        "job 0 failed",
    ]
    both = (await viewer.get("/api/logs", params={"level": "error,info", "source": "jobs"})).json()
    assert both["count"] == 4
    one = (await viewer.get("/api/logs", params={"source": "jobs", "limit": 1})).json()
    assert [e["message"] for e in one["logs"]] == ["job 9 ok"]
    later = await viewer.get(
        "/api/logs", params={"source": "jobs", "since": int(time.time()) + 3600}
    )
    assert later.json()["logs"] == []
    iso = await viewer.get("/api/logs", params={"source": "jobs", "since": "2020-01-01T00:00:00Z"})
    assert iso.json()["count"] == 4


async def test_limit_is_capped_at_200(harness: AppHarness, viewer: Any) -> None:
    for n in range(230):
        harness.rt.file_log.append(f"bulk {n}", "info", "bulk", {})
    resp = (await viewer.get("/api/logs", params={"source": "bulk", "limit": 10000})).json()
    assert resp["limit"] == 200 and resp["count"] == 200
    assert resp["logs"][0]["message"] == "bulk 229"
    default = (await viewer.get("/api/logs", params={"source": "bulk"})).json()
    assert default["count"] == 100


async def test_bad_input_is_refused_and_nothing_written(
    harness: AppHarness, operator: Any, viewer: Any
) -> None:
    before = _log_path(harness).read_text(encoding="utf-8") if _log_path(harness).exists() else ""
    for body in (
        {},
        {"message": ""},
        {"message": "   "},
        {"message": "x" * 5001},
        {"message": "hi", "level": "loud"},
        {"message": "hi", "source": ""},
        {"message": "hi", "source": "s" * 101},
        {"message": 42},
    ):
        resp = await operator.post("/api/logs", json=body)
        assert resp.status_code == 400, body
    after = _log_path(harness).read_text(encoding="utf-8")
    written = after[len(before) :]
    assert '"source":"api"' not in written and '"hi"' not in written
    for params in (
        {"level": "loud"},
        {"since": "yesterday"},
        {"limit": "many"},
        {"search": "s" * 201},
    ):
        assert (await viewer.get("/api/logs", params=params)).status_code == 400, params


async def test_roles(harness: AppHarness, viewer: Any) -> None:
    assert (await viewer.post("/api/logs", json={"message": "hi"})).status_code == 403
    assert (await harness.client.get("/api/logs")).status_code == 401
    assert (await harness.client.post("/api/logs", json={"message": "hi"})).status_code == 401


async def test_extra_log_folders(harness_factory: Callable[..., Any], tmp_path: Path) -> None:
    folder = tmp_path / "agent-logs"
    (folder / "nested").mkdir(parents=True)
    (folder / "worker.log").write_text(
        "2026-01-02T03:04:05Z ERROR worker crashed\n"
        "plain line without a time\n"
        '{"time": "2026-01-02T03:05:00Z", "level": "warn", "msg": "json from elsewhere"}\n',
        encoding="utf-8",
    )
    (folder / "notes.txt").write_text("not a log\n", encoding="utf-8")
    (folder / "nested" / "deep.log").write_text("too deep\n", encoding="utf-8")
    async with harness_factory(log_dirs=str(folder)) as h:
        client = await h.login_client("looker", "viewer")
        entries = (await client.get("/api/logs", params={"source": "worker"})).json()["logs"]
        crashed = (await client.get("/api/logs", params={"level": "error"})).json()["logs"]
        everything = (await client.get("/api/logs", params={"limit": 200})).json()["logs"]
        await client.aclose()
    by_message = {e["message"]: e for e in entries}
    assert set(by_message) == {
        "2026-01-02T03:04:05Z ERROR worker crashed",
        "plain line without a time",
        "json from elsewhere",
    }
    assert by_message["json from elsewhere"]["level"] == "warning"
    assert by_message["2026-01-02T03:04:05Z ERROR worker crashed"]["timestamp"] == 1767323045
    assert any(e["message"].endswith("worker crashed") for e in crashed)
    assert not any(e["message"] in ("not a log", "too deep") for e in everything)


def test_rotation_keeps_every_file_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "MAX_BYTES", 2000)
    log = FileLog(tmp_path, "info")
    try:
        for n in range(60):
            log.append(f"line {n:02d}", "info", "rot", {})
    finally:
        log.detach()
    folder = tmp_path / "logs"
    rotated = sorted(p.name for p in folder.iterdir())
    assert LOG_FILE in rotated and f"{LOG_FILE}.1" in rotated
    assert all(p.stat().st_size <= 2000 for p in folder.iterdir())
    entries = read_logs(tmp_path, [], LogFilter(source="rot"), 200)
    newest = [e["message"] for e in entries][:3]
    assert newest == ["line 59", "line 58", "line 57"]
    # Only five old files are kept, so the oldest lines are gone but the rest are in order.
    numbers = [int(e["message"].split()[1]) for e in entries]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] == 59


async def test_a_message_cannot_forge_another_entry(operator: Any, viewer: Any) -> None:
    forged = 'ok\n{"timestamp": 1, "level": "critical", "source": "auth", "message": "forged"}'
    assert (await operator.post("/api/logs", json={"message": forged})).status_code == 200
    critical = (await viewer.get("/api/logs", params={"level": "critical"})).json()["logs"]
    assert critical == []
    mine = (await viewer.get("/api/logs", params={"source": "api"})).json()["logs"]
    assert [e["message"] for e in mine] == [forged]
