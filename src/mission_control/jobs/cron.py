"""Checking cron expressions and time zones for recurring tasks (no database, no app)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter


def valid_cron(expr: Any) -> bool:
    """Exactly five fields (minute hour day-of-month month day-of-week) that croniter reads."""
    return isinstance(expr, str) and len(expr.split()) == 5 and bool(croniter.is_valid(expr))


def zone_of(name: Any) -> ZoneInfo | None:
    """The IANA zone named (UTC when absent), or None for a name that is not a zone."""
    if name in (None, ""):
        return ZoneInfo("UTC")
    if not isinstance(name, str) or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def recurrence_problem(metadata: Any) -> str | None:
    """Why `metadata.recurrence` cannot be scheduled, or None when it can (or is absent)."""
    if not isinstance(metadata, dict) or "recurrence" not in metadata:
        return None
    rec = metadata["recurrence"]
    if rec is None:
        return None
    if not isinstance(rec, dict):
        return "metadata.recurrence must be an object {cron_expr, enabled?, timezone?}"
    if not valid_cron(rec.get("cron_expr")):
        return "metadata.recurrence.cron_expr must be a valid 5-field cron expression"
    if "enabled" in rec and not isinstance(rec["enabled"], bool):
        return "metadata.recurrence.enabled must be true or false"
    if zone_of(rec.get("timezone")) is None:
        return "metadata.recurrence.timezone must be an IANA time zone such as Europe/Berlin"
    return None
