"""The declared settings: every key the API accepts, with its type, default and category."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from mission_control.jobs.registry import JOBS
from mission_control.settings import Settings
from mission_control.tokens.pricing import parse_overrides

SettingType = Literal["string", "int", "bool", "json"]

# Retention keys and the env-backed defaults they fall back to (`Settings.retention_days()`).
RETENTION_TABLES = (
    "activities",
    "audit_log",
    "notifications",
    "pipeline_runs",
    "token_usage",
    "security_events",
    "webhook_deliveries",
    "connections",
)
# What a retention key keeps, where the table's name alone does not say it.
_RETAINED = {
    "webhook_deliveries": "settled webhook deliveries (sent, given up or cancelled)",
    "connections": "closed agent connections (counted from when they closed)",
}
EVENTS_RETENTION_DEFAULT = 7


class SettingValueError(ValueError):
    """A value that does not fit its declared type or range."""


@dataclass(frozen=True)
class Declared:
    key: str
    description: str
    category: str
    type: SettingType
    default: Any
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 200
    # Extra validation of a JSON value's shape; raises ValueError with a readable message.
    check: Callable[[Any], object] | None = None

    def parse(self, raw: Any) -> Any:
        """The typed value of `raw` (from a request or the table), or SettingValueError."""
        if self.type == "bool":
            return _parse_bool(self.key, raw)
        if self.type == "int":
            return _parse_int(self, raw)
        if self.type == "json":
            obj = _parse_json(self.key, raw)
            if self.check is not None:
                try:
                    self.check(obj)
                except ValueError as exc:
                    raise SettingValueError(str(exc)) from None
            return obj
        if not isinstance(raw, str):
            raise SettingValueError(f"{self.key}: expected a string")
        value = raw.strip()
        if not value or len(value) > self.max_length:
            raise SettingValueError(f"{self.key}: expected 1..{self.max_length} characters")
        return value

    def dump(self, value: Any) -> str:
        """The stored (text) form of a typed value."""
        if self.type == "bool":
            return "true" if value else "false"
        if self.type == "json":
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
        return str(value)


def _parse_bool(key: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in ("true", "1", "false", "0"):
        return raw.strip().lower() in ("true", "1")
    raise SettingValueError(f"{key}: expected true or false")


def _parse_int(spec: Declared, raw: Any) -> int:
    if isinstance(raw, bool):
        raise SettingValueError(f"{spec.key}: expected an integer")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        value = int(raw.strip())
    else:
        raise SettingValueError(f"{spec.key}: expected an integer")
    if (spec.minimum is not None and value < spec.minimum) or (
        spec.maximum is not None and value > spec.maximum
    ):
        raise SettingValueError(f"{spec.key}: expected {spec.minimum}..{spec.maximum}")
    return value


def _parse_json(key: str, raw: Any) -> dict[str, Any]:
    value = raw
    if isinstance(raw, str):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise SettingValueError(f"{key}: expected a JSON object") from None
    if not isinstance(value, dict):
        raise SettingValueError(f"{key}: expected a JSON object")
    if len(orjson.dumps(value)) > 20000:
        raise SettingValueError(f"{key}: too large")
    return value


def declared_settings(settings: Settings) -> dict[str, Declared]:
    """Every declared key; retention defaults come from the environment."""
    items = [
        Declared(
            "general.site_name",
            "Name shown in the interface",
            "general",
            "string",
            "Mission Control",
        ),
        Declared(
            "general.agent_timeout_minutes",
            "Minutes without a heartbeat before an agent is marked offline",
            "general",
            "int",
            10,
            1,
            10080,
        ),
        Declared(
            "general.backup_retention_count",
            "Backups kept; older ones are pruned",
            "general",
            "int",
            10,
            1,
            1000,
        ),
        Declared(
            "pricing.overrides",
            'Token prices per million tokens: {"<model>": {"input": 3, "output": 15}, '
            '"default": {...}}',
            "pricing",
            "json",
            {},
            check=parse_overrides,
        ),
    ]
    env_retention = settings.retention_days()
    for table in RETENTION_TABLES:
        what = _RETAINED.get(table, table.replace("_", " "))
        items.append(
            Declared(
                f"retention.{table}_days",
                f"Days {what} are kept (0 keeps forever)",
                "retention",
                "int",
                env_retention[table],
                0,
                3650,
            )
        )
    items.append(
        Declared(
            "retention.events_days",
            "Days live-event rows are kept for replay (0 keeps forever)",
            "retention",
            "int",
            EVENTS_RETENTION_DEFAULT,
            0,
            3650,
        )
    )
    for job in JOBS:
        items.append(
            Declared(
                job.setting_key,
                f"Run the scheduled job: {job.name}",
                "scheduler",
                "bool",
                job.default_enabled,
            )
        )
    return {item.key: item for item in items}
