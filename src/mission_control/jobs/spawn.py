"""Creating tasks on behalf of the system (recurring copies, pipeline steps)."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.activities.service import log_activity
from mission_control.db.rows import inserted_id
from mission_control.db.tables import projects, tasks
from mission_control.events.bus import publish

GENERAL_PROJECT_SLUG = "general"


def _project_id(conn: Connection, workspace_id: int, project_id: int | None) -> int:
    if project_id is not None:
        found = conn.execute(
            sa.select(projects.c.id).where(
                projects.c.id == project_id, projects.c.workspace_id == workspace_id
            )
        ).scalar()
        if found is not None:
            return int(found)
    general = conn.execute(
        sa.select(projects.c.id).where(
            projects.c.slug == GENERAL_PROJECT_SLUG, projects.c.workspace_id == workspace_id
        )
    ).scalar()
    if general is None:
        general = conn.execute(sa.select(sa.func.min(projects.c.id))).scalar()
    if general is None:
        raise RuntimeError("no project to put the task in")
    return int(general)


def _next_ticket(conn: Connection, project_id: int) -> int:
    conn.execute(
        sa.update(projects)
        .where(projects.c.id == project_id)
        .values(ticket_counter=projects.c.ticket_counter + 1)
    )
    return int(
        conn.execute(
            sa.select(projects.c.ticket_counter).where(projects.c.id == project_id)
        ).scalar_one()
    )


def create_task(
    conn: Connection,
    *,
    title: str,
    description: str | None,
    created_by: str,
    workspace_id: int = 1,
    priority: str = "medium",
    assigned_to: str | None = None,
    project_id: int | None = None,
    tags: list[Any] | None = None,
    metadata: dict[str, Any] | None = None,
    activity: str = "task_created",
    now: int | None = None,
) -> dict[str, Any]:
    """Insert a task (status `assigned` with an assignee, else `inbox`), bump its project's
    ticket counter, log the activity and publish `task.created`, all in this transaction."""
    stamp = now if now is not None else int(time.time())
    project = _project_id(conn, workspace_id, project_id)
    row: dict[str, Any] = {
        "title": title[:500],
        "description": description,
        "status": "assigned" if assigned_to else "inbox",
        "priority": priority,
        "assigned_to": assigned_to,
        "created_by": created_by[:200],
        "tags": tags or [],
        "metadata": metadata or {},
        "project_id": project,
        "project_ticket_no": _next_ticket(conn, project),
        "workspace_id": workspace_id,
        "created_at": stamp,
        "updated_at": stamp,
    }
    row["id"] = inserted_id(conn.execute(sa.insert(tasks).values(**row)))
    log_activity(
        conn,
        type=activity,
        entity_type="task",
        entity_id=row["id"],
        actor=created_by,
        description=f"Created task: {row['title']}",
        data={"title": row["title"], "status": row["status"], "assigned_to": assigned_to},
        workspace_id=workspace_id,
    )
    publish(conn, workspace_id, "task.created", row)
    return row
