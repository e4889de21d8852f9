"""`mc import`: an original database comes over, with its passwords and keys still working."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rich.console import Console
from typer.testing import CliRunner

from mission_control.alerts.evaluate import evaluate_all
from mission_control.cli import app as cli_app
from mission_control.db.tables import (
    access_requests,
    activities,
    agent_api_keys,
    agents,
    alert_rules,
    audit_log,
    comments,
    events,
    notifications,
    project_agent_assignments,
    projects,
    security_events,
    task_subscriptions,
    tasks,
    token_usage,
    users,
    webhook_deliveries,
    webhooks,
    workflow_pipelines,
    workflow_templates,
    workspaces,
)
from mission_control.importer.progress import StepProgress
from mission_control.importer.run import import_original
from mission_control.importer.source import SourceError
from mission_control.security.audit import verify_chain
from mission_control.settings import Settings
from mission_control.webhooks.sealing import SEALED, open_secret, webhook_box
from tests.conftest import AppHarness
from tests.importer.original_db import T0, add_rows, build_original, scrypt_hash
from tests.webhooks.conftest import Receiver

PASSWORD = "the-original-password-1"
AGENT_KEY = "mca_" + "b" * 48
ROTATED_KEY = "mc_" + "a" * 48
pytestmark = pytest.mark.anyio


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


def _occupy(url: str) -> None:
    """Rows already here, so imported rows get other ids than in the original and a field
    that kept the original's id points somewhere else."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for n in range(3):
                stamp = {"created_at": T0, "updated_at": T0}
                conn.execute(
                    sa.insert(users).values(
                        username=f"resident-{n}", display_name="r", role="viewer", **stamp
                    )
                )
                conn.execute(sa.insert(agents).values(name=f"resident-{n}", role="r", **stamp))
                conn.execute(
                    sa.insert(projects).values(
                        name=f"Resident {n}", slug=f"resident-{n}", ticket_prefix=f"R{n}", **stamp
                    )
                )
                conn.execute(
                    sa.insert(tasks).values(
                        title=f"resident {n}", created_by="r", project_id=1, **stamp
                    )
                )
                conn.execute(
                    sa.insert(workflow_templates).values(name=f"r{n}", task_prompt="r", **stamp)
                )
    finally:
        engine.dispose()


def _one(url: str, table: sa.Table, *where: Any) -> dict[str, Any]:
    rows = _rows(url, sa.select(table).where(*where))
    assert len(rows) == 1, rows
    return rows[0]


FIRST_RUN = {  # table: (imported, already here, skipped)
    "workspaces": (1, 1, 0),  # `default` is ours
    "users": (3, 0, 0),
    "access_requests": (1, 0, 0),
    "projects": (1, 1, 0),  # `general` is ours
    "agents": (3, 0, 0),  # same name in two workspaces is two agents
    "agent_api_keys": (1, 0, 1),
    "project_agent_assignments": (1, 0, 0),
    "tasks": (3, 0, 1),
    "comments": (2, 0, 1),
    "quality_reviews": (1, 0, 1),
    "task_subscriptions": (1, 0, 0),
    "activities": (1, 0, 0),
    "notifications": (1, 0, 0),
    "webhooks": (1, 0, 1),
    "alert_rules": (1, 0, 0),
    "workflow_templates": (2, 0, 0),
    "workflow_pipelines": (1, 0, 1),
    "token_usage": (1, 0, 0),
    "security_events": (1, 0, 0),
    "audit_log": (2, 0, 0),
    "settings": (1, 0, 1),
}


def test_import_counts_skips_and_reports(database_url: str, original: Path) -> None:
    _occupy(database_url)
    report = import_original(database_url, original, source="orig")
    t = report.tables
    assert {name: (r.imported, r.existing, r.skipped) for name, r in t.items()} == FIRST_RUN
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
    _check_remapped(database_url)


