"""Import steps for webhooks, alert rules, workflow templates, pipelines and token usage."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from mission_control.alerts.rules import validate_rule
from mission_control.db.tables import (
    alert_rules,
    token_usage,
    webhooks,
    workflow_pipelines,
    workflow_templates,
)
from mission_control.errors import BadRequest
from mission_control.importer.service import Importer, Skip, as_int, clip, parse_json
from mission_control.webhooks.sealing import seal


def _int_or(value: Any, default: int) -> int:
    number = as_int(value)
    return default if number is None else number


def import_webhooks(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]]:
        url = str(row.get("url") or "")
        if not url.startswith(("http://", "https://")) or len(url) > 2000:
            raise Skip("webhook without a usable http(s) URL")
        events = [str(e) for e in parse_json(row.get("events"), ["*"])] or ["*"]
        return webhooks, {
            "name": clip(row.get("name"), 200) or "imported webhook",
            "url": url,
            "secret": seal(imp.box, row.get("secret")) if imp.box else row.get("secret"),
            "events": events,
            "enabled": bool(as_int(row.get("enabled"), 1)),
            "consecutive_failures": as_int(row.get("consecutive_failures"), 0),
            "last_fired_at": as_int(row.get("last_fired_at")),
            "last_status": as_int(row.get("last_status")),
            "created_by": clip(row.get("created_by"), 200),
            **imp.placed(row),
        }

    imp.copy("webhooks", build)


def import_alert_rules(imp: Importer) -> None:
    """Rules go through the same check as rules made here; one that fails it comes over
    disabled (to be fixed in the UI or API, which check it again on enabling), with the
    reason in the report, so it can never break the evaluation of the others."""

    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]]:
        if not row.get("name") or not row.get("entity_type") or not row.get("condition_operator"):
            raise Skip("alert rule without a name, entity type or operator")
        values: dict[str, Any] = {
            "name": clip(row["name"], 200),
            "description": row.get("description"),
            "enabled": bool(as_int(row.get("enabled"), 1)),
            "entity_type": clip(row["entity_type"], 16),
            "condition_field": clip(row.get("condition_field"), 64) or "status",
            "condition_operator": clip(row["condition_operator"], 32),
            "condition_value": str(row.get("condition_value") or ""),
            "action_type": "webhook" if row.get("action_type") == "webhook" else "notification",
            "action_config": parse_json(row.get("action_config"), {}),
            "cooldown_minutes": min(10080, max(1, _int_or(row.get("cooldown_minutes"), 60))),
            "last_triggered_at": as_int(row.get("last_triggered_at")),
            "trigger_count": as_int(row.get("trigger_count"), 0),
            "created_by": clip(row.get("created_by"), 200),
            **imp.placed(row),
        }
        try:
            values = validate_rule(values)
        except BadRequest as invalid:
            values["enabled"] = False
            imp.table_report("alert_rules").changes["invalid rule imported disabled"] += 1
            imp.report.notes.append(
                f"alert rule {values['name']!r} imported disabled: {invalid.message}"
            )
        return alert_rules, values

    imp.copy("alert_rules", build)


def import_workflow_templates(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]]:
        if not row.get("name") or not row.get("task_prompt"):
            raise Skip("template without a name or prompt")
        timeout = min(3600, max(10, _int_or(row.get("timeout_seconds"), 300)))
        return workflow_templates, {
            "name": clip(row["name"], 200),
            "description": row.get("description"),
            "model": clip(row.get("model"), 64) or "sonnet",
            "task_prompt": str(row["task_prompt"]),
            "timeout_seconds": timeout,
            "agent_role": clip(row.get("agent_role"), 100),
            "tags": [str(t) for t in parse_json(row.get("tags"), [])],
            "created_by": clip(row.get("created_by"), 200),
            "use_count": as_int(row.get("use_count"), 0),
            "last_used_at": as_int(row.get("last_used_at")),
            **imp.placed(row),
        }

    imp.copy("workflow_templates", build)


def import_pipelines(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]]:
        steps = []
        for step in parse_json(row.get("steps"), []):
            template = (
                imp.mapped("workflow_templates", step.get("template_id"))
                if isinstance(step, dict)
                else None
            )
            if template is None:
                raise Skip("pipeline step naming a template that does not exist")
            on_failure = "continue" if step.get("on_failure") == "continue" else "stop"
            steps.append({"template_id": template, "on_failure": on_failure})
        if not row.get("name") or len(steps) < 2:
            raise Skip("pipeline without a name or with fewer than 2 steps")
        return workflow_pipelines, {
            "name": clip(row["name"], 200),
            "description": row.get("description"),
            "steps": steps,
            "created_by": clip(row.get("created_by"), 200),
            "use_count": as_int(row.get("use_count"), 0),
            "last_used_at": as_int(row.get("last_used_at")),
            **imp.placed(row),
        }

    imp.copy("workflow_pipelines", build)


def import_token_usage(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]]:
        if not row.get("model"):
            raise Skip("usage row without a model")
        session = str(row.get("session_id") or "")
        agent = row.get("agent_name") or (session.split(":", 1)[0] if session else None)
        task_id = as_int(row.get("task_id"))
        return token_usage, {
            "model": clip(row["model"], 128),
            "session_id": session[:200] or "unknown",
            "agent_name": clip(agent, 100),
            "task_id": imp.mapped("tasks", task_id) if task_id is not None else None,
            "input_tokens": as_int(row.get("input_tokens"), 0),
            "output_tokens": as_int(row.get("output_tokens"), 0),
            "cost_usd": float(row.get("cost_usd") or 0.0),
            **imp.placed(row, updated=False),
        }

    imp.copy("token_usage", build)
