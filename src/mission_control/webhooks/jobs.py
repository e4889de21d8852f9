"""The scheduler's `webhook_retry` job."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mission_control.runtime import Runtime


async def run_webhook_retry(rt: Runtime) -> str:
    """Queue deliveries for new events and send every due delivery and retry.

    With a delivery process the work is its own: it is woken rather than done here, so the
    server's loop never drains a backlog."""
    if rt.webhook_sender is not None:
        rt.webhook_sender.wake()
        return "woke the delivery process"
    if rt.settings.webhook_sender == "off":
        return "not sent from this process (MC_WEBHOOK_SENDER=off)"
    result = await rt.webhooks.run_once()
    return f"queued {result['queued']}, sent {result['sent']}"
