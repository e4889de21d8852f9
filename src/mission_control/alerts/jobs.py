"""The scheduler's `alert_evaluate` job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mission_control.alerts.evaluate import evaluate_all

if TYPE_CHECKING:
    from mission_control.runtime import Runtime


async def run_alert_evaluation(rt: Runtime) -> str:
    """Evaluate every enabled rule of every workspace, at the scheduler's time."""
    result = await rt.db.write(evaluate_all, now=int(rt.scheduler.clock()))
    return f"evaluated {result['evaluated']}, triggered {result['triggered']}"
