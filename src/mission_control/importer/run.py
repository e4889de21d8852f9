"""`import_original(url, path)`: the whole import in one transaction, in dependency order."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.engine import Database
from mission_control.db.tables import import_map
from mission_control.importer import steps_identity as identity
from mission_control.importer import steps_ops as ops
from mission_control.importer import steps_work as work
from mission_control.importer.service import Importer, ImportReport, Progress, Step
from mission_control.importer.source import OriginalDatabase
from mission_control.security.secretbox import SecretBox

STEPS: list[Step] = [
    identity.import_workspaces,
    identity.import_users,
    identity.import_access_requests,
    work.import_projects,
    work.import_agents,
    identity.import_agent_keys,
    work.import_assignments,
    work.import_tasks,
    work.import_comments,
    work.import_reviews,
    work.import_subscriptions,
    work.import_activities,
    work.import_notifications,
    ops.import_webhooks,
    ops.import_alert_rules,
    ops.import_workflow_templates,
    ops.import_pipelines,
    ops.import_token_usage,
    identity.import_security_events,
    identity.import_audit_log,
    identity.import_settings,
]
IMPORTED_TABLES = {
    "workspaces",
    "users",
    "access_requests",
    "projects",
    "agents",
    "agent_api_keys",
    "project_agent_assignments",
    "tasks",
    "comments",
    "quality_reviews",
    "task_subscriptions",
    "activities",
    "notifications",
    "webhooks",
    "alert_rules",
    "workflow_templates",
    "workflow_pipelines",
    "token_usage",
    "security_events",
    "audit_log",
    "settings",
}


def source_name(conn: Connection, original: OriginalDatabase) -> str:
    """The original's name in the id map: its content's fingerprint, so a copy of the file
    is the same source; imports recorded under the file's path (before fingerprints) keep
    that name."""
    legacy = str(original.path.resolve())
    known = conn.execute(
        sa.select(import_map.c.source).where(import_map.c.source == legacy).limit(1)
    ).first()
    return legacy if known is not None else f"original:{original.fingerprint()}"


def import_original(
    database_url: str,
    path: Path,
    *,
    source: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    box: SecretBox | None = None,
) -> ImportReport:
    """Import `path` into the database at `database_url`; nothing is written on a dry run
    or when anything fails."""
    original = OriginalDatabase(path)
    db = Database(database_url)
    try:
        with db.engine.connect() as conn:
            transaction = conn.begin()
            try:
                importer = Importer(
                    conn,
                    original,
                    source=source or source_name(conn, original),
                    dry_run=dry_run,
                    progress=progress,
                    box=box,
                )
                report = importer.run(STEPS)
            except BaseException:
                transaction.rollback()
                raise
            if dry_run:
                transaction.rollback()
            else:
                transaction.commit()
        for table in sorted(original.tables - IMPORTED_TABLES):
            if table != "schema_migrations" and not table.startswith("sqlite_"):
                report.not_imported[table] = original.count(table)
        return report
    finally:
        original.close()
        db.dispose()
