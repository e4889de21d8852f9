"""Creating, changing and deleting tasks, the Aegis review gate and ticket numbers."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.activities.service import log_activity
from mission_control.db.prepared import Prepared, insert_returning_id
from mission_control.db.tables import projects, quality_reviews, tasks
from mission_control.errors import Forbidden, NotFound, ValidationFailed
from mission_control.events.bus import publish
from mission_control.security.actor import Actor
from mission_control.security.audit import audit
from mission_control.tasks import mentions
from mission_control.tasks.access import check_task
from mission_control.tasks.reads import get_task
from mission_control.tasks.schemas import TaskCreate

GATE_MESSAGE = "Aegis approval is required to move task to done."
GATE_REVIEWER = "aegis"
# Fields a PUT may not clear.
REQUIRED_FIELDS = ("title", "status", "priority")


# -- prepared statements of the hot paths -----------------------------------------

_DEFAULT_PROJECT = Prepared(
    sa.select(projects.c.id).where(
        projects.c.workspace_id == sa.bindparam("ws"), projects.c.slug == "general"
    )
)
_NEXT_TICKET = Prepared(
    sa.update(projects)
    .where(projects.c.id == sa.bindparam("project"), projects.c.workspace_id == sa.bindparam("ws"))
    .values(ticket_counter=projects.c.ticket_counter + 1)
    .returning(projects.c.ticket_counter)
)
_GATE = Prepared(
    sa.select(quality_reviews.c.status)
    .where(
        quality_reviews.c.task_id == sa.bindparam("task"),
        sa.func.lower(quality_reviews.c.reviewer) == GATE_REVIEWER,
    )
    .order_by(quality_reviews.c.id.desc())
    .limit(1)
)
_STATEMENTS: dict[tuple[str, tuple[str, ...]], Prepared] = {}


def _statement(kind: str, columns: tuple[str, ...]) -> Prepared:
    """The task INSERT (returning the id) or the UPDATE by id and workspace for exactly
    these columns, prepared once per column set."""
    found = _STATEMENTS.get((kind, columns))
    if found is None:
        if len(_STATEMENTS) > 256:  # request bodies choose the columns; keep the cache bounded
            _STATEMENTS.clear()
        if kind == "insert":
            found = insert_returning_id(tasks, columns)
        else:
            found = Prepared(
                sa.update(tasks)
                .where(
                    tasks.c.id == sa.bindparam("_id"), tasks.c.workspace_id == sa.bindparam("_ws")
                )
                .values({name: sa.bindparam(name) for name in columns})
            )
        _STATEMENTS[(kind, columns)] = found
    return found


def _insert_task(conn: Connection, values: dict[str, Any]) -> int:
    return int(_statement("insert", tuple(sorted(values))).scalar(conn, values))


def _set_columns(conn: Connection, workspace_id: int, task_id: int, values: dict[str, Any]) -> None:
    columns = tuple(sorted(values))
    _statement("update", columns).run(conn, {**values, "_id": task_id, "_ws": workspace_id})


# -- projects and tickets --------------------------------------------------------


def _default_project_id(conn: Connection, workspace_id: int) -> int:
    found = _DEFAULT_PROJECT.scalar(conn, {"ws": workspace_id})
    if found is None:
        raise NotFound("Project not found")
    return int(found)


def next_ticket_no(conn: Connection, workspace_id: int, project_id: int) -> int:
    """Bump the project's ticket counter in this transaction; 404 for a foreign project."""
    number = _NEXT_TICKET.scalar(conn, {"project": project_id, "ws": workspace_id})
    if number is None:
        raise NotFound("Project not found")
    return int(number)


# -- the review gate -------------------------------------------------------------


def aegis_approved(conn: Connection, task_id: int) -> bool:
    """Whether the newest review by `aegis` approved the task."""
    status = _GATE.scalar(conn, {"task": task_id})
    return bool(status == "approved")


def require_gate(conn: Connection, task: dict[str, Any], new_status: str) -> None:
    """403 when `task` would move to done without Aegis approval."""
    if new_status == "done" and task["status"] != "done" and not aegis_approved(conn, task["id"]):
        raise Forbidden(GATE_MESSAGE)


# -- events and notifications ----------------------------------------------------


def status_event(task: dict[str, Any], previous: str) -> dict[str, Any]:
    return {
        "id": task["id"],
        "title": task["title"],
        "status": task["status"],
        "previous_status": previous,
        "assigned_to": task["assigned_to"],
        "updated_at": task["updated_at"],
    }


