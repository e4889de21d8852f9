"""A partial index on the queue's open tasks, in the order the queue hands them out.

Without it every claim read all open tasks of the workspace and sorted them by priority
rank, due date, age and id to take the first: the claim slowed down as the backlog grew,
and on PostgreSQL it cost tens of milliseconds of CPU with 10,000 open tasks. With it
the claim reads the first matching row of the index. Adding an index changes no query's
answer, so older instances keep working while it is built.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Spelled out here rather than imported, so this revision stays what it was when written;
# tests/tasks/test_queue_plan.py checks the queue's query is served by it.
PRIORITY_RANK_SQL = (
    "CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
    "WHEN 'low' THEN 3 ELSE 4 END"
)
CLAIMABLE_SQL = "status IN ('assigned', 'inbox')"

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_tasks_queue",
        "tasks",
        [
            "workspace_id",
            sa.text(f"({PRIORITY_RANK_SQL})"),
            sa.text("(due_date IS NULL)"),
            "due_date",
            "created_at",
            "id",
        ],
        unique=False,
        sqlite_where=sa.text(CLAIMABLE_SQL),
        postgresql_where=sa.text(CLAIMABLE_SQL),
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_queue", table_name="tasks")
