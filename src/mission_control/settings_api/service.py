"""Reading and writing declared settings; undeclared and `security.*` keys are refused."""

from __future__ import annotations

import re
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import settings_table
from mission_control.errors import BadRequest, ValidationFailed
from mission_control.security.actor import Actor
from mission_control.security.audit import audit
from mission_control.settings import Settings
from mission_control.settings_api.registry import Declared, SettingValueError, declared_settings

_SECRET_KEY = re.compile(r"(password|passwd|secret|token|api_?key|credential|private)", re.I)
_SECRET_VALUE = re.compile(
    r"^(mc_[0-9a-f]{16,}|sk-[A-Za-z0-9_-]{8,}|[A-Fa-f0-9]{32,}|ey[A-Za-z0-9_-]{20,}\.)"
)


def _spec(declared: dict[str, Declared], key: Any) -> Declared:
    if not isinstance(key, str) or not key:
        raise BadRequest("Setting key must be a non-empty string")
    if key.startswith("security."):
        raise BadRequest(f"Security settings cannot be read or changed here: {key}")
    spec = declared.get(key)
    if spec is None:
        raise BadRequest(f"Unknown setting: {key}")
    return spec


def _stored(conn: Connection) -> dict[str, str]:
    rows = conn.execute(sa.select(settings_table.c.key, settings_table.c.value))
    return {row.key: row.value for row in rows}


def get_value(conn: Connection, settings: Settings, key: str) -> Any:
    """The typed value of a declared key: the stored one if valid, else its default."""
    spec = declared_settings(settings)[key]
    raw = conn.execute(
        sa.select(settings_table.c.value).where(settings_table.c.key == key)
    ).scalar()
    if raw is None:
        return spec.default
    try:
        return spec.parse(raw)
    except SettingValueError:
        return spec.default


def retention_days(conn: Connection, settings: Settings) -> dict[str, int]:
    """Retention per table (`activities`, `audit_log`, ..., `events`) from settings or env."""
    declared = declared_settings(settings)
    stored = _stored(conn)
    result: dict[str, int] = {}
    for key, spec in declared.items():
        if key.startswith("retention.") and key.endswith("_days"):
            table = key.removeprefix("retention.").removesuffix("_days")
            value = spec.default
            if key in stored:
                try:
                    value = spec.parse(stored[key])
                except SettingValueError:
                    value = spec.default
            result[table] = int(value)
    return result


def list_settings(conn: Connection, settings: Settings) -> dict[str, Any]:
    declared = declared_settings(settings)
    stored = _stored(conn)
    items: list[dict[str, Any]] = []
    grouped: dict[str, list[dict[str, Any]]] = {}
    for key, spec in declared.items():
        is_default = key not in stored
        value = spec.default if is_default else stored[key]
        if not is_default:
            try:
                value = spec.parse(stored[key])
            except SettingValueError:
                value, is_default = spec.default, True
        item = {
            "key": key,
            "value": spec.dump(value),
            "description": spec.description,
            "category": spec.category,
            "is_default": is_default,
            "type": spec.type,
            "default": spec.dump(spec.default),
        }
        items.append(item)
        grouped.setdefault(spec.category, []).append(item)
    return {"settings": items, "grouped": grouped}


def _redacted(key: str, text: str) -> str:
    if _SECRET_KEY.search(key) or _SECRET_VALUE.search(text.strip()):
        return "[redacted]"
    return text


def update_settings(
    conn: Connection, settings: Settings, actor: Actor, changes: dict[str, Any]
) -> dict[str, Any]:
    """Validate every change first, then write them all (all-or-nothing)."""
    declared = declared_settings(settings)
    if not changes:
        raise BadRequest("settings must be a non-empty object")
    errors: list[str] = []
    parsed: dict[str, str] = {}
    for key, raw in changes.items():
        spec = _spec(declared, key)
        try:
            parsed[key] = spec.dump(spec.parse(raw))
        except SettingValueError as exc:
            errors.append(str(exc))
    if errors:
        raise ValidationFailed(errors)
    now = int(time.time())
    for key, text in parsed.items():
        spec = declared[key]
        values = {
            "value": text,
            "description": spec.description,
            "category": spec.category,
            "updated_by": actor.display_name,
            "updated_at": now,
        }
        updated = conn.execute(
            sa.update(settings_table).where(settings_table.c.key == key).values(**values)
        ).rowcount
        if not updated:
            conn.execute(sa.insert(settings_table).values(key=key, **values))
    audit(
        conn,
        actor,
        "settings_update",
        target_type="settings",
        detail={"changes": {k: _redacted(k, v) for k, v in parsed.items()}},
    )
    return {"updated": sorted(parsed), "count": len(parsed)}


def reset_setting(conn: Connection, settings: Settings, actor: Actor, key: Any) -> dict[str, Any]:
    spec = _spec(declared_settings(settings), key)
    deleted = conn.execute(
        sa.delete(settings_table).where(settings_table.c.key == spec.key)
    ).rowcount
    audit(
        conn,
        actor,
        "settings_update",
        target_type="settings",
        target_id=spec.key,
        detail={"reset": spec.key},
    )
    return {
        "success": True,
        "key": spec.key,
        "reset": bool(deleted),
        "value": spec.dump(spec.default),
    }
