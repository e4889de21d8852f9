"""The scheduler: due jobs, toggles, run-now, and one run per slot across two instances."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from mission_control.db.tables import audit_log, scheduler_jobs
from mission_control.jobs import lease
from mission_control.jobs.registry import JobSpec
from mission_control.jobs.scheduler import FIRST_RUN_DELAY, Scheduler
from tests.conftest import AppHarness
from tests.jobs import probe_jobs

PROBE = JobSpec("probe", "Probe", 60, True, "tests.jobs.probe_jobs:probe_job")
FAILING = JobSpec("failing", "Failing", 60, True, "tests.jobs.probe_jobs:failing_job")
MISSING = JobSpec("missing", "Missing", 60, True, "mission_control.not_built_yet:run")


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def _scheduler(h: AppHarness, clock: FakeClock, holder: str, *jobs: JobSpec) -> Scheduler:
    s = Scheduler(h.rt, clock=clock, holder=holder, jobs=jobs)
    await s.start(loop=False)
    return s


async def test_job_runs_when_due_and_records_its_result(harness: AppHarness) -> None:
    probe_jobs.reset()
    clock = FakeClock()
    s = await _scheduler(harness, clock, "a", PROBE)
    assert await s.tick() == []  # a fresh install waits before the first run
    clock.now += FIRST_RUN_DELAY
    assert await s.tick() == ["probe"]
    assert await s.tick() == []  # not due again until its interval has passed
    clock.now += 59
    assert await s.tick() == []
    clock.now += 1
    assert await s.tick() == ["probe"]
    assert probe_jobs.STATE["calls"] == 2
    status = (await s.status())[0]
    assert status["lastRun"] == int(clock.now)
    assert status["nextRun"] == int(clock.now) + 60
    assert status["lastResult"] == f"probe at {int(clock.now)}"
    assert status["running"] is False


async def test_two_instances_run_each_slot_once_and_never_concurrently(
    harness_factory: Callable[..., Any],
) -> None:
    probe_jobs.reset()
    clock = FakeClock()
    async with (
        harness_factory(scheduler_enabled=False) as h1,
        harness_factory(scheduler_enabled=False) as h2,
    ):
        s1 = await _scheduler(h1, clock, "instance-1", PROBE)
        s2 = await _scheduler(h2, clock, "instance-2", PROBE)
        clock.now += FIRST_RUN_DELAY
        for _ in range(5):
            ran = await asyncio.gather(s1.tick(), s2.tick())
            assert sorted(j for r in ran for j in r) == ["probe"]
            # the same slot again on both: nobody runs it twice
            again = await asyncio.gather(s1.tick(), s2.tick())
            assert again == [[], []]
            clock.now += 60
        assert probe_jobs.STATE["calls"] == 5
        assert probe_jobs.STATE["max_active"] == 1


async def test_run_now_while_running_elsewhere_is_refused(
    harness_factory: Callable[..., Any],
) -> None:
    probe_jobs.reset()
    clock = FakeClock()
    async with (
        harness_factory(scheduler_enabled=False) as h1,
        harness_factory(scheduler_enabled=False) as h2,
    ):
        s1 = await _scheduler(h1, clock, "instance-1", PROBE)
        s2 = await _scheduler(h2, clock, "instance-2", PROBE)
        from mission_control.errors import Conflict
        from mission_control.security.actor import system_actor

        results = await asyncio.gather(
            s1.run_now("probe", system_actor("t1")),
            s2.run_now("probe", system_actor("t2")),
            return_exceptions=True,
        )
        assert sum(isinstance(r, Conflict) for r in results) == 1
        assert sum(isinstance(r, dict) and r["success"] for r in results) == 1
        assert probe_jobs.STATE["max_active"] == 1


async def test_expired_lease_of_a_dead_instance_is_taken_over(harness: AppHarness) -> None:
    probe_jobs.reset()
    clock = FakeClock()
    s = await _scheduler(harness, clock, "alive", PROBE)
    now = int(clock.now)
    assert await harness.rt.db.write(lease.acquire, "probe", "dead", now, 30)
    clock.now += FIRST_RUN_DELAY
    assert await s.tick() == ["probe"]  # the dead holder's lease expired after 30 s
    rows = await harness.rt.db.read(lease.job_rows)
    assert rows["probe"]["lease_holder"] is None


async def test_live_lease_blocks_other_instance(harness: AppHarness) -> None:
    clock = FakeClock()
    s = await _scheduler(harness, clock, "me", PROBE)
    clock.now += FIRST_RUN_DELAY
    assert await harness.rt.db.write(lease.acquire, "probe", "other", int(clock.now), 900)
    assert await s.tick() == []


async def test_failures_and_missing_modules_are_reported(harness: AppHarness) -> None:
    clock = FakeClock()
    s = await _scheduler(harness, clock, "me", FAILING, MISSING)
    clock.now += FIRST_RUN_DELAY
    assert sorted(await s.tick()) == ["failing", "missing"]
    status = {item["id"]: item for item in await s.status()}
    assert status["failing"]["lastResult"] == "error: RuntimeError: boom"
    assert status["missing"]["lastResult"].startswith("skipped:")


async def test_listing_shows_toggles_and_defaults(harness: AppHarness, admin: Any) -> None:
    resp = await admin.put("/api/settings", json={"settings": {"general.recurring_tasks": False}})
    assert resp.status_code == 200
    listing = (await admin.get("/api/scheduler")).json()["tasks"]
    recurring = next(t for t in listing if t["id"] == "recurring_tasks")
    assert recurring["enabled"] is False and recurring["nextRun"] is None
    backup = next(t for t in listing if t["id"] == "auto_backup")
    assert backup["enabled"] is False  # off by default


async def test_disabled_builtin_job_is_skipped_by_tick(harness: AppHarness, admin: Any) -> None:
    from mission_control.jobs.registry import JOBS_BY_ID

    clock = FakeClock()
    job = JOBS_BY_ID["recurring_tasks"]
    s = await _scheduler(harness, clock, "me", job)
    clock.now += FIRST_RUN_DELAY
    await admin.put("/api/settings", json={"settings": {"general.recurring_tasks": "false"}})
    assert await s.tick() == []
    await admin.put("/api/settings", json={"settings": {"general.recurring_tasks": True}})
    assert await s.tick() == ["recurring_tasks"]


async def test_scheduler_api_lists_and_runs_jobs(
    harness: AppHarness, admin: Any, operator: Any
) -> None:
    listing = await admin.get("/api/scheduler")
    assert listing.status_code == 200
    ids = [t["id"] for t in listing.json()["tasks"]]
    assert ids == [
        "agent_heartbeat",
        "webhook_retry",
        "alert_evaluate",
        "recurring_tasks",
        "retention_cleanup",
        "auto_backup",
    ]
    for item in listing.json()["tasks"]:
        assert set(item) >= {"id", "name", "enabled", "lastRun", "nextRun", "running", "lastResult"}
    assert (await operator.get("/api/scheduler")).status_code == 403
    assert (
        await operator.post("/api/scheduler", json={"task_id": "recurring_tasks"})
    ).status_code == 403
    run = await admin.post("/api/scheduler", json={"task_id": "recurring_tasks"})
    assert run.status_code == 200, run.text
    assert run.json()["success"] is True and run.json()["result"].startswith("spawned")
    assert (await admin.post("/api/scheduler", json={"task_id": "nope"})).status_code == 404
    assert (await admin.post("/api/scheduler", json={})).status_code == 400
    assert (await admin.post("/api/scheduler")).status_code == 400

    def audited(conn: Any) -> list[Any]:
        return list(
            conn.execute(
                sa.select(audit_log.c.target_id).where(audit_log.c.action == "scheduler_run")
            ).scalars()
        )

    assert await harness.rt.db.read(audited) == ["recurring_tasks"]
    row = await harness.rt.db.read(
        lambda c: (
            c.execute(sa.select(scheduler_jobs).where(scheduler_jobs.c.name == "recurring_tasks"))
            .mappings()
            .one()
        )
    )
    assert row["last_result"].startswith("spawned") and row["lease_holder"] is None


async def test_agent_heartbeat_without_agents_module_is_skipped(
    harness: AppHarness, admin: Any
) -> None:
    run = await admin.post("/api/scheduler", json={"task_id": "agent_heartbeat"})
    assert run.status_code == 200
    result = run.json()["result"]
    try:
        import mission_control.agents.jobs  # noqa: F401
    except ModuleNotFoundError:
        assert result == "skipped: mission_control.agents.jobs is not available"
    else:
        assert not result.startswith("error")
