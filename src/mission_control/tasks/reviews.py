"""Quality reviews: the record behind the Aegis gate, and what a verdict does to its task."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.bodies import ROW_ID_MAX
from mission_control.db.rows import inserted_id
from mission_control.db.tables import quality_reviews, tasks
from mission_control.errors import BadRequest
from mission_control.security.actor import Actor
from mission_control.tasks.access import check_task
from mission_control.tasks.reads import get_task
from mission_control.tasks.service import move_task

_COLUMNS = (
    quality_reviews.c.id,
    quality_reviews.c.task_id,
    quality_reviews.c.reviewer,
    quality_reviews.c.status,
    quality_reviews.c.notes,
    quality_reviews.c.created_at,
)
MAX_IDS = 200


def parse_task_ids(raw: str) -> list[int]:
    ids: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= ROW_ID_MAX:
            raise BadRequest("taskIds must be a comma-separated list of task ids")
        ids.append(int(part))
    if not ids:
        raise BadRequest("taskIds must be a comma-separated list of task ids")
    if len(ids) > MAX_IDS:
        raise BadRequest(f"At most {MAX_IDS} taskIds")
    return list(dict.fromkeys(ids))


def reviews_of(conn: Connection, actor: Actor, task_id: int) -> list[dict[str, Any]]:
    """Every review of one task, newest first; 404 for a task outside the workspace."""
    check_task(actor, get_task(conn, actor.workspace_id, task_id))
    rows = conn.execute(
        sa.select(*_COLUMNS)
        .where(quality_reviews.c.task_id == task_id)
        .order_by(quality_reviews.c.id.desc())
    )
    return [{str(key): value for key, value in row._mapping.items()} for row in rows]


def latest_reviews(conn: Connection, actor: Actor, task_ids: list[int]) -> dict[str, Any]:
    """`{id: {status, reviewer, created_at} | null}` for every requested id."""
    visible = sa.select(tasks.c.id).where(
        tasks.c.id.in_(task_ids), tasks.c.workspace_id == actor.workspace_id
    )
    if actor.agent_restricted:
        visible = visible.where(tasks.c.assigned_to == actor.agent_name)
    newest = (
        sa.select(sa.func.max(quality_reviews.c.id))
        .where(quality_reviews.c.task_id.in_(visible))
        .group_by(quality_reviews.c.task_id)
    )
    latest: dict[str, Any] = {str(task_id): None for task_id in task_ids}
    for row in conn.execute(
        sa.select(
            quality_reviews.c.task_id,
            quality_reviews.c.status,
            quality_reviews.c.reviewer,
            quality_reviews.c.created_at,
        ).where(quality_reviews.c.id.in_(newest))
    ):
        latest[str(row.task_id)] = {
            "status": row.status,
            "reviewer": row.reviewer,
            "created_at": row.created_at,
        }
    return latest


def add_review(conn: Connection, actor: Actor, task_id: int, status: str, notes: str) -> int:
    """Record the actor's verdict; approved → done, rejected → in_progress with the notes."""
    ws = actor.workspace_id
    task = get_task(conn, ws, task_id)
    check_task(actor, task)
    review_id = inserted_id(
        conn.execute(
            sa.insert(quality_reviews).values(
                task_id=task_id,
                reviewer=actor.display_name,
                status=status,
                notes=notes,
                workspace_id=ws,
                created_at=int(time.time()),
            )
        )
    )
    if status == "approved":
        move_task(
            conn,
            actor,
            task,
            "done",
            activity="quality_review",
            note=f" (approved by {actor.display_name})",
        )
    else:
        move_task(
            conn,
            actor,
            task,
            "in_progress",
            activity="quality_review",
            extra={"error_message": notes},
            note=f" (rejected by {actor.display_name})",
        )
    return review_id