def _check_remapped(url: str) -> None:
    """Every imported reference points at the imported row, not at the original's id."""
    build = _one(url, tasks, tasks.c.title == "Fix the build ✅")
    admin = _one(url, users, users.c.username == "admin")
    zoe = _one(url, users, users.c.username == "zo-m-ller")
    coder = _one(url, agents, agents.c.name == "coder-1", agents.c.hidden.is_(False))
    lab = _one(url, workspaces, workspaces.c.slug == "lab")
    unicode_project = _one(url, projects, projects.c.slug == "unicode")
    assert build["id"] != 1 and admin["id"] != 1 and unicode_project["id"] != 2
    assert _one(url, agents, agents.c.hidden.is_(True))["workspace_id"] == lab["id"]
    activity = _one(url, activities, activities.c.type == "task_created")
    assert activity["entity_id"] == build["id"] and activity["data"]["original_entity_id"] == 1
    note = _one(url, notifications, notifications.c.title == "You got one")
    assert (note["source_type"], note["source_id"], note["recipient"]) == (
        "task",
        build["id"],
        "coder-1",
    )
    rule = _one(url, alert_rules, alert_rules.c.name == "Agents down")
    assert rule["enabled"] and rule["cooldown_minutes"] == 1  # 0 (none) is our shortest
    assert rule["action_config"] == {"recipient": "admin"} and rule["condition_value"] == "offline"
    usage = _one(url, token_usage, token_usage.c.model == "claude-sonnet")
    assert usage["task_id"] == build["id"] and usage["agent_name"] == "coder-1"
    assert usage["input_tokens"] == 1000 and usage["output_tokens"] == 500
    created = _one(url, audit_log, audit_log.c.action == "user_create")
    assert created["actor_id"] == admin["id"] and created["target_id"] == str(zoe["id"])
    assert created["detail"]["original_actor_id"] == 1
    assert created["detail"]["original_target_id"] == "2"
    assert created["detail"]["imported_from"] == "orig" and created["created_at"] == T0 + 1
    login = _one(url, audit_log, audit_log.c.action == "login")
    assert login["actor_id"] == admin["id"] and login["detail"]["note"] == "ünïcode"
    request = _one(url, access_requests, access_requests.c.email == "new@example.com")
    assert request["status"] == "pending" and request["attempt_count"] == 2
    review = _one(url, workflow_templates, workflow_templates.c.name == "Review PR")
    ship = _one(url, workflow_templates, workflow_templates.c.name == "Ship")
    assert review["timeout_seconds"] == 10 and review["tags"] == ["review"]
    assert review["model"] == "opus" and review["use_count"] == 2
    pipeline = _one(url, workflow_pipelines, workflow_pipelines.c.name == "Review then ship")
    assert [s["template_id"] for s in pipeline["steps"]] == [review["id"], ship["id"]]
    event = _one(url, security_events, security_events.c.event_type == "auth_failure")
    assert event["detail"] == {"username": "x"} and event["ip_address"] == "10.0.0.9"
    subscription = _one(url, task_subscriptions, task_subscriptions.c.subscriber == "coder-1")
    assert subscription["task_id"] == build["id"]
    assignment = _one(url, project_agent_assignments, project_agent_assignments.c.role == "lead")
    assert assignment["project_id"] == unicode_project["id"]
    assert assignment["agent_name"] == coder["name"]


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
    assert "columns of tasks not carried over: github_issue_number" in result.output
    assert "user 'Zoë Müller' renamed to 'zo-m-ller'" in result.output
    again = runner.invoke(cli_app, ["import", str(original), "--source", "orig", "--json"], env=env)
    assert again.exit_code == 0
    report = json.loads(again.stdout)  # nothing but the report on stdout
    assert report["tables"]["tasks"]["imported"] == 0
    assert report["tables"]["agents"]["ignored_columns"] is None  # no row looked at again
    other = runner.invoke(cli_app, ["import", str(original), "--dry-run", "--json"], env=env)
    tasks_report = json.loads(other.stdout)["tables"]["tasks"]  # another source: new tasks
    assert tasks_report["imported"] == 3
    assert tasks_report["ignored_columns"] == ["github_issue_number"]
    # The command seals the webhook secrets it brings over.
    stored = _rows(database_url, sa.select(webhooks.c.secret))[0]["secret"]
    assert stored.startswith(SEALED) and "whsec_original" not in stored
    box = webhook_box(Settings(data_dir=tmp_path / "data", _env_file=None))
    assert open_secret(box, stored) == "whsec_original"
    missing = runner.invoke(cli_app, ["import", str(tmp_path / "nope.db")], env=env)
    assert missing.exit_code == 2 and "not a file" in missing.output


