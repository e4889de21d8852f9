"""Pipelines: ordered steps of workflow templates, each with its failure rule."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id
from mission_control.db.tables import pipeline_runs, workflow_pipelines, workflow_templates
from mission_control.errors import BadRequest, NotFound
from mission_control.security.actor import Actor
from mission_control.workflows.service import existing_ids

NOT_FOUND = "Pipeline not found"


def _check_steps(conn: Connection, workspace_id: int, steps: list[dict[str, Any]]) -> None:
    wanted = [int(s["template_id"]) for s in steps]
    found = existing_ids(conn, workspace_id, wanted)
    missing = [i for i in dict.fromkeys(wanted) if i not in found]
    if missing:
        raise BadRequest(
            f"Template not found for step: {', '.join(map(str, missing))}",
            missing_templates=missing,
        )


def _with_names(conn: Connection, rows: list[Any]) -> list[dict[str, Any]]:
    """Pipelines with each step's template name and their run counts (two queries for the
    whole list, not two per pipeline)."""
    items = [dict(row) for row in rows]
    if not items:
        return []
    ids = {s["template_id"] for item in items for s in item["steps"]}
    names = dict(
        conn.execute(
            sa.select(workflow_templates.c.id, workflow_templates.c.name).where(
                workflow_templates.c.id.in_(ids)
            )
        ).all()
    )
    counts: dict[int, int] = dict(
        conn.execute(
            sa.select(pipeline_runs.c.pipeline_id, sa.func.count())
            .where(pipeline_runs.c.pipeline_id.in_([item["id"] for item in items]))
            .group_by(pipeline_runs.c.pipeline_id)
        ).all()
    )
    for item in items:
        item["steps"] = [{**s, "template_name": names.get(s["template_id"])} for s in item["steps"]]
        item["runs_count"] = int(counts.get(item["id"], 0))
    return items


def get_pipeline(conn: Connection, workspace_id: int, pipeline_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            sa.select(workflow_pipelines).where(
                workflow_pipelines.c.id == pipeline_id,
                workflow_pipelines.c.workspace_id == workspace_id,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(NOT_FOUND)
    return _with_names(conn, [row])[0]


def list_pipelines(conn: Connection, workspace_id: int, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(workflow_pipelines)
        .where(workflow_pipelines.c.workspace_id == workspace_id)
        .order_by(workflow_pipelines.c.id.desc())
        .limit(limit)
    ).mappings()
    return _with_names(conn, list(rows))


def create_pipeline(conn: Connection, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
    _check_steps(conn, actor.workspace_id, fields["steps"])
    now = int(time.time())
    new_id = inserted_id(
        conn.execute(
            sa.insert(workflow_pipelines).values(
                name=fields["name"],
                description=fields.get("description"),
                steps=fields["steps"],
                created_by=actor.display_name,
                workspace_id=actor.workspace_id,
                created_at=now,
                updated_at=now,
            )
        )
    )
    return get_pipeline(conn, actor.workspace_id, new_id)


def update_pipeline(
    conn: Connection, actor: Actor, pipeline_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    get_pipeline(conn, actor.workspace_id, pipeline_id)
    if "steps" in changes:
        _check_steps(conn, actor.workspace_id, changes["steps"])
    if changes:
        conn.execute(
            sa.update(workflow_pipelines)
            .where(workflow_pipelines.c.id == pipeline_id)
            .values(**changes, updated_at=int(time.time()))
        )
    return get_pipeline(conn, actor.workspace_id, pipeline_id)


def delete_pipeline(conn: Connection, actor: Actor, pipeline_id: int) -> None:
    get_pipeline(conn, actor.workspace_id, pipeline_id)
    conn.execute(sa.delete(pipeline_runs).where(pipeline_runs.c.pipeline_id == pipeline_id))
    conn.execute(sa.delete(workflow_pipelines).where(workflow_pipelines.c.id == pipeline_id))
