"""An index for the task list's order: (workspace, created_at, id).

The list pages newest first with the id as tie-breaker; `ix_tasks_ws_created` gives the
created_at order only, so tasks created in the same second had to be sorted after the scan.
With the id in the index the page query reads its `limit` rows in order and stops.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_tasks_ws_created_id", "tasks", ["workspace_id", "created_at", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_ws_created_id", table_name="tasks")
