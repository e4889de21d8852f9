"""Builds a database shaped like the original (Node) Mission Control's, from its documented schema."""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER);
CREATE TABLE workspaces (id INTEGER PRIMARY KEY, slug TEXT UNIQUE, name TEXT, tenant_id INTEGER,
  brand TEXT, isolation TEXT, created_at INTEGER, updated_at INTEGER);
CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE, display_name TEXT,
  password_hash TEXT, role TEXT, provider TEXT, provider_user_id TEXT, email TEXT, avatar_url TEXT,
  is_approved INTEGER, approved_by TEXT, approved_at INTEGER, last_login_at INTEGER,
  workspace_id INTEGER, created_at INTEGER, updated_at INTEGER);
CREATE TABLE user_sessions (id INTEGER PRIMARY KEY, token TEXT, user_id INTEGER, expires_at INTEGER,
  ip_address TEXT, user_agent TEXT, workspace_id INTEGER, tenant_id INTEGER, created_at INTEGER);
CREATE TABLE access_requests (id INTEGER PRIMARY KEY, email TEXT, provider TEXT,
  provider_user_id TEXT, display_name TEXT, avatar_url TEXT, status TEXT, attempt_count INTEGER,
  last_attempt_at INTEGER, reviewed_by TEXT, reviewed_at INTEGER, note TEXT, created_at INTEGER);
CREATE TABLE agents (id INTEGER PRIMARY KEY, name TEXT, role TEXT, session_key TEXT,
  soul_content TEXT, status TEXT, last_seen INTEGER, last_activity TEXT, config TEXT,
  workspace_id INTEGER, source TEXT, content_hash TEXT, workspace_path TEXT, hidden INTEGER,
  working_memory TEXT, runtime_type TEXT, created_at INTEGER, updated_at INTEGER,
  UNIQUE(name, workspace_id));
CREATE TABLE agent_api_keys (id INTEGER PRIMARY KEY, agent_id INTEGER, workspace_id INTEGER,
  name TEXT, key_hash TEXT, key_prefix TEXT, scopes TEXT, expires_at INTEGER, revoked_at INTEGER,
  last_used_at INTEGER, created_by TEXT, created_at INTEGER);
CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT, description TEXT, status TEXT,
  priority TEXT, assigned_to TEXT, created_by TEXT, created_at INTEGER, updated_at INTEGER,
  due_date INTEGER, estimated_hours REAL, actual_hours REAL, tags TEXT, metadata TEXT,
  workspace_id INTEGER, project_id INTEGER, project_ticket_no INTEGER, outcome TEXT,
  error_message TEXT, resolution TEXT, feedback_rating INTEGER, feedback_notes TEXT,
  retry_count INTEGER, completed_at INTEGER, dispatch_attempts INTEGER, github_issue_number INTEGER);
CREATE TABLE comments (id INTEGER PRIMARY KEY, task_id INTEGER, author TEXT, content TEXT,
  created_at INTEGER, parent_id INTEGER, mentions TEXT, workspace_id INTEGER);
CREATE TABLE quality_reviews (id INTEGER PRIMARY KEY, task_id INTEGER, reviewer TEXT, status TEXT,
  notes TEXT, created_at INTEGER, workspace_id INTEGER);
CREATE TABLE task_subscriptions (id INTEGER PRIMARY KEY, task_id INTEGER, agent_name TEXT,
  created_at INTEGER);
CREATE TABLE projects (id INTEGER PRIMARY KEY, workspace_id INTEGER, name TEXT, slug TEXT,
  description TEXT, ticket_prefix TEXT, ticket_counter INTEGER, status TEXT, github_repo TEXT,
  deadline INTEGER, color TEXT, metadata TEXT, created_at INTEGER, updated_at INTEGER);
CREATE TABLE project_agent_assignments (id INTEGER PRIMARY KEY, project_id INTEGER,
  agent_name TEXT, role TEXT, assigned_at INTEGER);
