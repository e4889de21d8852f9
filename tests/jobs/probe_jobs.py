"""Jobs for scheduler tests: they record how many copies run at once."""

from __future__ import annotations

import asyncio
from typing import Any

STATE: dict[str, Any] = {"active": 0, "max_active": 0, "calls": 0}


def reset() -> None:
    STATE.update(active=0, max_active=0, calls=0)


async def probe_job(rt: Any, now: float) -> str:
    STATE["active"] += 1
    STATE["calls"] += 1
    STATE["max_active"] = max(STATE["max_active"], STATE["active"])
    try:
        await asyncio.sleep(0.05)
    finally:
        STATE["active"] -= 1
    return f"probe at {int(now)}"


async def failing_job(rt: Any, now: float) -> str:
    raise RuntimeError("boom")
