"""/api/pipelines and runs: steps become tasks, finished tasks move the run on."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import sqlalchemy as sa

from mission_control.db.tables import agents, audit_log, tasks
from mission_control.events.bus import publish
from tests.conftest import AppHarness


async def _template(client: Any, name: str, role: str | None = None) -> int:
    body: dict[str, Any] = {"name": name, "task_prompt": f"Do {name}"}
    if role:
        body["agent_role"] = role
    resp = await client.post("/api/workflows", json=body)
    assert resp.status_code == 201
    return int(resp.json()["template"]["id"])


async def _pipeline(client: Any, steps: list[dict[str, Any]]) -> int:
    resp = await client.post("/api/pipelines", json={"name": "Ship", "steps": steps})
    assert resp.status_code == 201, resp.text
    return int(resp.json()["pipeline"]["id"])


def _finish_task(conn: Any, task_id: int, status: str, error: str | None = None) -> None:
    # What the tasks service does when a task reaches done/failed.
    conn.execute(
        sa.update(tasks).where(tasks.c.id == task_id).values(status=status, error_message=error)
    )
    publish(conn, 1, "task.status_changed", {"id": task_id, "status": status})


async def _wait_for(client: Any, run_id: int, predicate: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while True:
        run = (await client.get("/api/pipelines/run", params={"id": run_id})).json()["run"]
        if predicate(run) or time.monotonic() > deadline:
            return dict(run)
        await asyncio.sleep(0.02)


async def _task(h: AppHarness, task_id: int) -> dict[str, Any]:
    return await h.rt.db.read(
        lambda c: dict(c.execute(sa.select(tasks).where(tasks.c.id == task_id)).mappings().one())
    )


async def test_pipeline_crud_and_missing_template(operator: Any, viewer: Any) -> None:
    a, b = await _template(operator, "build"), await _template(operator, "test")
    pid = await _pipeline(
        operator, [{"template_id": a}, {"template_id": b, "on_failure": "continue"}]
    )
    listed = (await viewer.get("/api/pipelines")).json()["pipelines"]
    assert listed[0]["steps"][1] == {
        "template_id": b,
        "on_failure": "continue",
        "template_name": "test",
    }
    bad = await operator.post(
        "/api/pipelines", json={"name": "x", "steps": [{"template_id": a}, {"template_id": 999}]}
    )
    assert bad.status_code == 400
    assert "Template not found" in bad.json()["error"]
    assert len((await viewer.get("/api/pipelines")).json()["pipelines"]) == 1
    for steps in (
        [{"template_id": a}],
        [{"template_id": a}] * 51,
        [{"template_id": a, "on_failure": "retry"}] * 2,
    ):
        assert (
            await operator.post("/api/pipelines", json={"name": "x", "steps": steps})
        ).status_code == 400
    upd = await operator.put(
        "/api/pipelines", json={"id": pid, "steps": [{"template_id": b}, {"template_id": 999}]}
    )
    assert upd.status_code == 400
    upd = await operator.put("/api/pipelines", json={"id": pid, "name": "Ship it"})
    assert upd.status_code == 200 and upd.json()["pipeline"]["name"] == "Ship it"
    assert (await operator.put("/api/pipelines", json={"id": 999, "name": "x"})).status_code == 404
    assert (
        await viewer.post("/api/pipelines", json={"name": "x", "steps": [{"template_id": a}] * 2})
    ).status_code == 403
    none = await operator.request("DELETE", "/api/pipelines")
    assert none.status_code == 400 and "body required" in none.json()["error"]
    gone = await operator.request("DELETE", "/api/pipelines", json={"id": pid})
    assert gone.json() == {"success": True}


async def test_run_advances_itself_when_tasks_finish(harness: AppHarness, operator: Any) -> None:
    await harness.rt.db.write(
        lambda c: c.execute(
            sa.insert(agents).values(
                name="qa-bot", role="qa", status="idle", created_at=1, updated_at=1
            )
        )
    )
    a, b = await _template(operator, "build"), await _template(operator, "verify", role="qa")
    pid = await _pipeline(operator, [{"template_id": a}, {"template_id": b}])
    started = await operator.post(
        "/api/pipelines/run", json={"action": "start", "pipeline_id": pid}
    )
    assert started.status_code == 200, started.text
    run = started.json()["run"]
    assert run["status"] == "running" and run["current_step"] == 0
    first_task = run["steps"][0]["task_id"]
    task = await _task(harness, first_task)
    assert task["title"] == "build" and task["description"] == "Do build"
    assert task["metadata"]["pipeline_run_id"] == run["id"]
    assert task["metadata"]["pipeline_step"] == 0
    assert task["created_by"] == "ops-person"

    await harness.rt.db.write(_finish_task, first_task, "done")
    run = await _wait_for(operator, run["id"], lambda r: r["current_step"] == 1)
    assert run["steps"][0]["status"] == "completed" and run["status"] == "running"
    second = await _task(harness, run["steps"][1]["task_id"])
    assert second["assigned_to"] == "qa-bot" and second["status"] == "assigned"

    await harness.rt.db.write(_finish_task, second["id"], "done")
    run = await _wait_for(operator, run["id"], lambda r: r["status"] != "running")
    assert run["status"] == "completed" and run["completed_at"]
    # a duplicate event changes nothing
    await harness.rt.db.write(_finish_task, second["id"], "done")
    await asyncio.sleep(0.1)
    assert (await _wait_for(operator, run["id"], lambda r: True))["status"] == "completed"


async def test_failed_continue_step_completes_with_errors(
    harness: AppHarness, operator: Any
) -> None:
    a, b = await _template(operator, "a"), await _template(operator, "b")
    pid = await _pipeline(
        operator, [{"template_id": a, "on_failure": "continue"}, {"template_id": b}]
    )
    run = (
        await operator.post("/api/pipelines/run", json={"action": "start", "pipeline_id": pid})
    ).json()["run"]
    await harness.rt.db.write(_finish_task, run["steps"][0]["task_id"], "failed", "it broke")
    run = await _wait_for(operator, run["id"], lambda r: r["current_step"] == 1)
    assert run["steps"][0]["status"] == "failed" and run["steps"][0]["error"] == "it broke"
    await harness.rt.db.write(_finish_task, run["steps"][1]["task_id"], "done")
    run = await _wait_for(operator, run["id"], lambda r: r["status"] != "running")
    assert run["status"] == "completed_with_errors"


async def test_failed_stop_step_fails_the_run(harness: AppHarness, operator: Any) -> None:
    a, b = await _template(operator, "a"), await _template(operator, "b")
    pid = await _pipeline(operator, [{"template_id": a}, {"template_id": b}])
    run = (
        await operator.post("/api/pipelines/run", json={"action": "start", "pipeline_id": pid})
    ).json()["run"]
    adv = await operator.post(
        "/api/pipelines/run",
        json={"action": "advance", "run_id": run["id"], "success": False, "error": "nope"},
    )
    assert adv.status_code == 200
    run = adv.json()["run"]
    assert run["status"] == "failed"
    assert [s["status"] for s in run["steps"]] == ["failed", "skipped"]
    again = await operator.post(
        "/api/pipelines/run", json={"action": "advance", "run_id": run["id"]}
    )
    assert again.status_code == 400


async def test_manual_advance_cancel_and_listing(
    harness: AppHarness, operator: Any, viewer: Any
) -> None:
    a, b = await _template(operator, "a"), await _template(operator, "b")
    pid = await _pipeline(operator, [{"template_id": a}, {"template_id": b}])
    run = (
        await operator.post("/api/pipelines/run", json={"action": "start", "pipeline_id": pid})
    ).json()["run"]
    adv = (
        await operator.post("/api/pipelines/run", json={"action": "advance", "run_id": run["id"]})
    ).json()["run"]
    assert adv["current_step"] == 1 and adv["steps"][0]["status"] == "completed"
    cancelled = await operator.post(
        "/api/pipelines/run", json={"action": "cancel", "run_id": run["id"]}
    )
    assert cancelled.json()["run"]["status"] == "cancelled"
    runs = (await viewer.get("/api/pipelines/run", params={"pipeline_id": pid})).json()["runs"]
    assert [r["id"] for r in runs] == [run["id"]]
    assert (await viewer.get("/api/pipelines/run", params={"id": 999})).status_code == 404
    assert (await viewer.get("/api/pipelines/run", params={"id": "x"})).status_code == 400
    actions = await harness.rt.db.read(
        lambda c: list(
            c.execute(
                sa.select(audit_log.c.action)
                .where(audit_log.c.action.like("pipeline_%"))
                .order_by(audit_log.c.id)
            ).scalars()
        )
    )
    assert actions == ["pipeline_start", "pipeline_advance", "pipeline_cancel"]


async def test_run_action_validation_and_roles(operator: Any, viewer: Any) -> None:
    assert (
        await viewer.post("/api/pipelines/run", json={"action": "start", "pipeline_id": 1})
    ).status_code == 403
    assert (
        await operator.post("/api/pipelines/run", json={"action": "explode"})
    ).status_code == 400
    assert (await operator.post("/api/pipelines/run", json={"action": "start"})).status_code == 400
    assert (await operator.post("/api/pipelines/run", json={"action": "cancel"})).status_code == 400
    assert (
        await operator.post("/api/pipelines/run", json={"action": "start", "pipeline_id": 999})
    ).status_code == 404


async def test_real_task_api_moves_the_run(harness: AppHarness, operator: Any) -> None:
    """Failing a step's task through /api/tasks and approving the next through the
    Aegis review (which marks it done) moves the run on, as an agent's work would."""
    from tests.tasks.conftest import agent_key_client

    a, b = await _template(operator, "lint"), await _template(operator, "deploy")
    pid = await _pipeline(
        operator, [{"template_id": a, "on_failure": "continue"}, {"template_id": b}]
    )
    run = (
        await operator.post("/api/pipelines/run", json={"action": "start", "pipeline_id": pid})
    ).json()["run"]
    first = run["steps"][0]["task_id"]
    failed = await operator.put(
        f"/api/tasks/{first}", json={"status": "failed", "error_message": "lint errors"}
    )
    assert failed.status_code == 200, failed.text
    run = await _wait_for(operator, run["id"], lambda r: r["current_step"] == 1)
    assert run["steps"][0]["status"] == "failed" and run["steps"][0]["error"] == "lint errors"
    second = run["steps"][1]["task_id"]
    await operator.put(f"/api/tasks/{second}", json={"status": "review"})
    aegis = await agent_key_client(harness, "aegis", ["admin"])
    try:
        approved = await aegis.post(
            "/api/quality-review", json={"taskId": second, "status": "approved", "notes": "ok"}
        )
        assert approved.status_code == 200, approved.text
    finally:
        await aegis.aclose()
    run = await _wait_for(operator, run["id"], lambda r: r["status"] != "running")
    assert run["status"] == "completed_with_errors"
    assert [s["status"] for s in run["steps"]] == ["failed", "completed"]


