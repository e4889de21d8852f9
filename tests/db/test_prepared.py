"""Prepared statements give what `Connection.execute` gives, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from mission_control.db.engine import Database
from mission_control.db.prepared import Prepared
from mission_control.db.tables import events, tasks

INSERT = Prepared(
    sa.insert(events)
    .values(
        workspace_id=sa.bindparam("ws"),
        type=sa.bindparam("type"),
        data=sa.bindparam("data"),
        created_at_ms=sa.bindparam("at"),
    )
    .returning(events.c.id)
)
SELECT = Prepared(
    sa.select(events.c.id, events.c.type, events.c.data)
    .where(
        sa.or_(events.c.type == "prepared.one", events.c.type == "prepared.two"),
        events.c.id >= sa.bindparam("from_id"),
    )
    .order_by(events.c.id)
)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def test_rows_come_back_as_execute_gives_them(db: Database) -> None:
    def write(conn: sa.Connection) -> list[tuple[object, ...]]:
        first = INSERT.scalar(
            conn, {"ws": 1, "type": "prepared.one", "data": {"a": [1, 2]}, "at": 5}
        )
        INSERT.run(conn, {"ws": 1, "type": "prepared.two", "data": None, "at": 6})
        INSERT.run(conn, {"ws": 1, "type": "prepared.other", "data": {}, "at": 7})
        return SELECT.all(conn, {"from_id": first})

    rows = db.write_sync(write)
    assert [(r[1], r[2]) for r in rows] == [("prepared.one", {"a": [1, 2]}), ("prepared.two", None)]
    expected = db.read_sync(
        lambda conn: [
            tuple(r)
            for r in conn.execute(
                sa.select(events.c.id, events.c.type, events.c.data)
                .where(events.c.type.in_(["prepared.one", "prepared.two"]))
                .order_by(events.c.id)
            )
        ]
    )
    assert rows == expected


def test_mappings_and_missing_rows(db: Database) -> None:
    by_id = Prepared(sa.select(events.c.id, events.c.type).where(events.c.id == sa.bindparam("id")))

    def write(conn: sa.Connection) -> tuple[object, object]:
        new = INSERT.scalar(conn, {"ws": 1, "type": "prepared.one", "data": {}, "at": 1})
        return by_id.first_mapping(conn, {"id": new}), by_id.first_mapping(conn, {"id": -1})

    found, missing = db.write_sync(write)
    assert isinstance(found, dict) and found["type"] == "prepared.one"
    assert missing is None


def test_driver_errors_are_sqlalchemy_errors_and_roll_back(db: Database) -> None:
    def write(conn: sa.Connection) -> None:
        INSERT.run(conn, {"ws": 1, "type": "prepared.kept?", "data": {}, "at": 1})
        INSERT.run(conn, {"ws": None, "type": "prepared.bad", "data": {}, "at": 1})

    with pytest.raises(IntegrityError):
        db.write_sync(write)
    left = db.read_sync(
        lambda conn: conn.execute(
            sa.select(sa.func.count()).select_from(events).where(events.c.type.like("prepared.%"))
        ).scalar()
    )
    assert left == 0


def test_an_expanding_in_is_refused() -> None:
    with pytest.raises(ValueError, match="expanding IN"):
        Prepared(sa.select(tasks.c.id).where(tasks.c.status.in_(["inbox", "assigned"])))