def _notify_assignee(conn: Connection, actor: Actor, task: dict[str, Any]) -> None:
    assignee = task["assigned_to"]
    if assignee:
        mentions.notify_many(
            conn,
            actor,
            [assignee],
            type="assignment",
            title=f"Assigned: {task['title']}",
            message=f"{actor.display_name} assigned you {task['ticket_ref'] or task['title']}",
            source_type="task",
            source_id=task["id"],
        )


def _notify_mentions(
    conn: Connection, actor: Actor, task: dict[str, Any], recipients: list[str]
) -> set[str]:
    return mentions.notify_many(
        conn,
        actor,
        recipients,
        type="mention",
        title=f"Mentioned in {task['ticket_ref'] or task['title']}",
        message=f"{actor.display_name} mentioned you in task: {task['title']}",
        source_type="task",
        source_id=task["id"],
    )


def notify_status(
    conn: Connection, actor: Actor, task: dict[str, Any], previous: str, skip: set[str]
) -> None:
    mentions.notify_many(
        conn,
        actor,
        mentions.subscribers(conn, task["id"]),
        type="status_change",
        title=f"{task['ticket_ref'] or task['title']} is now {task['status']}",
        message=f"{actor.display_name} moved '{task['title']}' from {previous} to {task['status']}",
        source_type="task",
        source_id=task["id"],
        skip=skip,
    )


# -- create ----------------------------------------------------------------------


