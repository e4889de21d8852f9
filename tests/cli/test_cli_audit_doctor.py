"""`mc audit tail|verify|export`, `mc doctor` and `mc db upgrade` against a real database."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result

from mission_control.db.tables.identity import audit_log
from tests.conftest import PASSWORD
from tests.fleet.conftest import REDIS_URL
from tests.server import free_port


def _seed_rows(mc: Callable[..., Result]) -> None:
    for name in ("auditor-one", "auditor-two"):
        made = mc("users", "create", name, "--role", "viewer", input=f"{PASSWORD}\n{PASSWORD}\n")
        assert made.exit_code == 0, made.output


def test_tail_prints_the_newest_rows_oldest_first(mc: Callable[..., Result]) -> None:
    _seed_rows(mc)
    out = mc("audit", "tail", "-n", "1")
    assert out.exit_code == 0, out.output
    assert "auditor-two" in out.output and "auditor-one" not in out.output
    both = mc("audit", "tail", "-n", "5").output
    assert both.index("auditor-one") < both.index("auditor-two")


def test_verify_passes_then_catches_an_edit(
    mc: Callable[..., Result], write: Callable[..., Any]
) -> None:
    _seed_rows(mc)
    ok = mc("audit", "verify")
    assert ok.exit_code == 0 and "Audit chain OK" in ok.output

    def tamper(conn: sa.Connection) -> None:
        first = conn.execute(sa.select(sa.func.min(audit_log.c.id))).scalar_one()
        conn.execute(
            sa.update(audit_log).where(audit_log.c.id == first).values(actor="someone-else")
        )

    write(tamper)
    broken = mc("audit", "verify")
    assert broken.exit_code == 1
    assert "BROKEN" in broken.output


def test_export_csv_and_json_are_audited(
    mc: Callable[..., Result], query: Callable[..., list[dict[str, Any]]], tmp_path: Path
) -> None:
    _seed_rows(mc)
    as_csv = mc("audit", "export", "--format", "csv", "--action", "user_create")
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["action"] for r in rows] == ["user_create", "user_create"]
    target = tmp_path / "audit.json"
    as_json = mc("audit", "export", "--format", "json", "-o", str(target))
    assert as_json.exit_code == 0, as_json.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert len(json.loads(target.read_text())) >= 2
    exports = query(sa.select(audit_log).where(audit_log.c.action == "data_export"))
    assert len(exports) == 2
    bad = mc("audit", "export", "--format", "xml")
    assert bad.exit_code != 0


def test_doctor_fails_on_a_weak_production_setup_and_prints_fixes(
    mc: Callable[..., Result],
) -> None:
    weak = mc(
        "doctor",
        "--json",
        MC_ENV="production",
        API_KEY="short",
        MC_ALLOWED_HOSTS=None,
        MC_DISABLE_RATE_LIMIT="1",
    )
    assert weak.exit_code == 1
    result = json.loads(weak.stdout)
    failing = {item["id"] for item in result["items"] if item["status"] == "fail"}
    assert failing
    assert all(item["fix"] for item in result["items"] if item["status"] != "pass")
    table = mc("doctor", MC_ENV="production", API_KEY="short")
    assert "FAIL" in table.output and "Score" in table.output


def _redis_item(out: Result) -> dict[str, Any] | None:
    items = [i for i in json.loads(out.stdout)["items"] if i["id"] == "redis"]
    return items[0] if items else None


def test_doctor_pings_redis_only_when_one_is_configured(mc: Callable[..., Result]) -> None:
    assert _redis_item(mc("doctor", "--json")) is None
    up = mc("doctor", "--json", MC_REDIS_URL=REDIS_URL)
    item = _redis_item(up)
    assert item is not None and item["status"] == "pass", up.output
    assert "answered PING" in item["detail"]


def test_doctor_fails_clearly_when_redis_does_not_answer(mc: Callable[..., Result]) -> None:
    port = free_port()  # nothing listens there
    url = f"redis://:not-a-real-password@127.0.0.1:{port}/0"
    started = time.monotonic()
    down = mc("doctor", "--json", MC_REDIS_URL=url)
    assert time.monotonic() - started < 30
    assert down.exit_code == 1
    item = _redis_item(down)
    assert item is not None and item["status"] == "fail"
    assert f"redis://127.0.0.1:{port}" in item["detail"] and "PING" in item["detail"]
    assert "MC_REDIS_URL" in item["fix"]
    assert "not-a-real-password" not in down.output
    table = mc("doctor", MC_REDIS_URL=url)
    assert table.exit_code == 1
    assert "Redis reachable" in table.output and "FAIL" in table.output
    assert "not-a-real-password" not in table.output
    bad = _redis_item(mc("doctor", "--json", MC_REDIS_URL="http://127.0.0.1:6379"))
    assert bad is not None and bad["status"] == "fail" and "not usable" in bad["detail"]


def test_db_upgrade_makes_a_private_data_dir_and_database(tmp_path: Path) -> None:
    data = tmp_path / "fresh-data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MC_")}
    env["MISSION_CONTROL_DATA_DIR"] = str(data)
    done = subprocess.run(
        [sys.executable, "-m", "mission_control", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "mission-control.db").stat().st_mode) == 0o600


@pytest.mark.parametrize("with_password", [False, True])
def test_serve_prints_the_url_and_the_setup_url_when_needed(
    tmp_path: Path, with_password: bool
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MC_", "AUTH_", "API_"))}
    env["MISSION_CONTROL_DATA_DIR"] = str(tmp_path / "data")
    if with_password:
        env["AUTH_PASS"] = PASSWORD
    proc = subprocess.Popen(
        [sys.executable, "-m", "mission_control", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        seen = ""
        for line in proc.stdout:
            seen += line
            if "Uvicorn running" in line or "Application startup complete" in line:
                break
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    assert f"http://127.0.0.1:{port}" in seen
    assert (f"http://127.0.0.1:{port}/setup" in seen) is not with_password
