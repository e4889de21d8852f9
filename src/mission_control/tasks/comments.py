"""Threaded task comments, with mentions and notices to the task's subscribers."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.activities.service import log_activity
from mission_control.db.rows import inserted_id
from mission_control.db.tables import comments
from mission_control.errors import BadRequest
from mission_control.security.actor import Actor
from mission_control.tasks import mentions
from mission_control.tasks.access import check_task
from mission_control.tasks.reads import get_task

_COLUMNS = (
    comments.c.id,
    comments.c.task_id,
    comments.c.parent_id,
    comments.c.content,
    comments.c.author,
    comments.c.created_at,
    comments.c.mentions,
)


def _comment(row: Any) -> dict[str, Any]:
    comment = {str(key): value for key, value in row._mapping.items()}
    comment["mentions"] = comment["mentions"] or []
    comment["replies"] = []
    return comment


def list_comments(conn: Connection, actor: Actor, task_id: int) -> dict[str, Any]:
    """`{comments, total}`: top-level comments oldest first, each with nested `replies`."""
    check_task(actor, get_task(conn, actor.workspace_id, task_id))
    rows = conn.execute(
        sa.select(*_COLUMNS)
        .where(comments.c.task_id == task_id, comments.c.workspace_id == actor.workspace_id)
        .order_by(comments.c.created_at, comments.c.id)
    )
    by_id: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for row in rows:
        comment = _comment(row)
        by_id[comment["id"]] = comment
        parent = by_id.get(comment["parent_id"]) if comment["parent_id"] else None
        (parent["replies"] if parent is not None else roots).append(comment)
    return {"comments": roots, "total": len(by_id)}


def add_comment(
    conn: Connection, actor: Actor, task_id: int, content: str, parent_id: int | None
) -> dict[str, Any]:
    """Write a comment by the actor; mentions are checked before anything is written."""
    ws = actor.workspace_id
    task = get_task(conn, ws, task_id)
    check_task(actor, task)
    content = content.strip()
    if not content:
        raise BadRequest("Comment content is required")
    if parent_id is not None:
        parent_task = conn.execute(
            sa.select(comments.c.task_id).where(
                comments.c.id == parent_id, comments.c.workspace_id == ws
            )
        ).scalar()
        if parent_task != task_id:
            raise BadRequest("Parent comment not found on this task")
    recipients = mentions.resolve_mentions(conn, ws, mentions.parse_mentions(content))
    now = int(time.time())
    values = {
        "task_id": task_id,
        "parent_id": parent_id,
        "author": actor.display_name,
        "content": content,
        "mentions": recipients,
        "workspace_id": ws,
        "created_at": now,
    }
    comment_id = inserted_id(conn.execute(sa.insert(comments).values(**values)))
    comment = {**values, "id": comment_id, "replies": []}
    del comment["workspace_id"]
    audience = mentions.subscribers(conn, task_id)
    mentions.subscribe(conn, ws, task_id, [mentions.recipient_name(actor), *recipients])
    label = task["ticket_ref"] or task["title"]
    told = mentions.notify_many(
        conn,
        actor,
        recipients,
        type="mention",
        title=f"Mentioned in a comment on {label}",
        message=f"{actor.display_name}: {content[:200]}",
        source_type="comment",
        source_id=comment_id,
    )
    mentions.notify_many(
        conn,
        actor,
        audience,
        type="comment",
        title=f"New comment on {label}",
        message=f"{actor.display_name}: {content[:200]}",
        source_type="comment",
        source_id=comment_id,
        skip=told,
    )
    log_activity(
        conn,
        type="comment_added",
        entity_type="task",
        entity_id=task_id,
        actor=actor.display_name,
        description=f"Commented on task {label}",
        data={"comment_id": comment_id, "parent_id": parent_id, "mentions": recipients},
        workspace_id=ws,
    )
    return comment
