"""Tables of operations: webhooks, alerts, workflows, pipelines, costs, scheduler."""

import sqlalchemy as sa

from mission_control.db.tables.base import big_pk, created_updated, metadata, pk, ts, workspace_col

webhooks = sa.Table(
    "webhooks",
    metadata,
    pk(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("secret", sa.Text),
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    ts("last_fired_at"),
    sa.Column("last_status", sa.Integer),
    sa.Column("created_by", sa.String(200)),
    workspace_col(),
    *created_updated(),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    big_pk(),
    sa.Column(
        "webhook_id",
        sa.Integer,
        sa.ForeignKey("webhooks.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("delivery_uid", sa.String(64), nullable=False, unique=True),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("status_code", sa.Integer),
    sa.Column("response_body", sa.String(1000)),
    sa.Column("error", sa.Text),
    sa.Column("duration_ms", sa.Integer),
    sa.Column("attempt", sa.Integer, nullable=False, server_default="1"),
    ts("next_retry_at"),
    sa.Column("is_retry", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("parent_delivery_id", sa.BigInteger),
    workspace_col(),
    ts("created_at", nullable=False),
    sa.Index("ix_webhook_deliveries_state_next", "state", "next_retry_at"),
)

# Durable read positions of consumers of the `events` outbox (e.g. the webhook dispatcher).
event_cursors = sa.Table(
    "event_cursors",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("last_event_id", sa.BigInteger, nullable=False, server_default="0"),
    ts("updated_at"),
)

alert_rules = sa.Table(
    "alert_rules",
    metadata,
    pk(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("entity_type", sa.String(16), nullable=False),
    sa.Column("condition_field", sa.String(64), nullable=False),
    sa.Column("condition_operator", sa.String(32), nullable=False),
    sa.Column("condition_value", sa.Text, nullable=False),
    sa.Column("action_type", sa.String(16), nullable=False, server_default="notification"),
    sa.Column("action_config", sa.JSON),
    sa.Column("cooldown_minutes", sa.Integer, nullable=False, server_default="60"),
    ts("last_triggered_at"),
    sa.Column("trigger_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_by", sa.String(200)),
    workspace_col(),
    *created_updated(),
)

workflow_templates = sa.Table(
    "workflow_templates",
    metadata,
    pk(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("model", sa.String(64), nullable=False, server_default="sonnet"),
    sa.Column("task_prompt", sa.Text, nullable=False),
    sa.Column("timeout_seconds", sa.Integer, nullable=False, server_default="300"),
    sa.Column("agent_role", sa.String(100)),
    sa.Column("tags", sa.JSON),
    sa.Column("created_by", sa.String(200)),
    sa.Column("use_count", sa.Integer, nullable=False, server_default="0"),
    ts("last_used_at"),
    workspace_col(),
    *created_updated(),
)

workflow_pipelines = sa.Table(
    "workflow_pipelines",
    metadata,
    pk(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("steps", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(200)),
    sa.Column("use_count", sa.Integer, nullable=False, server_default="0"),
    ts("last_used_at"),
    workspace_col(),
    *created_updated(),
)

pipeline_runs = sa.Table(
    "pipeline_runs",
    metadata,
    pk(),
    sa.Column(
        "pipeline_id",
        sa.Integer,
        sa.ForeignKey("workflow_pipelines.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("status", sa.String(32), nullable=False, server_default="pending"),
    sa.Column("current_step", sa.Integer, nullable=False, server_default="0"),
    sa.Column("steps_snapshot", sa.JSON, nullable=False),
    ts("started_at"),
    ts("completed_at"),
    sa.Column("triggered_by", sa.String(200)),
    workspace_col(),
    ts("created_at", nullable=False),
)

token_usage = sa.Table(
    "token_usage",
    metadata,
    big_pk(),
    sa.Column("model", sa.String(128), nullable=False),
    sa.Column("session_id", sa.String(200), nullable=False),
    sa.Column("agent_name", sa.String(100)),
    sa.Column("task_id", sa.Integer),
    sa.Column("input_tokens", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("output_tokens", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("cost_usd", sa.Float, nullable=False, server_default="0"),
    sa.Column("operation", sa.String(100)),
    sa.Column("duration_ms", sa.Integer),
    workspace_col(),
    ts("created_at", nullable=False),
    sa.Index("ix_token_usage_ws_created", "workspace_id", "created_at"),
)

# One row per named job: its last run and the lease that keeps it on one instance.
scheduler_jobs = sa.Table(
    "scheduler_jobs",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    ts("last_run_at"),
    sa.Column("last_result", sa.Text),
    sa.Column("last_duration_ms", sa.Integer),
    sa.Column("lease_holder", sa.String(128)),
    ts("lease_expires_at"),
)

# Which row of an imported original database became which row here (`mc import` is idempotent).
import_map = sa.Table(
    "import_map",
    metadata,
    sa.Column("source", sa.String(200), primary_key=True),
    sa.Column("table_name", sa.String(64), primary_key=True),
    sa.Column("source_id", sa.String(200), primary_key=True),
    sa.Column("target_id", sa.Integer, nullable=False),
    ts("imported_at", nullable=False),
)