CREATE TABLE activities (id INTEGER PRIMARY KEY, type TEXT, entity_type TEXT, entity_id INTEGER,
  actor TEXT, description TEXT, data TEXT, created_at INTEGER, workspace_id INTEGER);
CREATE TABLE notifications (id INTEGER PRIMARY KEY, recipient TEXT, type TEXT, title TEXT,
  message TEXT, source_type TEXT, source_id INTEGER, read_at INTEGER, delivered_at INTEGER,
  created_at INTEGER, workspace_id INTEGER);
CREATE TABLE messages (id INTEGER PRIMARY KEY, conversation_id TEXT, from_agent TEXT,
  to_agent TEXT, content TEXT, message_type TEXT, metadata TEXT, read_at INTEGER,
  created_at INTEGER, workspace_id INTEGER);
CREATE TABLE webhooks (id INTEGER PRIMARY KEY, name TEXT, url TEXT, secret TEXT, events TEXT,
  enabled INTEGER, last_fired_at INTEGER, last_status INTEGER, consecutive_failures INTEGER,
  created_by TEXT, created_at INTEGER, updated_at INTEGER, workspace_id INTEGER);
CREATE TABLE webhook_deliveries (id INTEGER PRIMARY KEY, webhook_id INTEGER, event_type TEXT,
  payload TEXT, status_code INTEGER, response_body TEXT, error TEXT, duration_ms INTEGER,
  attempt INTEGER, next_retry_at INTEGER, is_retry INTEGER, parent_delivery_id INTEGER,
  created_at INTEGER, workspace_id INTEGER);
CREATE TABLE alert_rules (id INTEGER PRIMARY KEY, name TEXT, description TEXT, enabled INTEGER,
  entity_type TEXT, condition_field TEXT, condition_operator TEXT, condition_value TEXT,
  action_type TEXT, action_config TEXT, cooldown_minutes INTEGER, last_triggered_at INTEGER,
  trigger_count INTEGER, created_by TEXT, created_at INTEGER, updated_at INTEGER,
  workspace_id INTEGER);
CREATE TABLE workflow_templates (id INTEGER PRIMARY KEY, name TEXT, description TEXT, model TEXT,
  task_prompt TEXT, timeout_seconds INTEGER, agent_role TEXT, tags TEXT, created_by TEXT,
  created_at INTEGER, updated_at INTEGER, last_used_at INTEGER, use_count INTEGER,
  workspace_id INTEGER);
CREATE TABLE workflow_pipelines (id INTEGER PRIMARY KEY, name TEXT, description TEXT, steps TEXT,
  created_by TEXT, created_at INTEGER, updated_at INTEGER, use_count INTEGER, last_used_at INTEGER,
  workspace_id INTEGER);
CREATE TABLE pipeline_runs (id INTEGER PRIMARY KEY, pipeline_id INTEGER, status TEXT,
  current_step INTEGER, steps_snapshot TEXT, started_at INTEGER, completed_at INTEGER,
  triggered_by TEXT, created_at INTEGER, workspace_id INTEGER);
CREATE TABLE token_usage (id INTEGER PRIMARY KEY, model TEXT, session_id TEXT,
  input_tokens INTEGER, output_tokens INTEGER, created_at INTEGER, workspace_id INTEGER,
  task_id INTEGER, cost_usd REAL, agent_name TEXT);
CREATE TABLE audit_log (id INTEGER PRIMARY KEY, action TEXT, actor TEXT, actor_id INTEGER,
  target_type TEXT, target_id TEXT, detail TEXT, ip_address TEXT, user_agent TEXT,
  created_at INTEGER, workspace_id INTEGER);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT, description TEXT, category TEXT,
  updated_by TEXT, updated_at INTEGER);
