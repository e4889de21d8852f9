"""Alembic environment: migrations run on the URL the caller configured."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from mission_control.db.tables import metadata

config = context.config
# Serialises migrations of instances starting at once on PostgreSQL.
_PG_MIGRATION_LOCK = 0x4D43_0D01


def run_migrations_online() -> None:
    engine = sa.create_engine(
        config.get_main_option("sqlalchemy.url") or "", poolclass=sa.pool.NullPool
    )
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK}
                )
                connection.commit()
    engine.dispose()


run_migrations_online()
