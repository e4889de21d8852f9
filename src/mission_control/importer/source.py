"""Reading an original Mission Control SQLite database, strictly read-only."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FINGERPRINT_TABLES = ("workspaces", "users", "agents", "projects", "tasks")


class SourceError(Exception):
    """The file is not a readable original Mission Control database."""


class OriginalDatabase:
    """Tables, columns and rows of the original's SQLite file, opened with mode=ro."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise SourceError(f"{path} is not a file")
        try:
            self._conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
            self._conn.row_factory = sqlite3.Row
            names = self._conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise SourceError(f"{path} is not a SQLite database: {exc}") from exc
        self.path = path
        self._tables = {row[0] for row in names}
        if "users" not in self._tables and "tasks" not in self._tables:
            raise SourceError(f"{path} does not look like a Mission Control database")

    @property
    def tables(self) -> set[str]:
        return set(self._tables)

    def has(self, table: str) -> bool:
        return table in self._tables

    def columns(self, table: str) -> set[str]:
        if table not in self._tables:
            return set()
        return {row[1] for row in self._conn.execute(f'PRAGMA table_info("{table}")')}

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of `table` in id order (parents before children), as plain dicts."""
        if table not in self._tables:
            return
        order = ' ORDER BY "id"' if "id" in self.columns(table) else ""
        cursor = self._conn.execute(f'SELECT * FROM "{table}"{order}')  # noqa: S608 - known names
        while batch := cursor.fetchmany(500):
            for row in batch:
                yield dict(row)

    def count(self, table: str) -> int:
        if table not in self._tables:
            return 0
        return int(self._conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])  # noqa: S608

    def fingerprint(self) -> str:
        """Names this original wherever its file lies: a hash of the id and creation time of
        the first rows of the tables it starts with, which later use does not change."""
        digest = hashlib.sha256()
        for table in FINGERPRINT_TABLES:
            if not {"id", "created_at"} <= self.columns(table):
                continue
            first = self._conn.execute(
                f'SELECT "id", "created_at" FROM "{table}" ORDER BY "id" LIMIT 5'  # noqa: S608
            ).fetchall()
            digest.update(f"{table}:{[tuple(r) for r in first]};".encode())
        return digest.hexdigest()[:32]

    def close(self) -> None:
        self._conn.close()