async def test_template_in_use_cannot_be_deleted(operator: Any, viewer: Any) -> None:
    a, b = await _template(operator, "a"), await _template(operator, "b")
    await _pipeline(operator, [{"template_id": a}, {"template_id": b}])
    refused = await operator.request("DELETE", "/api/workflows", json={"id": a})
    assert refused.status_code == 409 and refused.json()["pipelines"] == ["Ship"]
    names = {t["name"] for t in (await viewer.get("/api/workflows")).json()["templates"]}
    assert names == {"a", "b"}


async def test_missing_template_saves_nothing(harness: AppHarness, operator: Any) -> None:
    a = await _template(operator, "a")
    pid = await _pipeline(operator, [{"template_id": a}, {"template_id": a}])
    bad = await operator.post(
        "/api/pipelines",
        json={"name": "broken", "steps": [{"template_id": a}, {"template_id": a + 100}]},
    )
    assert bad.status_code == 400 and bad.json()["missing_templates"] == [a + 100]
    upd = await operator.put(
        "/api/pipelines",
        json={"id": pid, "name": "renamed", "steps": [{"template_id": a + 100}] * 2},
    )
    assert upd.status_code == 400
    pipelines = (await operator.get("/api/pipelines")).json()["pipelines"]
    assert [(p["name"], len(p["steps"])) for p in pipelines] == [("Ship", 2)]
    runs = await harness.rt.db.read(
        lambda c: c.execute(sa.select(sa.func.count()).select_from(tasks)).scalar()
    )
    assert runs == 0