def test_invalid_alert_rules_come_over_disabled(database_url: str, original: Path) -> None:
    add_rows(
        original,
        "alert_rules",
        {
            "id": 2,
            "name": "Bogus",
            "enabled": 1,
            "entity_type": "task",
            "condition_field": "bogus_field",
            "condition_operator": "equals",
            "condition_value": "x",
            "action_type": "notification",
            "workspace_id": 1,
            "created_at": T0,
            "updated_at": T0,
        },
    )
    report = import_original(database_url, original, source="orig")
    assert report.tables["alert_rules"].imported == 2
    assert report.tables["alert_rules"].changes == {"invalid rule imported disabled": 1}
    assert any("'Bogus' imported disabled: Invalid condition_field" in n for n in report.notes)
    bogus = _one(database_url, alert_rules, alert_rules.c.name == "Bogus")
    assert not bogus["enabled"]
    assert _one(database_url, alert_rules, alert_rules.c.name == "Agents down")["enabled"]
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            result = evaluate_all(conn, now=T0 + 10**6)
    finally:
        engine.dispose()
    assert "Bogus" not in [r["rule_name"] for r in result["results"]]
    assert "Agents down" in [r["rule_name"] for r in result["results"]]


@pytest.fixture
async def hooked(harness_factory: Any, receiver: Receiver) -> Any:
    """A server with a webhook subscribed to every event, on a real loopback receiver."""
    async with harness_factory(webhook_allow_private=True) as h:
        client = await h.login_client("hook-admin", "admin")
        created = await client.post(
            "/api/webhooks", json={"name": "all", "url": receiver.url("/ok"), "events": ["*"]}
        )
        assert created.status_code == 200, created.text
        await client.aclose()
        yield h


async def test_imported_audit_rows_are_not_announced(
    hooked: AppHarness, receiver: Receiver, database_url: str, original: Path
) -> None:
    def announced(conn: Any) -> list[dict[str, Any]]:
        query = sa.select(events).where(events.c.type == "audit.security")
        return [dict(r) for r in conn.execute(query).mappings()]

    def delivered(conn: Any) -> list[str]:
        return list(conn.execute(sa.select(webhook_deliveries.c.event_type)).scalars())

    await hooked.rt.webhooks.run_once()
    before_events = await hooked.rt.db.read(announced)
    before = await hooked.rt.db.read(delivered)
    report = import_original(database_url, original, source="orig")
    assert report.tables["audit_log"].imported == 2  # user_create among them
    await hooked.rt.webhooks.run_once()
    assert await hooked.rt.db.read(announced) == before_events
    assert await hooked.rt.db.read(delivered) == before
    status = await hooked.rt.db.read(verify_chain)
    assert status.ok


def test_clashing_usernames_are_renamed_not_merged(database_url: str, original: Path) -> None:
    def user(uid: int, name: str, role: str) -> dict[str, Any]:
        hashed = scrypt_hash(PASSWORD) if uid == 10 else ""
        return {"id": uid, "username": name, "role": role, "password_hash": hashed}

    add_rows(
        original,
        "users",
        user(10, "Alice", "admin"),
        user(11, "alice", "viewer"),
        user(12, "李", "operator"),
        user(13, "王", "viewer"),
        user(14, "resident", "admin"),
    )
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:  # here before the import: the original's `resident` is it
            conn.execute(
                sa.insert(users).values(
                    username="resident",
                    display_name="Resident",
                    role="viewer",
                    created_at=T0,
                    updated_at=T0,
                )
            )
    finally:
        engine.dispose()
    report = import_original(database_url, original, source="orig")
    assert report.tables["users"].imported == 7 and report.tables["users"].existing == 1
    roles = {
        r["username"]: r["role"]
        for r in _rows(database_url, sa.select(users.c.username, users.c.role))
    }
    assert roles["alice"] == "admin" and roles["alice-2"] == "viewer"
    assert roles["user-12"] == "operator" and roles["user-13"] == "viewer"
    assert roles["resident"] == "viewer"  # kept, not overwritten by the original's admin
    assert {(r["from"], r["to"]) for r in report.renamed_users} >= {
        ("Alice", "alice"),
        ("alice", "alice-2"),
        ("李", "user-12"),
        ("王", "user-13"),
    }
    assert any("'resident' already exists here" in n for n in report.notes)
    again = import_original(database_url, original, source="orig")
    assert again.tables["users"].imported == 0 and again.renamed_users == []


