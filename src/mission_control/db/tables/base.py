"""Shared column helpers and the naming convention for constraints."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# Row ids that may grow past 2**31 on PostgreSQL; SQLite keeps its rowid alias.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def pk() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def big_pk() -> sa.Column[Any]:
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


def ts(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    """A unix-seconds timestamp."""
    return sa.Column(name, sa.BigInteger, nullable=nullable)


def workspace_col() -> sa.Column[Any]:
    return sa.Column(
        "workspace_id",
        sa.Integer,
        sa.ForeignKey("workspaces.id"),
        nullable=False,
        server_default="1",
        index=True,
    )


def created_updated() -> list[sa.Column[Any]]:
    return [ts("created_at", nullable=False), ts("updated_at", nullable=False)]
