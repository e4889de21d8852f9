"""Pipeline runs: each step becomes a task; a finished task moves the run on."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.activities.service import log_activity
from mission_control.db.rows import inserted_id
from mission_control.db.tables import agents, pipeline_runs, tasks, workflow_pipelines
from mission_control.errors import BadRequest, NotFound
from mission_control.events.bus import publish
from mission_control.jobs.spawn import create_task
from mission_control.pipelines.service import get_pipeline
from mission_control.security.actor import Actor
from mission_control.security.audit import audit
from mission_control.workflows.service import get_template, mark_used

RUN_NOT_FOUND = "Pipeline run not found"
FINISHED_TASK = {"done": True, "failed": False}
ACTIVE = ("pending", "running")


def _run_row(conn: Connection, workspace_id: int | None, run_id: int) -> dict[str, Any]:
    query = sa.select(pipeline_runs).where(pipeline_runs.c.id == run_id).with_for_update()
    if workspace_id is not None:
        query = query.where(pipeline_runs.c.workspace_id == workspace_id)
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(RUN_NOT_FOUND)
    return dict(row)


def _public(conn: Connection, run: dict[str, Any]) -> dict[str, Any]:
    return _publics(conn, [run])[0]


def _publics(conn: Connection, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = {run["pipeline_id"] for run in found}
    names = dict(
        conn.execute(
            sa.select(workflow_pipelines.c.id, workflow_pipelines.c.name).where(
                workflow_pipelines.c.id.in_(ids)
            )
        ).all()
    )
    return [
        {**run, "pipeline_name": names.get(run["pipeline_id"]), "steps": run["steps_snapshot"]}
        for run in found
    ]


def get_run(conn: Connection, workspace_id: int, run_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            sa.select(pipeline_runs).where(
                pipeline_runs.c.id == run_id, pipeline_runs.c.workspace_id == workspace_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(RUN_NOT_FOUND)
    return _public(conn, dict(row))


def list_runs(
    conn: Connection, workspace_id: int, pipeline_id: int | None, limit: int
) -> list[dict[str, Any]]:
    query = (
        sa.select(pipeline_runs)
        .where(pipeline_runs.c.workspace_id == workspace_id)
        .order_by(pipeline_runs.c.id.desc())
        .limit(limit)
    )
    if pipeline_id is not None:
        query = query.where(pipeline_runs.c.pipeline_id == pipeline_id)
    return _publics(conn, [dict(r) for r in conn.execute(query).mappings()])


def _agent_for_role(conn: Connection, workspace_id: int, role: str | None) -> str | None:
    if not role:
        return None
    name = conn.execute(
        sa.select(agents.c.name)
        .where(agents.c.workspace_id == workspace_id, agents.c.role == role)
        .order_by(sa.case((agents.c.status == "offline", 1), else_=0), agents.c.id)
        .limit(1)
    ).scalar()
    return str(name) if name is not None else None


def _start_step(conn: Connection, run: dict[str, Any], index: int, author: str, now: int) -> None:
    steps = run["steps_snapshot"]
    step = steps[index]
    template = get_template(conn, run["workspace_id"], step["template_id"])
    task = create_task(
        conn,
        title=template["name"],
        description=template["task_prompt"],
        created_by=author,
        workspace_id=run["workspace_id"],
        assigned_to=_agent_for_role(conn, run["workspace_id"], template["agent_role"]),
        tags=template["tags"],
        metadata={
            "pipeline_run_id": run["id"],
            "pipeline_id": run["pipeline_id"],
            "pipeline_step": index,
            "workflow_template_id": template["id"],
            "model": template["model"],
            "timeout_seconds": template["timeout_seconds"],
        },
        now=now,
    )
    mark_used(conn, template["id"], now)
    steps[index] = {**step, "status": "running", "task_id": task["id"], "started_at": now}
    run["current_step"] = index


def _save(conn: Connection, run: dict[str, Any]) -> None:
    conn.execute(
        sa.update(pipeline_runs)
        .where(pipeline_runs.c.id == run["id"])
        .values(
            status=run["status"],
            current_step=run["current_step"],
            steps_snapshot=[dict(s) for s in run["steps_snapshot"]],
            completed_at=run.get("completed_at"),
        )
    )
    publish(
        conn,
        run["workspace_id"],
        "pipeline.run_updated",
        {"id": run["id"], "pipeline_id": run["pipeline_id"], "status": run["status"]},
    )


def start_run(conn: Connection, actor: Actor, pipeline_id: int) -> dict[str, Any]:
    pipeline = get_pipeline(conn, actor.workspace_id, pipeline_id)
    now = int(time.time())
    snapshot = [
        {
            "template_id": s["template_id"],
            "template_name": s.get("template_name"),
            "on_failure": s.get("on_failure", "stop"),
            "status": "pending",
            "task_id": None,
            "started_at": None,
            "completed_at": None,
            "error": None,
        }
        for s in pipeline["steps"]
    ]
    run: dict[str, Any] = {
        "pipeline_id": pipeline_id,
        "status": "running",
        "current_step": 0,
        "steps_snapshot": snapshot,
        "started_at": now,
        "completed_at": None,
        "triggered_by": actor.display_name,
        "workspace_id": actor.workspace_id,
        "created_at": now,
    }
    run["id"] = inserted_id(conn.execute(sa.insert(pipeline_runs).values(**run)))
    _start_step(conn, run, 0, actor.display_name, now)
    _save(conn, run)
    conn.execute(
        sa.update(workflow_pipelines)
        .where(workflow_pipelines.c.id == pipeline_id)
        .values(use_count=workflow_pipelines.c.use_count + 1, last_used_at=now)
    )
    audit(
        conn,
        actor,
        "pipeline_start",
        target_type="pipeline_run",
        target_id=run["id"],
        detail={"pipeline_id": pipeline_id, "name": pipeline["name"]},
    )
    log_activity(
        conn,
        type="pipeline_started",
        entity_type="pipeline",
        entity_id=pipeline_id,
        actor=actor.display_name,
        description=f"Started pipeline {pipeline['name']}",
        data={"run_id": run["id"]},
        workspace_id=actor.workspace_id,
    )
    return get_run(conn, actor.workspace_id, run["id"])


def _finish_step(
    conn: Connection, run: dict[str, Any], success: bool, error: str | None, author: str
) -> None:
    """Close the current step and start the next one (or end the run)."""
    now = int(time.time())
    index = run["current_step"]
    steps = run["steps_snapshot"]
    step = steps[index]
    steps[index] = {
        **step,
        "status": "completed" if success else "failed",
        "completed_at": now,
        "error": None if success else (error or "Step failed"),
    }
    if not success and step.get("on_failure", "stop") == "stop":
        for later in range(index + 1, len(steps)):
            steps[later] = {**steps[later], "status": "skipped"}
        run.update(status="failed", completed_at=now)
    elif index + 1 >= len(steps):
        failed = any(s["status"] == "failed" for s in steps)
        run.update(status="completed_with_errors" if failed else "completed", completed_at=now)
    else:
        _start_step(conn, run, index + 1, author, now)
    _save(conn, run)


def advance_run(
    conn: Connection, actor: Actor, run_id: int, success: bool, error: str | None
) -> dict[str, Any]:
    run = _run_row(conn, actor.workspace_id, run_id)
    if run["status"] not in ACTIVE:
        raise BadRequest(f"Run is {run['status']}, not running")
    _finish_step(conn, run, success, error, actor.display_name)
    audit(
        conn,
        actor,
        "pipeline_advance",
        target_type="pipeline_run",
        target_id=run_id,
        detail={"success": success, "status": run["status"]},
    )
    return get_run(conn, actor.workspace_id, run_id)


def cancel_run(conn: Connection, actor: Actor, run_id: int) -> dict[str, Any]:
    run = _run_row(conn, actor.workspace_id, run_id)
    if run["status"] not in ACTIVE:
        raise BadRequest(f"Run is {run['status']}, not running")
    now = int(time.time())
    run["steps_snapshot"] = [
        {**s, "status": "cancelled"} if s["status"] in ("pending", "running") else s
        for s in run["steps_snapshot"]
    ]
    run.update(status="cancelled", completed_at=now)
    _save(conn, run)
    audit(conn, actor, "pipeline_cancel", target_type="pipeline_run", target_id=run_id)
    return get_run(conn, actor.workspace_id, run_id)


def ends_a_step(conn: Connection, task_id: int) -> bool:
    """A cheap read: is this a finished task that belongs to a pipeline run?"""
    task = conn.execute(
        sa.select(tasks.c.status, tasks.c.metadata).where(tasks.c.id == task_id)
    ).first()
    if task is None or task.status not in FINISHED_TASK:
        return False
    meta = task.metadata if isinstance(task.metadata, dict) else {}
    return isinstance(meta.get("pipeline_run_id"), int)


def advance_for_task(conn: Connection, task_id: int) -> bool:
    """If `task_id` is the running step of a pipeline run and has reached done or failed,
    move that run on. Safe to call any number of times and from every instance."""
    task = conn.execute(
        sa.select(tasks.c.status, tasks.c.metadata, tasks.c.error_message).where(
            tasks.c.id == task_id
        )
    ).first()
    if task is None or task.status not in FINISHED_TASK:
        return False
    meta = task.metadata if isinstance(task.metadata, dict) else {}
    run_id, index = meta.get("pipeline_run_id"), meta.get("pipeline_step")
    if not isinstance(run_id, int) or not isinstance(index, int):
        return False
    try:
        run = _run_row(conn, None, run_id)
    except NotFound:
        return False
    steps = run["steps_snapshot"]
    if (
        run["status"] != "running"
        or run["current_step"] != index
        or index >= len(steps)
        or steps[index].get("task_id") != task_id
        or steps[index].get("status") != "running"
    ):
        return False
    _finish_step(conn, run, FINISHED_TASK[task.status], task.error_message, "pipeline")
    return True


def stalled_steps(conn: Connection, limit: int = 500) -> list[int]:
    """Task ids of running steps whose task already finished: their event was missed (for
    instance the server stopped between the task's change and the watcher's turn)."""
    task_ids: list[int] = []
    rows = conn.execute(
        sa.select(pipeline_runs.c.current_step, pipeline_runs.c.steps_snapshot)
        .where(pipeline_runs.c.status == "running")
        .order_by(pipeline_runs.c.id)
        .limit(limit)
    ).all()
    for index, steps in rows:
        if isinstance(steps, list) and 0 <= index < len(steps):
            task_id = steps[index].get("task_id")
            if isinstance(task_id, int):
                task_ids.append(task_id)
    if not task_ids:
        return []
    finished = conn.execute(
        sa.select(tasks.c.id).where(tasks.c.id.in_(task_ids), tasks.c.status.in_(FINISHED_TASK))
    ).scalars()
    return sorted(int(i) for i in finished)