def test_references_to_rows_not_imported_are_left_empty(database_url: str, original: Path) -> None:
    add_rows(
        original,
        "activities",
        {"id": 2, "type": "task_updated", "entity_type": "task", "entity_id": 42, "actor": "x"},
        {"id": 3, "type": "agent_status", "entity_type": "agent", "entity_id": 77, "actor": "x"},
    )
    add_rows(
        original,
        "notifications",
        {"id": 2, "recipient": "coder-1", "title": "ghost", "source_type": "task", "source_id": 42},
    )
    add_rows(
        original,
        "audit_log",
        {
            "id": 3,
            "action": "user_delete",
            "actor": "gone",
            "actor_id": 99,
            "target_type": "user",
            "target_id": "98",
            "created_at": T0 + 2,
        },
    )
    _occupy(database_url)  # rows with the original's ids exist here, unrelated
    report = import_original(database_url, original, source="orig")
    for kind, original_id in (("task_updated", 42), ("agent_status", 77)):
        row = _one(database_url, activities, activities.c.type == kind)
        assert row["entity_id"] is None and row["data"]["original_entity_id"] == original_id
    ghost = _one(database_url, notifications, notifications.c.title == "ghost")
    assert ghost["source_type"] == "task" and ghost["source_id"] is None
    assert report.tables["notifications"].changes == {"task not imported: source_id left empty": 1}
    deleted = _one(database_url, audit_log, audit_log.c.action == "user_delete")
    assert deleted["actor_id"] is None and deleted["target_id"] is None
    assert deleted["detail"]["original_actor_id"] == 99
    assert deleted["detail"]["original_target_id"] == "98"


def test_a_copy_of_the_file_is_the_same_source(
    database_url: str, original: Path, tmp_path: Path
) -> None:
    first = import_original(database_url, original)
    assert first.source.startswith("original:")
    copy = tmp_path / "elsewhere" / "copy.db"
    copy.parent.mkdir()
    shutil.copyfile(original, copy)
    before = {t.name: _count(database_url, t) for t in (users, tasks, audit_log, activities)}
    second = import_original(database_url, copy)
    assert second.source == first.source
    assert all(r.imported == 0 for name, r in second.tables.items() if name != "settings")
    assert {t.name: _count(database_url, t) for t in (users, tasks, audit_log, activities)} == (
        before
    )


def test_imports_recorded_under_the_path_keep_that_name(database_url: str, original: Path) -> None:
    import_original(database_url, original, source=str(original.resolve()))
    again = import_original(database_url, original)
    assert again.source == str(original.resolve())
    assert again.tables["tasks"].imported == 0 and again.tables["tasks"].existing == 3


def test_ignored_source_columns_are_reported(database_url: str, original: Path) -> None:
    report = import_original(database_url, original, source="orig")
    t = report.tables
    assert t["tasks"].ignored_columns == ["github_issue_number"]
    assert t["agents"].ignored_columns == ["content_hash", "workspace_path"]
    assert t["workspaces"].ignored_columns == ["brand"]
    assert t["comments"].ignored_columns == []
    assert t["settings"].ignored_columns == ["category", "description", "updated_at", "updated_by"]
    assert report.as_dict()["tables"]["tasks"]["ignored_columns"] == ["github_issue_number"]


def test_progress_bars_per_table_on_a_terminal(database_url: str, original: Path) -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=120)
    with StepProgress(terminal) as progress:
        import_original(database_url, original, source="orig", progress=progress)
    drawn = screen.getvalue()
    assert re.search(r"tasks\s.*4/4", drawn) and re.search(r"audit_log\s.*2/2", drawn)
    quiet = io.StringIO()
    with StepProgress(Console(file=quiet, force_terminal=True), enabled=False) as progress:
        import_original(database_url, original, source="again", dry_run=True, progress=progress)
    assert quiet.getvalue() == ""
    piped = io.StringIO()
    with StepProgress(Console(file=piped)) as progress:  # not a terminal
        import_original(database_url, original, source="again", dry_run=True, progress=progress)
    assert piped.getvalue() == ""
