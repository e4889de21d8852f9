"""Tables of integrations: stored secrets and OpenClaw gateways."""

import sqlalchemy as sa

from mission_control.db.tables.base import created_updated, metadata, pk, workspace_col

integration_secrets = sa.Table(
    "integration_secrets",
    metadata,
    sa.Column("env_var", sa.String(128), primary_key=True),
    sa.Column("value_encrypted", sa.Text, nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("op_item", sa.String(200)),
    sa.Column("updated_by", sa.String(200)),
    sa.Column("updated_at", sa.BigInteger),
)

gateways = sa.Table(
    "gateways",
    metadata,
    pk(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("url", sa.String(500), nullable=False),
    sa.Column("token_encrypted", sa.Text),
    sa.Column("device_token_encrypted", sa.Text),
    sa.Column("is_primary", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("status", sa.String(32), nullable=False, server_default="unknown"),
    sa.Column("last_error", sa.Text),
    sa.Column("last_seen", sa.BigInteger),
    workspace_col(),
    *created_updated(),
    sa.UniqueConstraint("workspace_id", "name"),
)
