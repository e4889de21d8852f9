"""Workflow templates: stored task blueprints that pipelines turn into tasks."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id
from mission_control.db.tables import workflow_pipelines, workflow_templates
from mission_control.errors import Conflict, NotFound
from mission_control.security.actor import Actor

NOT_FOUND = "Template not found"
NULLABLE = frozenset({"description", "agent_role", "tags"})


def _public(row: Any) -> dict[str, Any]:
    item = dict(row)
    item["tags"] = item.get("tags") or []
    return item


def list_templates(conn: Connection, workspace_id: int, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(workflow_templates)
        .where(workflow_templates.c.workspace_id == workspace_id)
        .order_by(workflow_templates.c.use_count.desc(), workflow_templates.c.id.desc())
        .limit(limit)
    ).mappings()
    return [_public(r) for r in rows]


def get_template(conn: Connection, workspace_id: int, template_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            sa.select(workflow_templates).where(
                workflow_templates.c.id == template_id,
                workflow_templates.c.workspace_id == workspace_id,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(NOT_FOUND)
    return _public(row)


def existing_ids(conn: Connection, workspace_id: int, ids: list[int]) -> set[int]:
    rows = conn.execute(
        sa.select(workflow_templates.c.id).where(
            workflow_templates.c.id.in_(ids), workflow_templates.c.workspace_id == workspace_id
        )
    ).scalars()
    return {int(i) for i in rows}


def create_template(conn: Connection, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
    now = int(time.time())
    values = {
        **fields,
        "created_by": actor.display_name,
        "workspace_id": actor.workspace_id,
        "use_count": 0,
        "created_at": now,
        "updated_at": now,
    }
    new_id = inserted_id(conn.execute(sa.insert(workflow_templates).values(**values)))
    return get_template(conn, actor.workspace_id, new_id)


def update_template(
    conn: Connection, actor: Actor, template_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    get_template(conn, actor.workspace_id, template_id)
    if changes:
        conn.execute(
            sa.update(workflow_templates)
            .where(workflow_templates.c.id == template_id)
            .values(**changes, updated_at=int(time.time()))
        )
    return get_template(conn, actor.workspace_id, template_id)


def pipelines_using(conn: Connection, workspace_id: int, template_id: int) -> list[str]:
    """Names of the pipelines with a step on this template (steps are JSON, so read them)."""
    rows = conn.execute(
        sa.select(workflow_pipelines.c.name, workflow_pipelines.c.steps).where(
            workflow_pipelines.c.workspace_id == workspace_id
        )
    ).all()
    return [
        str(name)
        for name, steps in rows
        if any(isinstance(s, dict) and s.get("template_id") == template_id for s in steps or [])
    ]


def delete_template(conn: Connection, actor: Actor, template_id: int) -> None:
    get_template(conn, actor.workspace_id, template_id)
    # A pipeline step must never name a missing template, so a template in use stays.
    users = pipelines_using(conn, actor.workspace_id, template_id)
    if users:
        raise Conflict("Template is used by pipelines: " + ", ".join(users), pipelines=users)
    conn.execute(sa.delete(workflow_templates).where(workflow_templates.c.id == template_id))


def mark_used(conn: Connection, template_id: int, now: int) -> None:
    conn.execute(
        sa.update(workflow_templates)
        .where(workflow_templates.c.id == template_id)
        .values(use_count=workflow_templates.c.use_count + 1, last_used_at=now)
    )
