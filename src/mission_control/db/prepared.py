"""Statements built once, for the few that run on every write of the hot paths.

Building a Core statement and deriving its cache key costs ~100 µs in Python, more than
SQLite needs to run it. A `Prepared` statement is built once (per dialect, when the
dialects need different SQL) with `bindparam`s for what changes, and compiled once per
dialect. On SQLite it then runs straight on the driver connection of the caller's
transaction, with the types' own bind and result conversions (JSON in and out) applied
and driver errors raised as SQLAlchemy's (`IntegrityError`, `OperationalError`, …) as a
`Connection.execute` would raise them; on PostgreSQL it goes through `Connection.execute`,
where the built-once statement hits the compiled cache.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

Statement = sa.Select[Any] | sa.Insert | sa.Update | sa.Delete
Build = Callable[[str], Statement]
Params = Mapping[str, Any]


class _Compiled:
    """One statement compiled for SQLite: its SQL, positional binds and conversions."""

    __slots__ = ("converted", "defaults", "names", "sql", "to_db")

    def __init__(self, stmt: Statement, dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        self.sql = compiled.string
        self.names: list[str] = list(compiled.positiontup or ())
        self.defaults: dict[str, Any] = dict(compiled.construct_params(_check=False))
        self.to_db: dict[str, Callable[[Any], Any]] = {}
        for name in self.names:
            process = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self.to_db[name] = process
        columns = getattr(stmt, "exported_columns", ())
        processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        # Only the columns that need converting (JSON, mostly): a 28-column row with two
        # JSON columns pays for two calls, not 28.
        self.converted: list[tuple[int, Callable[[Any], Any]]] = [
            (index, process) for index, process in enumerate(processors) if process is not None
        ]

    def args(self, params: Params) -> tuple[Any, ...]:
        values: list[Any] = []
        for name in self.names:
            value = params[name] if name in params else self.defaults[name]
            process = self.to_db.get(name)
            values.append(value if process is None else process(value))
        return tuple(values)

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        if not self.converted:
            return tuple(raw)
        values = list(raw)
        for index, process in self.converted:
            values[index] = process(values[index])
        return tuple(values)


class Prepared:
    """A statement (or one per dialect name, via `build`) prepared for repeated use."""

    def __init__(self, stmt: Statement | None = None, *, build: Build | None = None) -> None:
        if (stmt is None) == (build is None):
            raise ValueError("give a statement or a build function")
        self._stmt = _checked(stmt) if stmt is not None else None
        self._build = build
        self._stmts: dict[str, Statement] = {}
        self._keys: dict[str, list[str]] = {}  # column names of the rows, per dialect
        self._sqlite: _Compiled | None = None
        self._lock = threading.Lock()

    def statement(self, dialect: str) -> Statement:
        if self._stmt is not None:
            return self._stmt
        stmt = self._stmts.get(dialect)
        if stmt is None:
            assert self._build is not None
            stmt = self._stmts[dialect] = _checked(self._build(dialect))
        return stmt

    def _compiled(self, conn: Connection) -> _Compiled:
        compiled = self._sqlite
        if compiled is None:
            with self._lock:
                compiled = self._sqlite = _Compiled(self.statement("sqlite"), conn.dialect)
        return compiled

    def _driver(self, conn: Connection) -> sqlite3.Connection:
        if not conn.in_transaction():
            conn.begin()  # as `Connection.execute` would autobegin
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        return driver

    def _run(self, conn: Connection, params: Params) -> tuple[_Compiled, sqlite3.Cursor]:
        compiled = self._compiled(conn)
        args = compiled.args(params)
        try:
            return compiled, self._driver(conn).execute(compiled.sql, args)
        except sqlite3.Error as exc:
            raise _wrapped(compiled.sql, args, exc, conn) from exc

    def all(self, conn: Connection, params: Params | None = None) -> list[tuple[Any, ...]]:
        """Every row, as plain tuples."""
        if conn.dialect.name != "sqlite":
            return [tuple(r) for r in conn.execute(self.statement(conn.dialect.name), params)]
        compiled, cursor = self._run(conn, params or {})
        return [compiled.row(raw) for raw in cursor.fetchall()]

    def first(self, conn: Connection, params: Params | None = None) -> tuple[Any, ...] | None:
        rows = self.all(conn, params)
        return rows[0] if rows else None

    def first_mapping(
        self, conn: Connection, params: Params | None = None
    ) -> dict[str, Any] | None:
        """The first row as a dict keyed by the statement's column names."""
        rows = self.mappings(conn, params)
        return rows[0] if rows else None

    def mappings(self, conn: Connection, params: Params | None = None) -> list[dict[str, Any]]:
        """Every row as a dict keyed by the statement's column names."""
        keys = self._keys.get(conn.dialect.name)
        if keys is None:
            columns = self.statement(conn.dialect.name).exported_columns
            keys = self._keys[conn.dialect.name] = [str(key) for key, _c in columns.items()]
        return [dict(zip(keys, row, strict=True)) for row in self.all(conn, params)]

    def scalar(self, conn: Connection, params: Params | None = None) -> Any:
        row = self.first(conn, params)
        return row[0] if row is not None else None

    def run(self, conn: Connection, params: Params | None = None) -> int:
        """A statement without rows; the number of rows it changed."""
        if conn.dialect.name != "sqlite":
            return int(conn.execute(self.statement(conn.dialect.name), params).rowcount)
        _compiled, cursor = self._run(conn, params or {})
        return int(cursor.rowcount)

    def many(self, conn: Connection, rows: Sequence[Params]) -> None:
        """The statement once per parameter set (an executemany)."""
        if not rows:
            return
        if conn.dialect.name != "sqlite":
            conn.execute(self.statement(conn.dialect.name), list(rows))
            return
        compiled = self._compiled(conn)
        args = [compiled.args(row) for row in rows]
        try:
            self._driver(conn).executemany(compiled.sql, args)
        except sqlite3.Error as exc:
            raise _wrapped(compiled.sql, args, exc, conn) from exc


def insert_returning_id(table: sa.Table, columns: Sequence[str]) -> Prepared:
    """`INSERT INTO table (columns…) VALUES (:column…) RETURNING id`, prepared once."""
    values: dict[str, Any] = {name: sa.bindparam(name) for name in columns}
    return Prepared(sa.insert(table).values(values).returning(table.c.id))


def _checked(stmt: Statement) -> Statement:
    if "POSTCOMPILE" in str(stmt.compile()):
        # An `in_()` renders its values at execution; spell such a test with `or_()`.
        raise ValueError("a prepared statement cannot hold an expanding IN")
    return stmt


def _wrapped(sql: str, args: Any, exc: sqlite3.Error, conn: Connection) -> BaseException:
    """The driver's error as SQLAlchemy raises it from `Connection.execute`."""
    return sa.exc.DBAPIError.instance(sql, args, exc, sqlite3.Error, dialect=conn.dialect)
