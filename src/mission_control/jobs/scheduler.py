"""The in-process scheduler: ticks on a timer, runs due jobs under a database lease.

Each job's last run lives in `scheduler_jobs`, so with several instances a job is
due once for all of them; the lease (a conditional UPDATE) lets exactly one instance
run it, and the "last ran before" condition in the same UPDATE stops another instance
from re-running a slot that was just finished. Time comes from an injectable clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from mission_control.errors import Conflict, NotFound
from mission_control.jobs import lease
from mission_control.jobs.registry import JOBS, JobSpec
from mission_control.security.actor import Actor
from mission_control.security.audit import audit

if TYPE_CHECKING:
    from mission_control.runtime import Runtime

log = logging.getLogger("mission_control.scheduler")

Clock = Callable[[], float]
FIRST_RUN_DELAY = 300  # a fresh install runs each job at most this long after start
LEASE_TTL = 900


def _enabled_flags(conn: Connection, rt: Runtime) -> dict[str, bool]:
    from mission_control.settings_api.service import get_value

    return {job.id: bool(get_value(conn, rt.settings, job.setting_key)) for job in JOBS}


def _audit_run(conn: Connection, actor: Actor, job_id: str, result: str) -> None:
    audit(
        conn,
        actor,
        "scheduler_run",
        target_type="scheduler_job",
        target_id=job_id,
        detail={"result": result[:500]},
    )


class Scheduler:
    """Runs the named jobs of `registry.JOBS` on this instance when they are due."""

    def __init__(
        self,
        rt: Runtime,
        *,
        clock: Clock | None = None,
        holder: str | None = None,
        poll_seconds: float = 15.0,
        jobs: tuple[JobSpec, ...] = JOBS,
    ) -> None:
        self.rt = rt
        self.clock: Clock = clock or time.time
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.poll_seconds = poll_seconds
        self.jobs = jobs
        self._started_at: float | None = None
        self._running: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False

    # -- lifecycle --
    async def start(self, *, loop: bool = True) -> None:
        self._started_at = self.clock()
        await self.rt.db.write(lease.ensure_rows, [job.id for job in self.jobs])
        if loop:
            self._stopping = False
            self._task = asyncio.get_running_loop().create_task(self._run(), name="mc-scheduler")

    async def stop(self) -> None:
        # Let a running job finish rather than cancel it mid-transaction.
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()
            if self._stopping:
                return
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler tick failed")

    # -- scheduling --
    def _due_at(self, job: JobSpec, last_run: int | None) -> int:
        if last_run is not None:
            return last_run + job.interval_seconds
        started = self._started_at if self._started_at is not None else self.clock()
        return int(started) + min(job.interval_seconds, FIRST_RUN_DELAY)

    async def tick(self) -> list[str]:
        """Run every enabled job that is due now; returns the ids of the jobs this
        instance ran."""
        now = int(self.clock())
        rows = await self.rt.db.read(lease.job_rows)
        enabled = await self.rt.db.read(_enabled_flags, self.rt)
        ran: list[str] = []
        for job in self.jobs:
            if not enabled.get(job.id, job.default_enabled) or job.id in self._running:
                continue
            last_run = rows.get(job.id, {}).get("last_run_at")
            if self._due_at(job, last_run) > now:
                continue
            result = await self._execute(job, now, due_before=now - job.interval_seconds)
            if result is not None:
                ran.append(job.id)
        return ran

    async def _execute(self, job: JobSpec, now: int, *, due_before: int | None) -> str | None:
        """Run `job` if this instance gets its lease; None when another instance has it."""
        if job.id in self._running:
            return None
        got = await self.rt.db.write(
            lease.acquire, job.id, self.holder, now, LEASE_TTL, due_before=due_before
        )
        if not got:
            return None
        self._running.add(job.id)
        started = time.perf_counter()
        try:
            result = await self._call(job, now)
        finally:
            self._running.discard(job.id)
        duration = int((time.perf_counter() - started) * 1000)
        kept = await self.rt.db.write(
            lease.release, job.id, self.holder, ran_at=now, result=result, duration_ms=duration
        )
        if not kept:
            log.warning("lease on job %s expired while it ran", job.id)
        return result

    async def _call(self, job: JobSpec, now: int) -> str:
        fn = job.resolve()
        if fn is None:
            return f"skipped: {job.target.partition(':')[0]} is not available"
        try:
            return await fn(self.rt, float(now))
        except Exception as exc:
            log.exception("job %s failed", job.id)
            return f"error: {type(exc).__name__}: {str(exc)[:300]}"

    # -- API --
    async def run_now(self, job_id: str, actor: Actor) -> dict[str, Any]:
        """Run one job at once (outside its schedule), unless it is running somewhere."""
        job = next((j for j in self.jobs if j.id == job_id), None)
        if job is None:
            raise NotFound("Unknown scheduler task")
        result = await self._execute(job, int(self.clock()), due_before=None)
        if result is None:
            raise Conflict("Task is already running")
        await self.rt.db.write(_audit_run, actor, job.id, result)
        return {"success": True, "task_id": job.id, "result": result}

    async def status(self) -> list[dict[str, Any]]:
        now = int(self.clock())
        rows = await self.rt.db.read(lease.job_rows)
        enabled = await self.rt.db.read(_enabled_flags, self.rt)
        items: list[dict[str, Any]] = []
        for job in self.jobs:
            row = rows.get(job.id, {})
            leased = bool(row.get("lease_holder")) and (row.get("lease_expires_at") or 0) > now
            is_enabled = enabled.get(job.id, job.default_enabled)
            items.append(
                {
                    "id": job.id,
                    "name": job.name,
                    "enabled": is_enabled,
                    "interval": job.interval_seconds,
                    "lastRun": row.get("last_run_at"),
                    "nextRun": self._due_at(job, row.get("last_run_at")) if is_enabled else None,
                    "running": job.id in self._running or leased,
                    "lastResult": row.get("last_result"),
                    "lastDurationMs": row.get("last_duration_ms"),
                }
            )
        return items
