"""The named jobs: what each does, how often, and whether it is on by default."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mission_control.runtime import Runtime

# A job receives the runtime and the scheduler's "now" and returns a short result text.
JobFn = Callable[["Runtime", float], Awaitable[str]]

MINUTE = 60
DAY = 86400


@dataclass(frozen=True)
class JobSpec:
    id: str
    name: str
    interval_seconds: int
    default_enabled: bool
    target: str  # "module:function", imported when the job runs

    @property
    def setting_key(self) -> str:
        return f"general.{self.id}"

    def resolve(self) -> JobFn | None:
        """The job's function, or None when its module is not part of this build."""
        module_name, _, attr = self.target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # Only a missing target module means "not built"; a broken import inside it is a bug.
            if exc.name is not None and module_name.startswith(exc.name):
                return None
            raise
        fn: JobFn | None = getattr(module, attr, None)
        return fn


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        "agent_heartbeat",
        "Agent heartbeat sweep",
        5 * MINUTE,
        True,
        "mission_control.jobs.builtin:agent_heartbeat",
    ),
    JobSpec(
        "webhook_retry",
        "Webhook retries",
        MINUTE,
        True,
        "mission_control.jobs.builtin:webhook_retry",
    ),
    JobSpec(
        "alert_evaluate",
        "Alert rule evaluation",
        MINUTE,
        True,
        "mission_control.jobs.builtin:alert_evaluate",
    ),
    JobSpec(
        "recurring_tasks",
        "Recurring tasks",
        MINUTE,
        True,
        "mission_control.jobs.recurring:recurring_tasks_job",
    ),
    JobSpec(
        "retention_cleanup",
        "Retention cleanup",
        DAY,
        True,
        "mission_control.jobs.builtin:retention_cleanup",
    ),
    JobSpec(
        "auto_backup",
        "Automatic backup",
        DAY,
        False,
        "mission_control.jobs.builtin:auto_backup",
    ),
)

JOBS_BY_ID = {job.id: job for job in JOBS}
