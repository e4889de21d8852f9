"""Alert rules: list, create, update, delete, audited in the same transaction."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.alerts.rules import validate_rule
from mission_control.db.rows import inserted_id
from mission_control.db.tables import alert_rules
from mission_control.errors import NotFound
from mission_control.security.actor import Actor
from mission_control.security.audit import audit

EDITABLE = (
    "name",
    "description",
    "enabled",
    "entity_type",
    "condition_field",
    "condition_operator",
    "condition_value",
    "action_type",
    "action_config",
    "cooldown_minutes",
)
MAX_RULES = 500


def public_rule(row: dict[str, Any]) -> dict[str, Any]:
    rule = dict(row)
    rule["enabled"] = bool(rule["enabled"])
    rule["action_config"] = rule.get("action_config") or {}
    return rule


def list_rules(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(alert_rules)
        .where(alert_rules.c.workspace_id == workspace_id)
        .order_by(alert_rules.c.id)
        .limit(MAX_RULES)
    ).mappings()
    return [public_rule(dict(r)) for r in rows]


def get_rule(conn: Connection, workspace_id: int, rule_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            sa.select(alert_rules).where(
                alert_rules.c.id == rule_id, alert_rules.c.workspace_id == workspace_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("Alert rule not found")
    return dict(row)


def create_rule(conn: Connection, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
    values = validate_rule({k: fields.get(k) for k in EDITABLE})
    now = int(time.time())
    values.update(
        trigger_count=0,
        created_by=actor.display_name,
        workspace_id=actor.workspace_id,
        created_at=now,
        updated_at=now,
    )
    rule_id = inserted_id(conn.execute(sa.insert(alert_rules).values(**values)))
    audit(
        conn,
        actor,
        "alert_rule_create",
        target_type="alert_rule",
        target_id=rule_id,
        detail={k: values[k] for k in EDITABLE},
    )
    return public_rule(get_rule(conn, actor.workspace_id, rule_id))


def update_rule(
    conn: Connection, actor: Actor, rule_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    current = get_rule(conn, actor.workspace_id, rule_id)
    merged = validate_rule({k: changes.get(k, current[k]) for k in EDITABLE})
    values = {k: merged[k] for k in EDITABLE if k in changes}
    if values:
        values["updated_at"] = int(time.time())
        conn.execute(sa.update(alert_rules).where(alert_rules.c.id == rule_id).values(**values))
        audit(
            conn,
            actor,
            "alert_rule_update",
            target_type="alert_rule",
            target_id=rule_id,
            detail={k: v for k, v in values.items() if k != "updated_at"},
        )
    return public_rule(get_rule(conn, actor.workspace_id, rule_id))


def delete_rule(conn: Connection, actor: Actor, rule_id: int) -> None:
    current = get_rule(conn, actor.workspace_id, rule_id)
    conn.execute(sa.delete(alert_rules).where(alert_rules.c.id == rule_id))
    audit(
        conn,
        actor,
        "alert_rule_delete",
        target_type="alert_rule",
        target_id=rule_id,
        detail={"name": current["name"], "entity_type": current["entity_type"]},
    )
