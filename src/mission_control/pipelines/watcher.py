"""Moves pipeline runs on when their step's task finishes, by listening to task events."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from mission_control.events.bus import Event
from mission_control.pipelines.runs import (
    FINISHED_TASK,
    advance_for_task,
    ends_a_step,
    stalled_steps,
)

if TYPE_CHECKING:
    from mission_control.runtime import Runtime

log = logging.getLogger("mission_control.pipelines")

TASK_EVENTS = frozenset({"task.status_changed", "task.updated", "task.created"})


def cannot_end_a_step(data: Any) -> bool:
    """Whether the event itself shows its task did not finish a pipeline step: it names a
    status that is not a finished one, or metadata without a pipeline run. Every change to a
    finished status publishes an event that names that status, so skipping the database
    check for these events misses no step."""
    if not isinstance(data, dict) or isinstance(data.get("task"), dict):
        return False
    status = data.get("status")
    if isinstance(status, str) and status not in FINISHED_TASK:
        return True
    metadata = data.get("metadata")
    return isinstance(metadata, dict) and not isinstance(metadata.get("pipeline_run_id"), int)


def task_id_of(data: Any) -> int | None:
    """The task id in an event's data, whatever shape the publisher chose."""
    if not isinstance(data, dict):
        return None
    task = data.get("task")
    for candidate in (
        task.get("id") if isinstance(task, dict) else None,
        data.get("task_id"),
        data.get("taskId"),
        data.get("id"),
    ):
        if isinstance(candidate, int) and not isinstance(candidate, bool):
            return candidate
    return None


class PipelineWatcher:
    """A bus listener: on a task event it checks (in the database) whether that task ends
    a pipeline step; the check is idempotent, so duplicate events are harmless."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._pending: set[asyncio.Task[None]] = set()
        rt.bus.add_listener(self.on_event)

    def on_event(self, event: Event) -> None:
        if event.type not in TASK_EVENTS or cannot_end_a_step(event.data):
            return
        task_id = task_id_of(event.data)
        if task_id is None:
            return
        job = asyncio.get_running_loop().create_task(self._advance(task_id))
        self._pending.add(job)
        job.add_done_callback(self._pending.discard)

    async def _advance(self, task_id: int) -> None:
        try:
            if await self.rt.db.read(ends_a_step, task_id):
                await self.rt.db.write(advance_for_task, task_id)
        except Exception:
            log.exception("advancing the pipeline of task %s failed", task_id)

    async def catch_up(self) -> int:
        """Advance the runs whose step task finished while no watcher was listening (run at
        start; idempotent, so every instance may do it)."""
        moved = 0
        try:
            for task_id in await self.rt.db.read(stalled_steps):
                if await self.rt.db.write(advance_for_task, task_id):
                    moved += 1
        except Exception:
            log.exception("catching up on pipeline runs failed")
        return moved

    async def drain(self) -> None:
        while self._pending:
            await asyncio.gather(*tuple(self._pending), return_exceptions=True)
