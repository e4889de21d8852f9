"""The scheduler's `webhook_retry` job."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mission_control.runtime import Runtime


async def run_webhook_retry(rt: Runtime) -> str:
    """Queue deliveries for new events and send every due delivery and retry."""
    result = await rt.webhooks.run_once()
    return f"queued {result['queued']}, sent {result['sent']}"
