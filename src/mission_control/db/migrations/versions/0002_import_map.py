"""The import map of `mc import`: which original row became which row here.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_map",
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("source", "table_name", "source_id", name=op.f("pk_import_map")),
    )


def downgrade() -> None:
    op.drop_table("import_map")
