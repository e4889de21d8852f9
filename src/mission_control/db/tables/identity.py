"""Tables of identity and security: workspaces, users, sessions, keys, audit."""

import sqlalchemy as sa

from mission_control.db.tables.base import (
    big_pk,
    created_updated,
    metadata,
    pk,
    ts,
    workspace_col,
)

workspaces = sa.Table(
    "workspaces",
    metadata,
    pk(),
    sa.Column("slug", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("tenant_id", sa.Integer, nullable=False, server_default="1"),
    sa.Column("isolation", sa.String(16), nullable=False, server_default="shared"),
    *created_updated(),
)

users = sa.Table(
    "users",
    metadata,
    pk(),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False, server_default=""),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("provider", sa.String(16), nullable=False, server_default="local"),
    sa.Column("provider_user_id", sa.String(255)),
    sa.Column("email", sa.String(320)),
    sa.Column("avatar_url", sa.Text),
    sa.Column("is_approved", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("approved_by", sa.String(200)),
    ts("approved_at"),
    ts("disabled_at"),
    ts("last_login_at"),
    ts("password_changed_at"),
    sa.Column("totp_secret", sa.Text),
    sa.Column("totp_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("totp_last_step", sa.BigInteger),
    workspace_col(),
    *created_updated(),
)

user_sessions = sa.Table(
    "user_sessions",
    metadata,
    pk(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    ts("expires_at", nullable=False),
    ts("last_seen_at", nullable=False),
    sa.Column("ip_address", sa.String(64)),
    sa.Column("user_agent", sa.String(512)),
    workspace_col(),
    ts("created_at", nullable=False),
)

user_api_keys = sa.Table(
    "user_api_keys",
    metadata,
    pk(),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("key_prefix", sa.String(16), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    ts("expires_at"),
    ts("revoked_at"),
    ts("last_used_at"),
    ts("created_at", nullable=False),
)

agent_api_keys = sa.Table(
    "agent_api_keys",
    metadata,
    pk(),
    sa.Column(
        "agent_id",
        sa.Integer,
        sa.ForeignKey("agents.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    workspace_col(),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("key_prefix", sa.String(16), nullable=False),
    sa.Column("scopes", sa.JSON, nullable=False),
    ts("expires_at"),
    ts("revoked_at"),
    ts("last_used_at"),
    sa.Column("created_by", sa.String(200)),
    ts("created_at", nullable=False),
)

access_requests = sa.Table(
    "access_requests",
    metadata,
    pk(),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("provider", sa.String(16), nullable=False, server_default="google"),
    sa.Column("provider_user_id", sa.String(255)),
    sa.Column("display_name", sa.String(200)),
    sa.Column("avatar_url", sa.Text),
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("attempt_count", sa.Integer, nullable=False, server_default="1"),
    ts("last_attempt_at"),
    sa.Column("reviewed_by", sa.String(200)),
    ts("reviewed_at"),
    sa.Column("note", sa.Text),
    sa.Column("approved_role", sa.String(16)),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    *created_updated(),
    sa.UniqueConstraint("provider", "provider_user_id"),
)

recovery_codes = sa.Table(
    "recovery_codes",
    metadata,
    pk(),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("code_hash", sa.String(64), nullable=False),
    ts("used_at"),
    ts("created_at", nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    big_pk(),
    sa.Column("action", sa.String(64), nullable=False, index=True),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("actor_id", sa.Integer),
    sa.Column("target_type", sa.String(64)),
    sa.Column("target_id", sa.String(200)),
    sa.Column("detail", sa.JSON),
    sa.Column("ip_address", sa.String(64)),
    sa.Column("user_agent", sa.String(512)),
    workspace_col(),
    ts("created_at", nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_audit_log_created_at", "created_at"),
)

security_events = sa.Table(
    "security_events",
    metadata,
    big_pk(),
    sa.Column("event_type", sa.String(32), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False, server_default="info"),
    sa.Column("source", sa.String(200)),
    sa.Column("agent_name", sa.String(100)),
    sa.Column("detail", sa.JSON),
    sa.Column("ip_address", sa.String(64)),
    workspace_col(),
    sa.Column("tenant_id", sa.Integer, nullable=False, server_default="1"),
    ts("created_at", nullable=False),
    sa.Index("ix_security_events_type_created", "event_type", "created_at"),
)

settings_table = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("category", sa.String(64)),
    sa.Column("updated_by", sa.String(200)),
    ts("updated_at"),
)
