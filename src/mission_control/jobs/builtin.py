"""The scheduled jobs that call into other packages (some built by other parts of the app)."""

from __future__ import annotations

import importlib
import inspect
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mission_control.runtime import Runtime


def _describe(value: Any) -> str:
    if value is None:
        return "ok"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items() if not isinstance(v, list | dict))
    return str(value)


async def _call_optional(module_name: str, attr: str, rt: Runtime) -> str:
    """Call `module.attr(rt)` (sync or async); a module not in this build is skipped."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            return f"skipped: {module_name} is not available"
        raise
    fn = getattr(module, attr, None)
    if fn is None:
        return f"skipped: {module_name}.{attr} is not available"
    value = fn(rt)
    if inspect.isawaitable(value):
        value = await value
    return _describe(value)


async def agent_heartbeat(rt: Runtime, now: float) -> str:
    """Mark agents offline whose heartbeat is too old."""
    return await _call_optional("mission_control.agents.jobs", "run_offline_sweep", rt)


async def webhook_retry(rt: Runtime, now: float) -> str:
    """Re-send webhook deliveries whose retry time has come."""
    return await _call_optional("mission_control.webhooks.jobs", "run_webhook_retry", rt)


async def alert_evaluate(rt: Runtime, now: float) -> str:
    """Evaluate the enabled alert rules."""
    return await _call_optional("mission_control.alerts.jobs", "run_alert_evaluation", rt)


async def retention_cleanup(rt: Runtime, now: float) -> str:
    """Delete rows older than each table's retention."""
    from mission_control.retention.service import run_cleanup
    from mission_control.security.actor import system_actor

    report = await rt.db.write(
        run_cleanup, rt.settings, system_actor("scheduler"), dry_run=False, now=int(now)
    )
    return f"deleted {report['total_deleted']} rows"


async def auto_backup(rt: Runtime, now: float) -> str:
    """Take a backup of the SQLite database and prune old ones."""
    from mission_control.backups.service import scheduled_backup

    return await scheduled_backup(rt, int(now))
