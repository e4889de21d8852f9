"""Evaluating alert rules against the database, with cooldowns and the rules' actions.

Row operators trigger when at least one row matches; `age_minutes_above` when a row's
time field is older than the given minutes; `count_above` when the number of matching
rows (within `action_config.window_minutes`, if set) reaches `action_config.threshold`,
`count_below` when it stays under it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.alerts.rules import COUNT_OPERATORS, ENTITIES, count_threshold, window_minutes
from mission_control.db.tables import alert_rules, users
from mission_control.events.bus import publish
from mission_control.notifications.service import notify

log = logging.getLogger("mission_control.alerts")
MATCH_ALL = "*"
ADMINS = "admin"


def _row_condition(rule: dict[str, Any], column: sa.ColumnElement[Any], numeric: bool) -> Any:
    operator = rule["condition_operator"]
    value: Any = rule["condition_value"]
    if numeric:
        value = float(value)
    if operator == "equals":
        return column == value
    if operator == "not_equals":
        return sa.or_(column.is_(None), column != value)
    if operator == "greater_than":
        return column > value
    if operator == "less_than":
        return column < value
    if operator == "contains":
        return sa.func.lower(column).contains(str(value).lower(), autoescape=True)
    raise ValueError(operator)


def _count(conn: Connection, table: sa.Table, where: list[Any]) -> int:
    return int(
        conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
    )


def check_condition(conn: Connection, rule: dict[str, Any], now: int) -> tuple[bool, str]:
    """Whether the rule's condition holds now, and why (in words)."""
    entity = ENTITIES[rule["entity_type"]]
    table = entity.table
    field = rule["condition_field"]
    column = table.c[field]
    operator = rule["condition_operator"]
    where: list[Any] = [table.c.workspace_id == rule["workspace_id"]]
    noun = rule["entity_type"]
    if operator in COUNT_OPERATORS:
        threshold, match = count_threshold(rule)
        if match and rule["condition_value"] != MATCH_ALL:
            numeric = field in entity.numbers | entity.times
            value: Any = float(rule["condition_value"]) if numeric else rule["condition_value"]
            where.append(column == value)
        window = window_minutes(rule)
        if window is not None:
            where.append(table.c.created_at >= now - window * 60)
        count = _count(conn, table, where)
        scope = f" in the last {window} min" if window is not None else ""
        what = (
            f"{noun} rows with {field} = {rule['condition_value']!r}"
            if match and rule["condition_value"] != MATCH_ALL
            else f"{noun} rows"
        )
        if operator == "count_above":
            return count >= threshold, f"{count} {what}{scope} (threshold {threshold})"
        return count < threshold, f"{count} {what}{scope} (below {threshold} triggers)"
    if operator == "age_minutes_above":
        minutes = float(rule["condition_value"])
        where += [column.is_not(None), column < now - minutes * 60]
        count = _count(conn, table, where)
        return count > 0, f"{count} {noun} row(s) with {field} older than {minutes:g} min"
    where.append(_row_condition(rule, column, field in entity.numbers | entity.times))
    count = _count(conn, table, where)
    return (
        count > 0,
        f"{count} {noun} row(s) where {field} {operator} {rule['condition_value']!r}",
    )


def _recipients(conn: Connection, rule: dict[str, Any]) -> list[str]:
    recipient = (rule.get("action_config") or {}).get("recipient") or ADMINS
    if recipient != ADMINS:
        return [recipient]
    # "admin" means every active admin of the workspace (the default for security rules).
    names = list(
        conn.execute(
            sa.select(users.c.username)
            .where(
                users.c.role == "admin",
                users.c.disabled_at.is_(None),
                users.c.workspace_id == rule["workspace_id"],
            )
            .order_by(users.c.id)
        ).scalars()
    )
    return names or [ADMINS]


def _claim_trigger(conn: Connection, rule: dict[str, Any], now: int) -> bool:
    """Record the trigger unless another evaluation just did (the cooldown, atomically)."""
    cooldown = rule["cooldown_minutes"] * 60
    updated = conn.execute(
        sa.update(alert_rules)
        .where(
            alert_rules.c.id == rule["id"],
            sa.or_(
                alert_rules.c.last_triggered_at.is_(None),
                alert_rules.c.last_triggered_at <= now - cooldown,
            ),
        )
        .values(last_triggered_at=now, trigger_count=alert_rules.c.trigger_count + 1)
    )
    return bool(updated.rowcount)


def _act(conn: Connection, rule: dict[str, Any], reason: str, now: int) -> None:
    if rule["action_type"] == "webhook":
        publish(
            conn,
            rule["workspace_id"],
            "alert.triggered",
            {
                "rule_id": rule["id"],
                "rule_name": rule["name"],
                "entity_type": rule["entity_type"],
                "condition_field": rule["condition_field"],
                "condition_operator": rule["condition_operator"],
                "condition_value": rule["condition_value"],
                "reason": reason,
                "triggered_at": now,
            },
        )
        return
    for recipient in _recipients(conn, rule):
        notify(
            conn,
            recipient=recipient,
            type="alert",
            title=f"Alert: {rule['name']}",
            message=reason,
            source_type="alert_rule",
            source_id=rule["id"],
            workspace_id=rule["workspace_id"],
        )


def evaluate_rule(conn: Connection, rule: dict[str, Any], now: int) -> dict[str, Any]:
    """Evaluate one rule and run its action when it triggers outside its cooldown."""
    result: dict[str, Any] = {"rule_id": rule["id"], "rule_name": rule["name"], "triggered": False}
    last = rule["last_triggered_at"]
    if last is not None and now < last + rule["cooldown_minutes"] * 60:
        remaining = (last + rule["cooldown_minutes"] * 60 - now + 59) // 60
        result["reason"] = f"In cooldown ({remaining} min left)"
        return result
    holds, reason = check_condition(conn, rule, now)
    result["reason"] = reason
    if holds and _claim_trigger(conn, rule, now):
        _act(conn, rule, reason, now)
        result["triggered"] = True
    return result


def _evaluate_guarded(conn: Connection, rule: dict[str, Any], now: int) -> dict[str, Any]:
    """One rule in its own savepoint: a rule that cannot be evaluated (a field or value the
    rules no longer allow) is logged and reported, and the other rules still run."""
    try:
        with conn.begin_nested():
            return evaluate_rule(conn, rule, now)
    except (LookupError, ValueError, TypeError, sa.exc.StatementError) as exc:
        log.warning("alert rule %s could not be evaluated: %r", rule["id"], exc)
        return {
            "rule_id": rule["id"],
            "rule_name": rule["name"],
            "triggered": False,
            "reason": f"Not evaluated: the rule is invalid ({exc.__class__.__name__})",
        }


def evaluate_all(
    conn: Connection, *, workspace_id: int | None = None, now: int | None = None
) -> dict[str, Any]:
    """Evaluate every enabled rule (of one workspace, or all for the scheduler)."""
    moment = now if now is not None else int(time.time())
    query = sa.select(alert_rules).where(alert_rules.c.enabled.is_(True)).order_by(alert_rules.c.id)
    if workspace_id is not None:
        query = query.where(alert_rules.c.workspace_id == workspace_id)
    results = [
        _evaluate_guarded(conn, dict(r), moment) for r in conn.execute(query).mappings().all()
    ]
    return {
        "evaluated": len(results),
        "triggered": sum(1 for r in results if r["triggered"]),
        "results": results,
    }