CREATE TABLE security_events (id INTEGER PRIMARY KEY, event_type TEXT, severity TEXT,
  source TEXT, agent_name TEXT, detail TEXT, ip_address TEXT, workspace_id INTEGER,
  tenant_id INTEGER, created_at INTEGER);
"""

T0 = 1_780_000_000


def scrypt_hash(password: str, cost: int = 16384) -> str:
    """The original's format: the salt's hex TEXT is the salt, N=cost, r=8, p=1, 32 bytes."""
    salt = secrets.token_hex(16)
    derived = hashlib.scrypt(
        password.encode(), salt=salt.encode(), n=cost, r=8, p=1, dklen=32, maxmem=256 * 1024 * 1024
    )
    return f"{salt}:{derived.hex()}"


def insert(conn: sqlite3.Connection, table: str, **values: Any) -> None:
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))


def build_original(path: Path, *, password: str, agent_key: str) -> None:
    """A small but awkward original database: unicode, nulls, orphans, duplicates, bad values."""
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    insert(
        conn,
        "workspaces",
        id=1,
        slug="default",
        name="Default",
        tenant_id=1,
        isolation="shared",
        created_at=T0,
        updated_at=T0,
    )
    insert(
        conn,
        "workspaces",
        id=2,
        slug="lab",
        name="Lab",
        tenant_id=1,
        isolation="strict",
        created_at=T0,
        updated_at=T0,
    )
    insert(
        conn,
        "users",
        id=1,
        username="admin",
        display_name="Admin",
        role="admin",
        password_hash=scrypt_hash(password),
        provider="local",
        is_approved=1,
        workspace_id=1,
        created_at=T0,
        updated_at=T0,
    )
    insert(
        conn,
        "users",
        id=2,
        username="Zoë Müller",
        display_name="Zoë Müller 🚀",
        role="operator",
        password_hash=scrypt_hash(password, 65536),
        provider="local",
        is_approved=1,
        workspace_id=1,
        created_at=T0,
        updated_at=T0,
    )
    insert(
        conn,
        "users",
        id=3,
        username="gina",
        display_name=None,
        role="superuser",
        password_hash="",
        provider="google",
        provider_user_id="g-123",
        email="gina@example.com",
        is_approved=0,
        workspace_id=1,
        created_at=T0,
        updated_at=None,
    )
    insert(
        conn, "user_sessions", id=1, token="x" * 64, user_id=1, expires_at=T0 + 10, created_at=T0
    )
    insert(
        conn,
        "access_requests",
        id=1,
        email="new@example.com",
        provider="google",
        provider_user_id="g-999",
        display_name="Newcomer",
        status="pending",
        attempt_count=2,
        created_at=T0,
    )
    insert(
        conn,
        "projects",
        id=1,
        workspace_id=1,
        name="General",
        slug="general",
        ticket_prefix="TASK",
        ticket_counter=3,
        status="active",
        created_at=T0,
        updated_at=T0,
    )
    insert(
        conn,
        "projects",
        id=2,
        workspace_id=1,
        name="Ünïcode Project",
        slug="unicode",
        ticket_prefix="UNI",
        ticket_counter=1,
        status="active",
        metadata="{not json",
        created_at=T0,
        updated_at=T0,
    )
    insert(
        conn,
        "agents",
        id=1,
        name="coder-1",
        role="coder",
        status="busy",
        config='{"model":"x"}',
        workspace_id=1,
        hidden=0,
        created_at=T0,
        updated_at=T0,
    )
    insert(
        conn,
        "agents",
        id=2,
        name="coder-1",
        role="coder",
        status="weird",
        config=None,
        workspace_id=2,
        hidden=1,
        created_at=T0,
        updated_at=T0,
    )
    insert(
        conn,
        "agents",
        id=3,
        name="レビュアー",
        role="reviewer",
        status="idle",
        config="[]",
        workspace_id=1,
        hidden=0,
        created_at=T0,
        updated_at=T0,
    )
    key_hash = hashlib.sha256(agent_key.encode()).hexdigest()
    insert(
        conn,
        "agent_api_keys",
        id=1,
        agent_id=1,
        workspace_id=1,
        name="ci",
        key_hash=key_hash,
        key_prefix=agent_key[:12],
        scopes=json.dumps(["operator", "agent:self"]),
        created_by="admin",
        created_at=T0,
    )
    insert(
        conn,
        "agent_api_keys",
        id=2,
        agent_id=77,
        workspace_id=1,
        name="orphan",
        key_hash="0" * 64,
        key_prefix="mca_0000",
        scopes="[]",
        created_at=T0,
    )
    insert(
        conn,
        "project_agent_assignments",
        id=1,
        project_id=2,
        agent_name="coder-1",
        role="lead",
        assigned_at=T0,
    )
    insert(
        conn,
        "tasks",
        id=1,
        title="Fix the build ✅",
        description="see @coder-1",
        status="done",
        priority="high",
        assigned_to="coder-1",
        created_by="admin",
        created_at=T0,
        updated_at=T0,
        tags='["ci","urgent"]',
        metadata='{"k":1}',
        workspace_id=1,
        project_id=1,
        project_ticket_no=1,
        outcome="success",
        completed_at=T0 + 60,
        retry_count=1,
    )
    insert(
        conn,
        "tasks",
        id=2,
        title="Odd values",
        status="mystery",
        priority="p0",
        created_by=None,
        created_at=T0,
        updated_at=T0,
        tags="not json",
        metadata=None,
        workspace_id=1,
        project_id=99,
        project_ticket_no=2,
    )
    insert(
        conn,
        "tasks",
        id=3,
        title="",
        status="inbox",
        priority="low",
        created_by="admin",
        created_at=T0,
        updated_at=T0,
        workspace_id=1,
        project_id=1,
    )
    insert(
        conn,
        "tasks",
        id=4,
        title="Unicode ☃ task",
        status="inbox",
        priority="low",
        created_by="Zoë",
        created_at=T0,
        updated_at=T0,
        workspace_id=1,
        project_id=2,
        project_ticket_no=1,
    )
    insert(
        conn,
        "comments",
        id=1,
        task_id=1,
        author="admin",
        content="Looks good 👍",
        created_at=T0,
        parent_id=None,
        mentions='["coder-1"]',
        workspace_id=1,
    )
    insert(
        conn,
        "comments",
        id=2,
        task_id=1,
        author="coder-1",
        content="thanks",
        created_at=T0,
        parent_id=1,
        mentions="[]",
        workspace_id=1,
    )
    insert(
        conn,
        "comments",
        id=3,
        task_id=42,
        author="ghost",
        content="orphan",
        created_at=T0,
        workspace_id=1,
    )
    insert(
        conn,
        "quality_reviews",
        id=1,
        task_id=1,
        reviewer="aegis",
        status="approved",
        notes="ok",
        created_at=T0,
        workspace_id=1,
    )
    insert(
        conn,
        "quality_reviews",
        id=2,
        task_id=1,
        reviewer="aegis",
        status="maybe",
        created_at=T0,
        workspace_id=1,
    )
    insert(conn, "task_subscriptions", id=1, task_id=1, agent_name="coder-1", created_at=T0)
    insert(
        conn,
        "activities",
        id=1,
        type="task_created",
        entity_type="task",
        entity_id=1,
        actor="admin",
        description="Created “Fix the build”",
        data="{}",
        created_at=T0,
        workspace_id=1,
    )
    insert(
        conn,
        "notifications",
        id=1,
        recipient="coder-1",
        type="assignment",
        title="You got one",
        source_type="task",
        source_id=1,
        created_at=T0,
        workspace_id=1,
    )
    insert(
        conn,
        "messages",
        id=1,
        conversation_id="c",
        from_agent="a",
        to_agent="b",
        content="hi",
        created_at=T0,
        workspace_id=1,
    )
    insert(
        conn,
        "webhooks",
        id=1,
        name="Slack",
        url="https://hooks.example.com/x",
        secret="whsec_original",
        events='["task.created"]',
        enabled=1,
        created_at=T0,
        updated_at=T0,
        workspace_id=1,
        consecutive_failures=0,
    )
    insert(
        conn,
        "webhooks",
        id=2,
        name="Bad",
        url="ftp://nope",
        secret=None,
        events=None,
        enabled=1,
        created_at=T0,
        updated_at=T0,
        workspace_id=1,
    )
    insert(
        conn,
        "webhook_deliveries",
        id=1,
        webhook_id=1,
        event_type="task.created",
        payload="{}",
        attempt=1,
        created_at=T0,
        workspace_id=1,
    )
    insert(
        conn,
        "alert_rules",
        id=1,
        name="Agents down",
        enabled=1,
        entity_type="agent",
        condition_field="status",
        condition_operator="equals",
        condition_value="offline",
        action_type="notification",
        action_config='{"recipient":"admin"}',
        cooldown_minutes=0,
        created_at=T0,
        updated_at=T0,
        workspace_id=1,
    )
    insert(
        conn,
        "workflow_templates",
        id=5,
        name="Review PR",
        model="opus",
        task_prompt="Review the PR",
        timeout_seconds=5,
        tags='["review"]',
        created_at=T0,
        updated_at=T0,
        workspace_id=1,
        use_count=2,
    )
    insert(
        conn,
        "workflow_templates",
        id=6,
        name="Ship",
        task_prompt="Ship it",
        created_at=T0,
        updated_at=T0,
        workspace_id=1,
    )
    insert(
        conn,
        "workflow_pipelines",
        id=1,
        name="Review then ship",
        steps=json.dumps(
            [{"template_id": 5, "on_failure": "stop"}, {"template_id": 6, "on_failure": "continue"}]
        ),
        created_at=T0,
        updated_at=T0,
        workspace_id=1,
    )
    insert(
        conn,
        "workflow_pipelines",
        id=2,
        name="Broken",
        steps=json.dumps([{"template_id": 5}, {"template_id": 404}]),
        created_at=T0,
        updated_at=T0,
        workspace_id=1,
    )
    insert(
        conn,
        "token_usage",
        id=1,
        model="claude-sonnet",
        session_id="coder-1:cli",
        input_tokens=1000,
        output_tokens=500,
        created_at=T0,
        workspace_id=1,
        task_id=1,
        cost_usd=0.01,
        agent_name=None,
    )
    insert(
        conn,
        "audit_log",
        id=1,
        action="login",
        actor="admin",
        actor_id=1,
        detail='{"note":"ünïcode"}',
        ip_address="10.0.0.1",
        user_agent="curl",
        created_at=T0,
        workspace_id=1,
    )
    insert(
        conn,
        "audit_log",
        id=2,
        action="user_create",
        actor="admin",
        actor_id=1,
        target_type="user",
        target_id="2",
        detail=None,
        created_at=T0 + 1,
        workspace_id=1,
    )
    insert(
        conn,
        "settings",
        key="security.api_key_hash",
        value=hashlib.sha256(b"mc_" + b"a" * 48).hexdigest(),
        updated_at=T0,
    )
    insert(conn, "settings", key="general.site_name", value="Old MC", updated_at=T0)
    insert(
        conn,
        "security_events",
        id=1,
        event_type="auth_failure",
        severity="warning",
        detail='{"username":"x"}',
        ip_address="10.0.0.9",
        workspace_id=1,
        tenant_id=1,
        created_at=T0,
    )
    conn.commit()
    conn.close()


def add_rows(path: Path, table: str, *rows: dict[str, Any]) -> None:
    """More rows in an original built by `build_original`, for one test's case."""
    conn = sqlite3.connect(path)
    for row in rows:
        insert(conn, table, **row)
    conn.commit()
    conn.close()
