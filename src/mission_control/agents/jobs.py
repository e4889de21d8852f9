"""Scheduled work of the agents package: the offline sweep (job `agent_heartbeat`)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.agents.service import sweep_offline
from mission_control.db.tables import settings_table

if TYPE_CHECKING:
    from mission_control.runtime import Runtime

TIMEOUT_SETTING = "general.agent_timeout_minutes"
DEFAULT_TIMEOUT_MINUTES = 10
MAX_TIMEOUT_MINUTES = 7 * 24 * 60


def timeout_minutes(conn: Connection) -> int:
    """`general.agent_timeout_minutes` from the settings table (default 10, at least 1)."""
    raw = conn.execute(
        sa.select(settings_table.c.value).where(settings_table.c.key == TIMEOUT_SETTING)
    ).scalar()
    if raw is None:
        return DEFAULT_TIMEOUT_MINUTES
    try:
        value = orjson.loads(raw) if not raw.strip().lstrip("-").isdigit() else int(raw)
        minutes = int(value)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        return DEFAULT_TIMEOUT_MINUTES
    return max(1, min(MAX_TIMEOUT_MINUTES, minutes))


def _sweep(conn: Connection, now: int) -> list[str]:
    return [agent["name"] for agent in sweep_offline(conn, now, timeout_minutes(conn))]


async def run_offline_sweep(rt: Runtime) -> str:
    """Mark silent agents offline; answers a one-line result for the scheduler's log."""
    swept = await rt.db.write(_sweep, int(time.time()))
    if not swept:
        return "no stale agents"
    return f"marked {len(swept)} agent(s) offline: {', '.join(swept[:20])}"
