"""`mc import`: an original database comes over, with its passwords and keys still working."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from mission_control.cli import app as cli_app
from mission_control.db.tables import (
    agent_api_keys,
    agents,
    audit_log,
    comments,
    projects,
    tasks,
    users,
    webhooks,
    workflow_pipelines,
)
from mission_control.importer.run import import_original
from mission_control.importer.source import SourceError
from mission_control.security.audit import verify_chain
from tests.conftest import AppHarness
from tests.importer.original_db import build_original

PASSWORD = "the-original-password-1"
AGENT_KEY = "mca_" + "b" * 48
ROTATED_KEY = "mc_" + "a" * 48


@pytest.fixture
def original(tmp_path: Path) -> Path:
    path = tmp_path / "original.db"
    build_original(path, password=PASSWORD, agent_key=AGENT_KEY)
    return path


def _count(url: str, table: sa.Table) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)
    finally:
        engine.dispose()


def _rows(url: str, query: sa.Select[tuple[object, ...]]) -> list[dict[str, object]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]
    finally:
        engine.dispose()


def test_import_counts_skips_and_reports(database_url: str, original: Path) -> None:
    report = import_original(database_url, original, source="orig")
    t = report.tables
    assert t["users"].imported == 3
    assert t["agents"].imported == 3  # same name in two workspaces is two agents
    assert t["tasks"].imported == 3 and t["tasks"].reasons == {"task without a title": 1}
    assert t["comments"].imported == 2
    assert t["comments"].reasons == {"comment on a task that does not exist": 1}
    assert t["quality_reviews"].imported == 1 and t["quality_reviews"].skipped == 1
    assert t["agent_api_keys"].imported == 1 and t["agent_api_keys"].skipped == 1
    assert t["webhooks"].imported == 1 and t["webhooks"].skipped == 1
    assert t["workflow_pipelines"].imported == 1 and t["workflow_pipelines"].skipped == 1
    assert t["projects"].imported == 1 and t["projects"].existing == 1  # `general` is ours
    assert report.not_imported == {
        "messages": 1,
        "pipeline_runs": 0,
        "user_sessions": 1,
        "webhook_deliveries": 1,
    }
    assert any("renamed" in note for note in report.notes)

    odd = _rows(database_url, sa.select(tasks).where(tasks.c.title == "Odd values"))[0]
    assert odd["status"] == "inbox" and odd["priority"] == "medium"
    assert odd["tags"] == [] and odd["created_by"] == "import"
    general = _rows(database_url, sa.select(projects).where(projects.c.slug == "general"))[0]
    assert odd["project_id"] == general["id"] and general["ticket_counter"] == 3
    unicode_task = _rows(database_url, sa.select(tasks).where(tasks.c.title == "Unicode ☃ task"))
    assert unicode_task[0]["created_by"] == "Zoë"
    reply = _rows(database_url, sa.select(comments).where(comments.c.content == "thanks"))[0]
    parent = _rows(database_url, sa.select(comments).where(comments.c.content == "Looks good 👍"))[
        0
    ]
    assert reply["parent_id"] == parent["id"]
    pipeline = _rows(database_url, sa.select(workflow_pipelines))[0]
    assert [s["on_failure"] for s in pipeline["steps"]] == ["stop", "continue"]
    hook = _rows(database_url, sa.select(webhooks))[0]
    assert hook["secret"] == "whsec_original" and hook["events"] == ["task.created"]
    gina = _rows(database_url, sa.select(users).where(users.c.username == "gina"))[0]
    assert gina["role"] == "viewer" and gina["provider"] == "google" and not gina["is_approved"]
    hidden = _rows(database_url, sa.select(agents).where(agents.c.hidden.is_(True)))
    assert [a["name"] for a in hidden] == ["coder-1"] and hidden[0]["status"] == "offline"


def test_import_is_idempotent(database_url: str, original: Path) -> None:
    first = import_original(database_url, original, source="orig")
    before = {t: _count(database_url, t) for t in (users, agents, tasks, comments, audit_log)}
    second = import_original(database_url, original, source="orig")
    after = {t: _count(database_url, t) for t in (users, agents, tasks, comments, audit_log)}
    assert before == after
    assert all(r.imported == 0 for name, r in second.tables.items() if name != "settings")
    assert second.tables["tasks"].existing == first.tables["tasks"].imported


def test_dry_run_writes_nothing(database_url: str, original: Path) -> None:
    before = _count(database_url, users)
    report = import_original(database_url, original, dry_run=True)
    assert report.dry_run and report.tables["users"].imported == 3
    assert _count(database_url, users) == before
    assert _count(database_url, agent_api_keys) == 0


def test_not_an_original_database(tmp_path: Path, database_url: str) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(SourceError):
        import_original(database_url, junk)


async def test_imported_credentials_keep_working(
    harness: AppHarness, database_url: str, original: Path
) -> None:
    import_original(database_url, original, source="orig")
    client = harness.new_client()
    login = await client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert login.status_code == 200, login.text
    stored = _rows(
        database_url, sa.select(users.c.password_hash).where(users.c.username == "admin")
    )
    assert str(stored[0]["password_hash"]).startswith("$argon2id$")  # upgraded on login
    # The N=65536 scrypt hash of the renamed unicode user verifies too.
    other = await harness.new_client().post(
        "/api/auth/login", json={"username": "zo-m-ller", "password": PASSWORD}
    )
    assert other.status_code == 200, other.text
    wrong = await harness.new_client().post(
        "/api/auth/login", json={"username": "zo-m-ller", "password": "not-the-password-1"}
    )
    assert wrong.status_code == 401
    agent_me = await harness.key_client(AGENT_KEY).get("/api/auth/me")
    assert agent_me.status_code == 200 and agent_me.json()["user"]["agent_name"] == "coder-1"
    # The original's rotated global key comes over, and with it the env key stops working.
    assert (await harness.key_client(ROTATED_KEY).get("/api/auth/me")).status_code == 200
    assert (await harness.key_client().get("/api/auth/me")).status_code == 401
    status = await harness.rt.db.read(verify_chain)
    assert status.ok and status.checked >= 2


def test_cli_import(database_url: str, original: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"MC_DATABASE_URL": database_url, "MISSION_CONTROL_DATA_DIR": str(tmp_path / "data")}
    result = runner.invoke(cli_app, ["import", str(original), "--source", "orig"], env=env)
    assert result.exit_code == 0, result.output
    assert "tasks" in result.output and "skipped 1 from comments" in result.output
    again = runner.invoke(cli_app, ["import", str(original), "--source", "orig", "--json"], env=env)
    assert again.exit_code == 0 and '"imported": 0' in again.output
    missing = runner.invoke(cli_app, ["import", str(tmp_path / "nope.db")], env=env)
    assert missing.exit_code == 2 and "not a file" in missing.output