def _clean_assignee(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def create_task(conn: Connection, actor: Actor, body: TaskCreate) -> dict[str, Any]:
    """Insert a task (ticket number, subscriptions, notifications, activity, event)."""
    ws = actor.workspace_id
    recipients = mentions.resolve_mentions(conn, ws, mentions.parse_mentions(body.description))
    project_id = body.project_id or _default_project_id(conn, ws)
    assignee = _clean_assignee(body.assigned_to)
    status = "assigned" if body.status == "inbox" and assignee else body.status
    now = int(time.time())
    ticket_no = next_ticket_no(conn, ws, project_id)
    values = body.model_dump(exclude={"title", "status", "priority", "project_id", "assigned_to"})
    values.update(
        title=body.title,
        status=status,
        priority=body.priority,
        assigned_to=assignee,
        created_by=actor.display_name,
        tags=body.tags or [],
        metadata=body.metadata or {},
        retry_count=body.retry_count or 0,
        project_id=project_id,
        project_ticket_no=ticket_no,
        completed_at=now if status == "done" else None,
        workspace_id=ws,
        created_at=now,
        updated_at=now,
    )
    task_id = _insert_task(conn, values)
    task = get_task(conn, ws, task_id)
    mentions.subscribe(conn, ws, task_id, [mentions.recipient_name(actor), assignee, *recipients])
    done_note = " (recorded as already done)" if status == "done" else ""
    log_activity(
        conn,
        type="task_created",
        entity_type="task",
        entity_id=task_id,
        actor=actor.display_name,
        description=f"Created task {task['ticket_ref']}: {task['title']}{done_note}",
        data={
            "status": status,
            "priority": task["priority"],
            "assigned_to": assignee,
            "ticket_ref": task["ticket_ref"],
            "created_done": status == "done",
        },
        workspace_id=ws,
    )
    _notify_assignee(conn, actor, task)
    _notify_mentions(conn, actor, task, recipients)
    publish(conn, ws, "task.created", task)
    return task


# -- update ----------------------------------------------------------------------


def _normalized(changes: dict[str, Any]) -> dict[str, Any]:
    for name in REQUIRED_FIELDS:
        if name in changes and changes[name] is None:
            raise ValidationFailed([f"{name}: may not be null"])
    out = dict(changes)
    if "assigned_to" in out:
        out["assigned_to"] = _clean_assignee(out["assigned_to"])
    if "tags" in out and out["tags"] is None:
        out["tags"] = []
    if "metadata" in out and out["metadata"] is None:
        out["metadata"] = {}
    if "retry_count" in out and out["retry_count"] is None:
        out["retry_count"] = 0
    return out


def update_task(
    conn: Connection, actor: Actor, task_id: int, changes: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """Apply a partial update; returns the task and whether anything changed."""
    ws = actor.workspace_id
    current = get_task(conn, ws, task_id)
    check_task(actor, current)
    wanted = _normalized(changes)
    diff = {k: v for k, v in wanted.items() if current.get(k) != v}
    if "assigned_to" in diff and "status" not in wanted:
        if diff["assigned_to"] and current["status"] == "inbox":
            diff["status"] = "assigned"
        elif diff["assigned_to"] is None and current["status"] == "assigned":
            diff["status"] = "inbox"
    elif "assigned_to" in diff and diff["assigned_to"] and diff.get("status") == "inbox":
        diff["status"] = "assigned"
    if diff.get("status") == current["status"]:
        del diff["status"]
    if not diff:
        return current, False

    recipients: list[str] = []
    if "description" in diff:
        old = {n.lower() for n in mentions.parse_mentions(current["description"])}
        fresh = [n for n in mentions.parse_mentions(diff["description"]) if n.lower() not in old]
        recipients = mentions.resolve_mentions(conn, ws, fresh)
    new_status = diff.get("status", current["status"])
    require_gate(conn, current, new_status)
    now = int(time.time())
    if "status" in diff:
        diff["completed_at"] = now if new_status == "done" else None
    if "project_id" in diff:
        diff["project_ticket_no"] = next_ticket_no(conn, ws, diff["project_id"])
    _set_columns(conn, ws, task_id, {**diff, "updated_at": now})
    task = get_task(conn, ws, task_id)
    fields = sorted(k for k in diff if k not in ("completed_at", "project_ticket_no"))
    mentions.subscribe(conn, ws, task_id, [task["assigned_to"], *recipients])
    status_note = f" ({current['status']} → {new_status})" if "status" in diff else ""
    log_activity(
        conn,
        type="task_updated",
        entity_type="task",
        entity_id=task_id,
        actor=actor.display_name,
        description=f"Updated task {task['ticket_ref']}: {', '.join(fields)}{status_note}",
        data={"fields": fields, "previous_status": current["status"], "status": new_status},
        workspace_id=ws,
    )
    if "assigned_to" in diff:
        _notify_assignee(conn, actor, task)
    told = _notify_mentions(conn, actor, task, recipients)
    publish(conn, ws, "task.updated", task)
    if "status" in diff:
        notify_status(conn, actor, task, current["status"], told)
        publish(conn, ws, "task.status_changed", status_event(task, current["status"]))
    return task, True


def move_task(
    conn: Connection,
    actor: Actor,
    task: dict[str, Any],
    status: str,
    *,
    activity: str = "task_status_change",
    extra: dict[str, Any] | None = None,
    note: str = "",
) -> dict[str, Any]:
    """Set a task's status (plus `extra` columns) with activity, notices and event.

    The caller has checked access and the gate where they apply.
    """
    ws = actor.workspace_id
    now = int(time.time())
    values: dict[str, Any] = {"status": status, "updated_at": now, **(extra or {})}
    if status != task["status"]:
        values["completed_at"] = now if status == "done" else None
    _set_columns(conn, ws, task["id"], values)
    moved = get_task(conn, ws, task["id"])
    log_activity(
        conn,
        type=activity,
        entity_type="task",
        entity_id=task["id"],
        actor=actor.display_name,
        description=f"Task {moved['ticket_ref']} {task['status']} → {status}{note}",
        data={"previous_status": task["status"], "status": status},
        workspace_id=ws,
    )
    if status != task["status"]:
        notify_status(conn, actor, moved, task["status"], set())
    publish(conn, ws, "task.status_changed", status_event(moved, task["status"]))
    return moved


def bulk_move(conn: Connection, actor: Actor, moves: list[tuple[int, str]]) -> int:
    """Move every listed task or none: all are checked (404, access, gate) before any write."""
    ws = actor.workspace_id
    planned: list[tuple[dict[str, Any], str]] = []
    for task_id, status in moves:
        task = get_task(conn, ws, task_id)
        check_task(actor, task)
        require_gate(conn, task, status)
        planned.append((task, status))
    # Written in id order: two moves of the same tasks listed in other orders then take
    # their row locks in the same order and cannot deadlock (PostgreSQL). A task listed
    # twice ends with its last listed status (the sort is stable).
    for task, status in sorted(planned, key=lambda item: int(item[0]["id"])):
        current = get_task(conn, ws, task["id"])  # a task may be listed twice
        if current["status"] != status:
            move_task(conn, actor, current, status)
    return len(planned)


def delete_task(conn: Connection, actor: Actor, task_id: int) -> None:
    ws = actor.workspace_id
    task = get_task(conn, ws, task_id)
    check_task(actor, task)
    conn.execute(sa.delete(tasks).where(tasks.c.id == task_id, tasks.c.workspace_id == ws))
    log_activity(
        conn,
        type="task_deleted",
        entity_type="task",
        entity_id=task_id,
        actor=actor.display_name,
        description=f"Deleted task {task['ticket_ref']}: {task['title']}",
        data={"title": task["title"], "ticket_ref": task["ticket_ref"]},
        workspace_id=ws,
    )
    audit(
        conn,
        actor,
        "task_delete",
        target_type="task",
        target_id=task_id,
        detail={"title": task["title"], "ticket_ref": task["ticket_ref"]},
    )
    publish(conn, ws, "task.deleted", {"id": task_id, "title": task["title"]})
