"""Import steps for projects, agents, tasks and the work around them."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from mission_control.db.tables import (
    activities,
    agents,
    comments,
    notifications,
    project_agent_assignments,
    projects,
    quality_reviews,
    task_subscriptions,
    tasks,
)
from mission_control.importer.service import Importer, Skip, as_int, clip, parse_json

TASK_STATUSES = {
    "backlog",
    "inbox",
    "assigned",
    "awaiting_owner",
    "in_progress",
    "review",
    "quality_review",
    "done",
    "failed",
}
PRIORITIES = {"critical", "high", "medium", "low"}
AGENT_STATUSES = {"offline", "idle", "busy", "sleeping", "error", "online"}
OUTCOMES = {"success", "failed", "partial", "abandoned"}
# Entity types of activities and notifications that name a row of a table the import maps.
ENTITY_TABLES = {"task": "tasks", "agent": "agents", "project": "projects"}


def _general_project(imp: Importer, workspace_id: int) -> int:
    found = imp.conn.execute(
        sa.select(projects.c.id).where(
            projects.c.workspace_id == workspace_id, projects.c.slug == "general"
        )
    ).scalar()
    if found is not None:
        return int(found)
    return int(imp.conn.execute(sa.select(sa.func.min(projects.c.id))).scalar() or 1)


def _free_prefix(imp: Importer, workspace_id: int, wanted: str) -> str:
    candidate, n = wanted, 1
    while imp.conn.execute(
        sa.select(projects.c.id).where(
            projects.c.workspace_id == workspace_id, projects.c.ticket_prefix == candidate
        )
    ).first():
        n += 1
        candidate = f"{wanted[: 12 - len(str(n))]}{n}"
    return candidate


def import_projects(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]] | int:
        ws = imp.workspace(row.get("workspace_id"))
        name = clip(row.get("name"), 200)
        if not name:
            raise Skip("project without a name")
        slug = clip(row.get("slug"), 200) or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        existing = imp.conn.execute(
            sa.select(projects.c.id).where(projects.c.workspace_id == ws, projects.c.slug == slug)
        ).scalar()
        counter = as_int(row.get("ticket_counter"), 0) or 0
        if existing is not None:
            imp.conn.execute(
                sa.update(projects)
                .where(projects.c.id == existing)
                .values(
                    ticket_counter=sa.func.max(projects.c.ticket_counter, counter)
                    if imp.conn.dialect.name == "sqlite"
                    else sa.func.greatest(projects.c.ticket_counter, counter)
                )
            )
            return int(existing)
        prefix = (
            re.sub(r"[^A-Z0-9]", "", str(row.get("ticket_prefix") or name).upper())[:12] or "PRJ"
        )
        status = "archived" if row.get("status") == "archived" else "active"
        return projects, {
            "workspace_id": ws,
            "name": name,
            "slug": slug,
            "description": row.get("description"),
            "ticket_prefix": _free_prefix(imp, ws, prefix),
            "ticket_counter": counter,
            "status": status,
            "github_repo": clip(row.get("github_repo"), 300),
            "deadline": as_int(row.get("deadline")),
            "color": clip(row.get("color"), 32),
            "metadata": parse_json(row.get("metadata"), {}),
            "created_at": imp.ts(row.get("created_at")),
            "updated_at": imp.ts(row.get("updated_at")),
        }

    imp.copy("projects", build)


def import_agents(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]] | int:
        name = clip(row.get("name"), 100)
        if not name:
            raise Skip("agent without a name")
        ws = imp.workspace(row.get("workspace_id"))
        existing = imp.conn.execute(
            sa.select(agents.c.id).where(agents.c.workspace_id == ws, agents.c.name == name)
        ).scalar()
        if existing is not None:
            return int(existing)
        status = row.get("status") if row.get("status") in AGENT_STATUSES else "offline"
        return agents, {
            "name": name,
            "role": clip(row.get("role"), 100) or "agent",
            "session_key": clip(row.get("session_key"), 200),
            "soul_content": row.get("soul_content"),
            "status": status,
            "last_seen": as_int(row.get("last_seen")),
            "last_activity": row.get("last_activity"),
            "config": parse_json(row.get("config"), {}),
            "working_memory": row.get("working_memory"),
            "runtime_type": clip(row.get("runtime_type"), 64),
            "hidden": bool(as_int(row.get("hidden"), 0)),
            "source": clip(row.get("source"), 32) or "import",
            "workspace_id": ws,
            "created_at": imp.ts(row.get("created_at")),
            "updated_at": imp.ts(row.get("updated_at")),
        }

    imp.copy("agents", build)


def import_assignments(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]] | int:
        project_id = imp.mapped("projects", row.get("project_id"))
        if project_id is None:
            raise Skip("assignment to a project that does not exist")
        name = clip(row.get("agent_name"), 100)
        if not name:
            raise Skip("assignment without an agent name")
        existing = imp.conn.execute(
            sa.select(project_agent_assignments.c.id).where(
                project_agent_assignments.c.project_id == project_id,
                project_agent_assignments.c.agent_name == name,
            )
        ).scalar()
        if existing is not None:
            return int(existing)
        return project_agent_assignments, {
            "project_id": project_id,
            "agent_name": name,
            "role": clip(row.get("role"), 32) or "member",
            "assigned_at": imp.ts(row.get("assigned_at")),
        }

    imp.copy("project_agent_assignments", build)


def import_tasks(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]]:
        title = clip(row.get("title"), 500)
        if not title:
            raise Skip("task without a title")
        ws = imp.workspace(row.get("workspace_id"))
        project_id = imp.mapped("projects", row.get("project_id")) or _general_project(imp, ws)
        status = row.get("status") if row.get("status") in TASK_STATUSES else "inbox"
        priority = row.get("priority") if row.get("priority") in PRIORITIES else "medium"
        tags = parse_json(row.get("tags"), [])
        rating = as_int(row.get("feedback_rating"))
        return tasks, {
            "title": title,
            "description": row.get("description"),
            "status": status,
            "priority": priority,
            "assigned_to": clip(row.get("assigned_to"), 100),
            "created_by": clip(row.get("created_by"), 200) or "import",
            "due_date": as_int(row.get("due_date")),
            "estimated_hours": row.get("estimated_hours"),
            "actual_hours": row.get("actual_hours"),
            "tags": [str(t) for t in tags],
            "metadata": parse_json(row.get("metadata"), {}),
            "project_id": project_id,
            "project_ticket_no": as_int(row.get("project_ticket_no")),
            "outcome": row.get("outcome") if row.get("outcome") in OUTCOMES else None,
            "error_message": row.get("error_message"),
            "resolution": row.get("resolution"),
            "feedback_rating": rating,
            "feedback_notes": row.get("feedback_notes"),
            "retry_count": as_int(row.get("retry_count"), 0),
            "completed_at": as_int(row.get("completed_at")),
            "dispatch_attempts": as_int(row.get("dispatch_attempts"), 0),
            "workspace_id": ws,
            "created_at": imp.ts(row.get("created_at")),
            "updated_at": imp.ts(row.get("updated_at")),
        }

    imp.copy("tasks", build)


def import_comments(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]]:
        task_id = imp.mapped("tasks", row.get("task_id"))
        if task_id is None:
            raise Skip("comment on a task that does not exist")
        parent = None
        if row.get("parent_id") is not None:
            parent = imp.mapped("comments", row.get("parent_id"))
            if parent is None:
                raise Skip("reply to a comment that does not exist")
        content = str(row.get("content") or "")
        if not content.strip():
            raise Skip("empty comment")
        return comments, {
            "task_id": task_id,
            "parent_id": parent,
            "author": clip(row.get("author"), 200) or "unknown",
            "content": content,
            "mentions": parse_json(row.get("mentions"), []),
            **imp.placed(row, updated=False),
        }

    imp.copy("comments", build)


def import_reviews(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]]:
        task_id = imp.mapped("tasks", row.get("task_id"))
        if task_id is None:
            raise Skip("review of a task that does not exist")
        if row.get("status") not in ("approved", "rejected"):
            raise Skip("review with an unknown status")
        return quality_reviews, {
            "task_id": task_id,
            "reviewer": clip(row.get("reviewer"), 200) or "aegis",
            "status": row["status"],
            "notes": row.get("notes"),
            **imp.placed(row, updated=False),
        }

    imp.copy("quality_reviews", build)


def import_subscriptions(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]] | int:
        task_id = imp.mapped("tasks", row.get("task_id"))
        if task_id is None:
            raise Skip("subscription to a task that does not exist")
        who = clip(row.get("agent_name"), 200)
        if not who:
            raise Skip("subscription without a subscriber")
        existing = imp.conn.execute(
            sa.select(task_subscriptions.c.id).where(
                task_subscriptions.c.task_id == task_id, task_subscriptions.c.subscriber == who
            )
        ).scalar()
        if existing is not None:
            return int(existing)
        workspace = (
            imp.conn.execute(sa.select(tasks.c.workspace_id).where(tasks.c.id == task_id)).scalar()
            or 1
        )
        return task_subscriptions, {
            "task_id": task_id,
            "subscriber": who,
            "workspace_id": workspace,
            "created_at": imp.ts(row.get("created_at")),
        }

    imp.copy("task_subscriptions", build)


def import_activities(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]]:
        if not row.get("type"):
            raise Skip("activity without a type")
        entity_type = clip(row.get("entity_type"), 32) or "unknown"
        entity_id = as_int(row.get("entity_id"))
        data = parse_json(row.get("data"), {})
        if entity_type in ENTITY_TABLES and entity_id is not None:
            # Not imported: no id rather than an unrelated row's; the original id stays in data.
            data = {**data, "original_entity_id": entity_id}
            entity_id = imp.mapped(ENTITY_TABLES[entity_type], entity_id)
        return activities, {
            "type": clip(row["type"], 64),
            "entity_type": entity_type,
            "entity_id": entity_id,
            "actor": clip(row.get("actor"), 200) or "unknown",
            "description": str(row.get("description") or ""),
            "data": data,
            **imp.placed(row, updated=False),
        }

    imp.copy("activities", build)


def import_notifications(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]]:
        if not row.get("recipient"):
            raise Skip("notification without a recipient")
        source_type = clip(row.get("source_type"), 32)
        source_id = as_int(row.get("source_id"))
        if source_type in ENTITY_TABLES and source_id is not None:
            # Notifications have no data column to keep the original id in: the report counts them.
            source_id = imp.mapped(ENTITY_TABLES[source_type], source_id)
            if source_id is None:
                imp.table_report("notifications").changes[
                    f"{source_type} not imported: source_id left empty"
                ] += 1
        return notifications, {
            "recipient": clip(row["recipient"], 200),
            "type": clip(row.get("type"), 64) or "info",
            "title": clip(row.get("title"), 500) or "",
            "message": row.get("message"),
            "source_type": source_type,
            "source_id": source_id,
            "read_at": as_int(row.get("read_at")),
            "delivered_at": as_int(row.get("delivered_at")),
            **imp.placed(row, updated=False),
        }

    imp.copy("notifications", build)
