"""Every SQLite connection the app opens runs in WAL with foreign keys on, NORMAL sync and a
busy timeout: the write connections, the pooled reads, the held inline reads and heavy reads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.engine import Database
from mission_control.db.tables import user_sessions

EXPECTED = {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 1, "busy_timeout": 10000}


def pragmas(conn: Connection) -> dict[str, Any]:
    return {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in EXPECTED}


@pytest.fixture
def sqlite_db(db_kind: str, database_url: str) -> Iterator[Database]:
    if db_kind != "sqlite":
        pytest.skip("SQLite pragmas")
    database = Database(database_url)
    yield database
    database.dispose()


async def test_every_way_into_the_database_has_the_pragmas(sqlite_db: Database) -> None:
    assert pragmas_of_each(sqlite_db) == [EXPECTED] * 4
    assert await sqlite_db.write(pragmas) == EXPECTED
    assert await sqlite_db.read(pragmas) == EXPECTED  # the event loop's held connection
    assert await sqlite_db.read_heavy(pragmas) == EXPECTED


def pragmas_of_each(database: Database) -> list[dict[str, Any]]:
    return [
        database.write_sync(pragmas),
        database.read_sync(pragmas),
        database.read_inline(pragmas),
        # A second read connection while the first is out, so the pool opens another.
        _two_reads_at_once(database),
    ]


def _two_reads_at_once(database: Database) -> dict[str, Any]:
    with database.read_engine.connect() as first, database.read_engine.connect() as second:
        assert pragmas(first) == EXPECTED
        return pragmas(second)


def test_foreign_keys_are_enforced_on_a_write(sqlite_db: Database) -> None:
    def orphan_session(conn: Connection) -> None:
        conn.execute(
            sa.insert(user_sessions).values(
                token_hash="0" * 64, user_id=999_999, expires_at=1, last_seen_at=0, created_at=0
            )
        )

    with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"):
        sqlite_db.write_sync(orphan_session)
