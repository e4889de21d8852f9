"""Backups: online copies under writes, listing, download, delete, pruning, restore."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from mission_control.backups import service
from mission_control.backups.schemas import BackupList
from mission_control.backups.serverlock import hold_server_lock, server_running
from mission_control.cli import app as cli_app
from mission_control.db.tables import audit_log
from tests.conftest import AppHarness
from tests.shapes import assert_shape


@pytest.fixture
def sqlite_only(db_kind: str) -> None:
    if db_kind != "sqlite":
        pytest.skip("file backups are for SQLite")


async def _actions(h: AppHarness) -> list[str]:
    return await h.rt.db.read(
        lambda c: list(
            c.execute(
                sa.select(audit_log.c.action)
                .where(audit_log.c.action.like("backup_%"))
                .order_by(audit_log.c.id)
            ).scalars()
        )
    )


async def test_create_list_download_delete(
    sqlite_only: None, harness: AppHarness, admin: Any
) -> None:
    made = await admin.post("/api/backup")
    assert made.status_code == 200, made.text
    name = made.json()["backup"]["name"]
    assert service.NAME_RE.match(name)
    path = harness.rt.settings.data_dir / "backups" / name
    assert path.stat().st_mode & 0o777 == 0o600
    assert service.integrity_ok(path)
    listing = assert_shape(await admin.get("/api/backup"), BackupList)
    assert [b["name"] for b in listing["backups"]] == [name]
    download = await admin.get("/api/backup", params={"download": name})
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/vnd.sqlite3"
    assert download.content == path.read_bytes()
    assert name in download.headers["content-disposition"]
    gone = await admin.request("DELETE", "/api/backup", json={"name": name})
    assert gone.status_code == 200 and gone.json()["success"] is True
    assert not path.exists()
    assert await _actions(harness) == ["backup_create", "backup_download", "backup_delete"]


async def test_bad_names_are_refused(sqlite_only: None, harness: AppHarness, admin: Any) -> None:
    outside = harness.rt.settings.data_dir / "mission-control.db"
    for bad in (
        "../mission-control.db",
        "/etc/passwd",
        "sub/mc-backup-2026-01-01_00-00-00.db",
        "mc-backup-2026-01-01_00-00-00.db/..",
        "..",
        "mission-control.db",
        "",
        5,
    ):
        resp = await admin.request("DELETE", "/api/backup", json={"name": bad})
        assert resp.status_code == 400, bad
        down = await admin.get("/api/backup", params={"download": str(bad)})
        assert down.status_code == 400, bad
    assert outside.exists()
    missing = await admin.request(
        "DELETE", "/api/backup", json={"name": "mc-backup-2020-01-01_00-00-00.db"}
    )
    assert missing.status_code == 404
    nobody = await admin.request("DELETE", "/api/backup")
    assert nobody.status_code == 400 and "body required" in nobody.json()["error"]


async def test_prunes_to_retention_count(
    sqlite_only: None, harness: AppHarness, admin: Any
) -> None:
    await admin.put("/api/settings", json={"settings": {"general.backup_retention_count": 2}})
    folder = harness.rt.settings.data_dir / "backups"
    db_file = service.database_file(harness.rt.settings)
    for ts in (1_700_000_000, 1_700_000_100, 1_700_000_200):
        service.create_backup(db_file, folder, now=ts)
    made = (await admin.post("/api/backup")).json()
    names = [b["name"] for b in (await admin.get("/api/backup")).json()["backups"]]
    assert names == [made["backup"]["name"], "mc-backup-2023-11-14_22-16-40.db"]
    assert len(made["pruned"]) == 2


async def test_backups_are_admin_only(harness: AppHarness, operator: Any) -> None:
    assert (await operator.get("/api/backup")).status_code == 403
    assert (await operator.post("/api/backup")).status_code == 403


async def test_postgres_explains_pg_dump(db_kind: str, admin: Any) -> None:
    if db_kind != "postgres":
        pytest.skip("PostgreSQL answer")
    for resp in (await admin.get("/api/backup"), await admin.post("/api/backup")):
        assert resp.status_code == 400
        assert "pg_dump" in resp.json()["error"]


def _writer(
    db_file: Path, started: threading.Event, stop: threading.Event, counts: list[int]
) -> None:
    conn = sqlite3.connect(db_file, timeout=30, isolation_level=None)
    n = 0
    while not stop.is_set():
        n += 1
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO ledger (side, n) VALUES ('debit', ?)", (n,))
        conn.execute("INSERT INTO ledger (side, n) VALUES ('credit', ?)", (n,))
        conn.execute("COMMIT")
        started.set()
    conn.close()
    counts.append(n)


async def test_backup_under_concurrent_writes_restores_consistently(
    sqlite_only: None, harness: AppHarness, tmp_path: Path
) -> None:
    db_file = service.database_file(harness.rt.settings)
    folder = tmp_path / "bk"
    setup = sqlite3.connect(db_file, timeout=30)
    setup.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, side TEXT, n INT)")
    setup.commit()
    setup.close()
    started, stop, counts = threading.Event(), threading.Event(), []
    thread = threading.Thread(target=_writer, args=(db_file, started, stop, counts))
    thread.start()
    try:
        assert started.wait(10)
        made = []
        for i in range(4):
            made.append(service.create_backup(db_file, folder, now=1_700_000_000 + i))
    finally:
        stop.set()
        thread.join()
    assert counts and counts[0] > 0
    for item in made:
        copy = folder / item["name"]
        assert service.integrity_ok(copy)
        conn = sqlite3.connect(copy)
        debit = conn.execute("SELECT count(*) FROM ledger WHERE side='debit'").fetchone()[0]
        credit = conn.execute("SELECT count(*) FROM ledger WHERE side='credit'").fetchone()[0]
        conn.close()
        assert debit == credit  # each transaction is in the copy whole or not at all
    # Restore the last copy into a fresh location and open it.
    target = tmp_path / "restored.db"
    target.write_bytes(b"")
    service.restore(target, folder / made[-1]["name"])
    conn = sqlite3.connect(target)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    sides = dict(conn.execute("SELECT side, count(*) FROM ledger GROUP BY side").fetchall())
    conn.close()
    assert sides["debit"] == sides["credit"] > 0


def _cli_env(h: AppHarness) -> dict[str, str]:
    return {
        "MISSION_CONTROL_DATA_DIR": str(h.rt.settings.data_dir),
        "MC_DATABASE_URL": h.rt.settings.database_url_resolved,
    }


async def test_cli_backup_and_restore(
    sqlite_only: None, harness: AppHarness, tmp_path: Path
) -> None:
    runner = CliRunner()
    env = _cli_env(harness)
    made = runner.invoke(cli_app, ["backup"], env=env)
    assert made.exit_code == 0, made.output
    folder = harness.rt.settings.data_dir / "backups"
    name = sorted(os.listdir(folder))[-1]
    # A running server (it holds the lock) makes restore refuse.
    with hold_server_lock(harness.rt.settings.data_dir):
        assert server_running(harness.rt.settings.data_dir)
        refused = runner.invoke(cli_app, ["restore", name, "--yes"], env=env)
        assert refused.exit_code == 1
        assert "running" in refused.output
    assert not server_running(harness.rt.settings.data_dir)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    bad = runner.invoke(cli_app, ["restore", str(junk), "--yes"], env=env)
    assert bad.exit_code == 1 and "Restore refused" in bad.output
    ok = runner.invoke(cli_app, ["restore", name, "--yes"], env=env)
    assert ok.exit_code == 0, ok.output
    assert service.integrity_ok(service.database_file(harness.rt.settings))
