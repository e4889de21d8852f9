"""Webhook event names: which exist, which a webhook's list matches, and how bus events map."""

from __future__ import annotations

import re
from typing import Any

from mission_control.errors import BadRequest

EXACT_EVENTS = frozenset(
    {
        "agent.status_change",
        "agent.error",
        "task.created",
        "task.updated",
        "task.deleted",
        "task.status_changed",
        "alert.triggered",
        "test.ping",
    }
)
# Families whose second part is open: the activity type, notification type or audit action.
FAMILIES = ("activity", "notification", "security")
_SUFFIX = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,47}$")
MAX_EVENTS = 50

# Bus events that pass through under the same name.
_SAME_NAME = frozenset(
    {"task.created", "task.updated", "task.deleted", "task.status_changed", "alert.triggered"}
)


def validate_events(raw: Any) -> list[str]:
    """A webhook's event list: `*`, known names, `<family>.<type>` or `<family>.*`."""
    if raw is None:
        return ["*"]
    if not isinstance(raw, list) or not all(isinstance(e, str) for e in raw):
        raise BadRequest("events must be a list of event names")
    if not raw:
        raise BadRequest('events must not be empty (use ["*"] for all events)')
    if len(raw) > MAX_EVENTS:
        raise BadRequest(f"At most {MAX_EVENTS} event names")
    unknown = [e for e in raw if not is_known_event(e)]
    if unknown:
        raise BadRequest(f"Unknown event type: {unknown[0][:80]}", unknown=unknown[:10])
    return list(dict.fromkeys(raw))


def is_known_event(name: str) -> bool:
    if name == "*" or name in EXACT_EVENTS:
        return True
    family, dot, suffix = name.partition(".")
    return bool(dot) and family in FAMILIES and (suffix == "*" or bool(_SUFFIX.match(suffix)))


def matches(subscribed: list[str], event_type: str) -> bool:
    """True when a webhook subscribed to `subscribed` receives `event_type`."""
    if "*" in subscribed or event_type in subscribed:
        return True
    family = event_type.split(".", 1)[0]
    return f"{family}.*" in subscribed


def _clean(value: Any) -> str | None:
    if isinstance(value, str) and _SUFFIX.match(value):
        return value
    return None


def webhook_events_for(bus_type: str, data: Any) -> list[str]:
    """The webhook event types a bus event becomes (none for most internal events)."""
    payload = data if isinstance(data, dict) else {}
    if bus_type in _SAME_NAME:
        return [bus_type]
    if bus_type == "activity.created":
        kind = _clean(payload.get("type"))
        return [f"activity.{kind}"] if kind else []
    if bus_type == "notification.created":
        kind = _clean(payload.get("type"))
        return [f"notification.{kind}"] if kind else []
    if bus_type == "agent.status_changed":
        names = ["agent.status_change"]
        if payload.get("status") == "error":
            names.append("agent.error")
        return names
    if bus_type == "audit.security":
        action = _clean(payload.get("action") or payload.get("event_type"))
        return [f"security.{action}"] if action else []
    if bus_type == "test.ping":
        return ["test.ping"]
    return []
