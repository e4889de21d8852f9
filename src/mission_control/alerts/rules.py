"""What an alert rule may say: entities, their whitelisted fields, operators and configs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from mission_control.db.tables import activities, agents, connections, security_events, tasks
from mission_control.errors import BadRequest
from mission_control.security.security_events import SECURITY_EVENT_TYPES

ROW_OPERATORS = ("equals", "not_equals", "greater_than", "less_than", "contains")
COUNT_OPERATORS = ("count_above", "count_below")
OPERATORS = (*ROW_OPERATORS, *COUNT_OPERATORS, "age_minutes_above")
ACTION_TYPES = ("notification", "webhook")
MAX_WINDOW_MINUTES = 10080
DEFAULT_SECURITY_WINDOW = 5
MAX_ACTION_CONFIG_BYTES = 4000
MAX_CONDITION_VALUE = 500


@dataclass(frozen=True)
class Entity:
    """A table rules can look at: which columns are text, numbers or unix timestamps."""

    table: sa.Table
    text: frozenset[str]
    numbers: frozenset[str] = frozenset()
    times: frozenset[str] = frozenset()

    @property
    def fields(self) -> frozenset[str]:
        return self.text | self.numbers | self.times


ENTITIES: dict[str, Entity] = {
    "agent": Entity(
        agents,
        text=frozenset({"name", "role", "status", "last_activity", "runtime_type", "source"}),
        times=frozenset({"last_seen", "created_at", "updated_at"}),
    ),
    "task": Entity(
        tasks,
        text=frozenset(
            {"title", "status", "priority", "assigned_to", "created_by", "outcome", "error_message"}
        ),
        numbers=frozenset({"retry_count", "dispatch_attempts", "project_id", "feedback_rating"}),
        times=frozenset({"due_date", "completed_at", "created_at", "updated_at"}),
    ),
    # Agent sessions: the connections agents open with POST /api/connect.
    "session": Entity(
        connections,
        text=frozenset({"agent_name", "tool_name", "status"}),
        times=frozenset({"created_at", "last_heartbeat_at", "disconnected_at"}),
    ),
    "activity": Entity(
        activities,
        text=frozenset({"type", "entity_type", "actor", "description"}),
        numbers=frozenset({"entity_id"}),
        times=frozenset({"created_at"}),
    ),
    "security": Entity(
        security_events,
        text=frozenset({"event_type", "severity", "source", "agent_name", "ip_address"}),
    ),
}


def _number(value: str, what: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise BadRequest(f"{what} must be a number") from None
    if not math.isfinite(number):
        raise BadRequest(f"{what} must be a number")
    return number


def _positive_int(config: dict[str, Any], key: str, *, upper: int) -> int | None:
    if key not in config or config[key] is None:
        return None
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest(f"action_config.{key} must be an integer")
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"action_config.{key} must be an integer") from None
    if not 0 <= number <= upper:
        raise BadRequest(f"action_config.{key} must be between 0 and {upper}")
    return number


def condition_text(value: Any) -> str:
    """`condition_value` arrives as text or a number and is stored as text."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadRequest("condition_value must be a string or a number")
    text = value if isinstance(value, str) else format(value, "g")
    text = text.strip()
    if not text:
        raise BadRequest("condition_value is required")
    if len(text) > MAX_CONDITION_VALUE:
        raise BadRequest(f"condition_value is too long (max {MAX_CONDITION_VALUE} characters)")
    return text


def validate_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """Check a whole rule (after defaults and changes are applied); returns it cleaned."""
    entity_type = rule["entity_type"]
    entity = ENTITIES.get(entity_type)
    if entity is None:
        raise BadRequest(f"Invalid entity_type. Expected one of: {', '.join(ENTITIES)}")
    operator = rule["condition_operator"]
    if operator not in OPERATORS:
        raise BadRequest(f"Invalid condition_operator. Expected one of: {', '.join(OPERATORS)}")
    field = rule["condition_field"]
    if field not in entity.fields:
        allowed = ", ".join(sorted(entity.fields))
        raise BadRequest(
            f"Invalid condition_field '{str(field)[:64]}' for entity_type '{entity_type}'. "
            f"Allowed: {allowed}"
        )
    if rule["action_type"] not in ACTION_TYPES:
        raise BadRequest(f"Invalid action_type. Expected one of: {', '.join(ACTION_TYPES)}")
    value = condition_text(rule["condition_value"])
    config = rule.get("action_config") or {}
    if not isinstance(config, dict):
        raise BadRequest("action_config must be an object")
    if len(orjson.dumps(config)) > MAX_ACTION_CONFIG_BYTES:
        raise BadRequest(f"action_config is too large (max {MAX_ACTION_CONFIG_BYTES} bytes)")
    threshold = _positive_int(config, "threshold", upper=1_000_000_000)
    window = _positive_int(config, "window_minutes", upper=MAX_WINDOW_MINUTES)
    if window == 0:
        raise BadRequest(f"action_config.window_minutes must be between 1 and {MAX_WINDOW_MINUTES}")
    recipient = config.get("recipient")
    if recipient is not None and (not isinstance(recipient, str) or not 0 < len(recipient) <= 200):
        raise BadRequest("action_config.recipient must be a name of 1..200 characters")

    if entity_type == "security":
        if operator not in COUNT_OPERATORS:
            raise BadRequest("Security rules count events: use count_above or count_below")
        if field == "event_type" and value not in SECURITY_EVENT_TYPES:
            raise BadRequest(
                f"Unknown security event type. Expected one of: {', '.join(SECURITY_EVENT_TYPES)}"
            )
    if operator in COUNT_OPERATORS:
        # Without a threshold, the original's form: `condition_value` counts all rows.
        if threshold is None and not value.isdigit():
            raise BadRequest(
                "count rules need action_config.threshold (a count), or a whole-number "
                "condition_value to count all rows"
            )
    elif operator in ("greater_than", "less_than"):
        if field not in entity.numbers | entity.times:
            raise BadRequest(
                f"{operator} needs a numeric field: {', '.join(sorted(entity.numbers | entity.times))}"
            )
        _number(value, "condition_value")
    elif operator == "age_minutes_above":
        if field not in entity.times:
            raise BadRequest(
                f"age_minutes_above needs a time field: {', '.join(sorted(entity.times))}"
            )
        if _number(value, "condition_value") < 0:
            raise BadRequest("condition_value must be a number of minutes, 0 or more")
    elif operator == "contains" and field not in entity.text:
        raise BadRequest(f"contains needs a text field: {', '.join(sorted(entity.text))}")
    elif field in entity.numbers | entity.times:
        _number(value, "condition_value")
    return {**rule, "condition_value": value, "action_config": config}


def count_threshold(rule: dict[str, Any]) -> tuple[int, bool]:
    """(threshold, match rows by condition_value) of a count rule."""
    config = rule.get("action_config") or {}
    if config.get("threshold") is not None:
        return int(config["threshold"]), True
    return int(rule["condition_value"]), False


def window_minutes(rule: dict[str, Any]) -> int | None:
    config = rule.get("action_config") or {}
    if config.get("window_minutes") is not None:
        return int(config["window_minutes"])
    return DEFAULT_SECURITY_WINDOW if rule["entity_type"] == "security" else None
