"""Small conversions between SQLAlchemy results and plain values."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("INSERT returned no primary key")
    return int(key[0])


def upsert(conn: Connection, table: sa.Table, key: sa.Column[Any], values: dict[str, Any]) -> None:
    """Insert `values`, or update the row whose unique `key` column already holds its value."""
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert
    statement = insert(table).values(**values)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[key],
            set_={k: statement.excluded[k] for k in values if k != key.name},
        )
    )