async def test_lists_are_capped(operator: Any, viewer: Any) -> None:
    a = await _template(operator, "a")
    for _ in range(3):
        await _pipeline(operator, [{"template_id": a}, {"template_id": a}])
    listed = await viewer.get("/api/pipelines", params={"limit": 2})
    assert len(listed.json()["pipelines"]) == 2
    assert (await viewer.get("/api/pipelines", params={"limit": "x"})).status_code == 400
    assert len((await viewer.get("/api/workflows", params={"limit": 0})).json()["templates"]) == 1


async def test_a_step_finished_while_no_one_listened_is_caught_up(
    harness: AppHarness, operator: Any
) -> None:
    a, b = await _template(operator, "a"), await _template(operator, "b")
    pid = await _pipeline(operator, [{"template_id": a}, {"template_id": b}])
    run = (
        await operator.post("/api/pipelines/run", json={"action": "start", "pipeline_id": pid})
    ).json()["run"]
    first = run["steps"][0]["task_id"]
    # No watcher listens from here on (as if the server were down), so only the catch-up
    # can move the run.
    harness.rt.bus._listeners.remove(harness.rt.pipelines.on_event)
    await harness.rt.pipelines.drain()
    await harness.rt.db.write(
        lambda c: c.execute(sa.update(tasks).where(tasks.c.id == first).values(status="done"))
    )
    assert await harness.rt.pipelines.catch_up() == 1
    moved = (await operator.get("/api/pipelines/run", params={"id": run["id"]})).json()["run"]
    assert moved["current_step"] == 1 and moved["steps"][0]["status"] == "completed"
    assert await harness.rt.pipelines.catch_up() == 0
