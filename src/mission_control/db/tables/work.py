"""Tables of the control plane: projects, agents, tasks and the work around them."""

import sqlalchemy as sa

from mission_control.db.tables.base import (
    BigId,
    big_pk,
    created_updated,
    metadata,
    pk,
    ts,
    workspace_col,
)

projects = sa.Table(
    "projects",
    metadata,
    pk(),
    workspace_col(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("slug", sa.String(200), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("ticket_prefix", sa.String(12), nullable=False),
    sa.Column("ticket_counter", sa.Integer, nullable=False, server_default="0"),
    sa.Column("status", sa.String(16), nullable=False, server_default="active"),
    sa.Column("github_repo", sa.String(300)),
    ts("deadline"),
    sa.Column("color", sa.String(32)),
    sa.Column("metadata", sa.JSON),
    *created_updated(),
    sa.UniqueConstraint("workspace_id", "slug"),
    sa.UniqueConstraint("workspace_id", "ticket_prefix"),
)

agents = sa.Table(
    "agents",
    metadata,
    pk(),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(100), nullable=False),
    sa.Column("session_key", sa.String(200)),
    sa.Column("soul_content", sa.Text),
    sa.Column("status", sa.String(16), nullable=False, server_default="offline"),
    ts("last_seen"),
    sa.Column("last_activity", sa.Text),
    sa.Column("config", sa.JSON),
    sa.Column("working_memory", sa.Text),
    sa.Column("runtime_type", sa.String(64)),
    sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("source", sa.String(32), nullable=False, server_default="manual"),
    workspace_col(),
    *created_updated(),
    sa.UniqueConstraint("workspace_id", "name"),
)

project_agent_assignments = sa.Table(
    "project_agent_assignments",
    metadata,
    pk(),
    sa.Column(
        "project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("agent_name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(32), nullable=False, server_default="member"),
    ts("assigned_at", nullable=False),
    sa.UniqueConstraint("project_id", "agent_name"),
)

# The queue's order (tasks/queue.py) as literal SQL, for the index that serves it: an
# index on an expression only answers a query that spells the expression the same way,
# constants included (a bound parameter in its place never matches).
PRIORITY_RANK_SQL = (
    "CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
    "WHEN 'low' THEN 3 ELSE 4 END"
)
DUE_LAST_SQL = "due_date IS NULL"
CLAIMABLE_SQL = "status IN ('assigned', 'inbox')"
QUEUE_INDEX_COLUMNS = (
    "workspace_id",
    sa.text(f"({PRIORITY_RANK_SQL})"),  # PostgreSQL wants index expressions in parentheses
    sa.text(f"({DUE_LAST_SQL})"),
    "due_date",
    "created_at",
    "id",
)

tasks = sa.Table(
    "tasks",
    metadata,
    pk(),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("status", sa.String(32), nullable=False, server_default="inbox"),
    sa.Column("priority", sa.String(16), nullable=False, server_default="medium"),
    sa.Column("assigned_to", sa.String(100)),
    sa.Column("created_by", sa.String(200), nullable=False),
    ts("due_date"),
    sa.Column("estimated_hours", sa.Float),
    sa.Column("actual_hours", sa.Float),
    sa.Column("tags", sa.JSON),
    sa.Column("metadata", sa.JSON),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("project_ticket_no", sa.Integer),
    sa.Column("outcome", sa.String(16)),
    sa.Column("error_message", sa.Text),
    sa.Column("resolution", sa.Text),
    sa.Column("feedback_rating", sa.Integer),
    sa.Column("feedback_notes", sa.Text),
    sa.Column("retry_count", sa.Integer, nullable=False, server_default="0"),
    ts("completed_at"),
    sa.Column("dispatch_attempts", sa.Integer, nullable=False, server_default="0"),
    workspace_col(),
    *created_updated(),
    sa.Index("ix_tasks_ws_status", "workspace_id", "status"),
    sa.Index("ix_tasks_ws_assigned", "workspace_id", "assigned_to"),
    sa.Index("ix_tasks_ws_created", "workspace_id", "created_at"),
    sa.Index("ix_tasks_ws_created_id", "workspace_id", "created_at", "id"),  # the list's order
    sa.Index("ix_tasks_project", "project_id"),
    sa.Index(  # the queue's open tasks in the order it hands them out
        "ix_tasks_queue",
        *QUEUE_INDEX_COLUMNS,
        sqlite_where=sa.text(CLAIMABLE_SQL),
        postgresql_where=sa.text(CLAIMABLE_SQL),
    ),
)

comments = sa.Table(
    "comments",
    metadata,
    pk(),
    sa.Column(
        "task_id",
        sa.Integer,
        sa.ForeignKey("tasks.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("comments.id", ondelete="CASCADE")),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("mentions", sa.JSON),
    workspace_col(),
    ts("created_at", nullable=False),
)

quality_reviews = sa.Table(
    "quality_reviews",
    metadata,
    pk(),
    sa.Column(
        "task_id",
        sa.Integer,
        sa.ForeignKey("tasks.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("notes", sa.Text),
    workspace_col(),
    ts("created_at", nullable=False),
)

task_subscriptions = sa.Table(
    "task_subscriptions",
    metadata,
    pk(),
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("subscriber", sa.String(200), nullable=False),
    workspace_col(),
    ts("created_at", nullable=False),
    sa.UniqueConstraint("task_id", "subscriber"),
)

activities = sa.Table(
    "activities",
    metadata,
    big_pk(),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("entity_type", sa.String(32), nullable=False),
    sa.Column("entity_id", sa.Integer),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("data", sa.JSON),
    workspace_col(),
    ts("created_at", nullable=False),
    sa.Index("ix_activities_ws_created", "workspace_id", "created_at"),
)

notifications = sa.Table(
    "notifications",
    metadata,
    big_pk(),
    sa.Column("recipient", sa.String(200), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("message", sa.Text),
    sa.Column("source_type", sa.String(32)),
    sa.Column("source_id", sa.Integer),
    ts("read_at"),
    ts("delivered_at"),
    workspace_col(),
    ts("created_at", nullable=False),
    sa.Index("ix_notifications_ws_recipient", "workspace_id", "recipient"),
)

# The transactional outbox of live events: written in the same transaction as the
# change it announces, read by every instance's event bus and by the webhook dispatcher.
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", sa.Integer, nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("data", sa.JSON),
    sa.Column("created_at_ms", sa.BigInteger, nullable=False, index=True),
)

connections = sa.Table(
    "connections",
    metadata,
    pk(),
    sa.Column("connection_id", sa.String(64), nullable=False, unique=True),
    sa.Column(
        "agent_id", sa.Integer, sa.ForeignKey("agents.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("agent_name", sa.String(100), nullable=False),
    sa.Column("tool_name", sa.String(100), nullable=False),
    sa.Column("tool_version", sa.String(64)),
    sa.Column("status", sa.String(16), nullable=False, server_default="connected"),
    sa.Column("metadata", sa.JSON),
    workspace_col(),
    ts("created_at", nullable=False),
    ts("last_heartbeat_at"),
    ts("disconnected_at"),
)

standup_reports = sa.Table(
    "standup_reports",
    metadata,
    pk(),
    sa.Column("date", sa.String(10), nullable=False),
    sa.Column("report", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    workspace_col(),
    ts("created_at", nullable=False),
)
