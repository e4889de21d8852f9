"""The import run: id mapping, idempotence, per-table counts and the order of the steps."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id
from mission_control.db.tables import import_map
from mission_control.importer.source import OriginalDatabase
from mission_control.security.secretbox import SecretBox


class Skip(Exception):
    """This row cannot come over; the message says why (it is counted, not fatal)."""


@dataclass
class TableReport:
    source_rows: int = 0
    imported: int = 0
    existing: int = 0
    skipped: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    changes: Counter[str] = field(default_factory=Counter)
    columns: set[str] = field(default_factory=set)
    read: set[str] = field(default_factory=set)
    inspected: bool = False

    def carried(self, row: SourceRow) -> None:
        """`row` came over as a new row here: the columns it was read for are carried."""
        self.read |= row.read
        self.inspected = True

    @property
    def ignored_columns(self) -> list[str] | None:
        """Source columns that no row brought over was read for (their values stay behind);
        None when no row was brought over in this run (so it is not known)."""
        return sorted(self.columns - self.read) if self.inspected else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_rows": self.source_rows,
            "imported": self.imported,
            "existing": self.existing,
            "skipped": self.skipped,
            "skip_reasons": dict(self.reasons),
            "imported_with_changes": dict(self.changes),
            "ignored_columns": self.ignored_columns,
        }


class SourceRow(dict[str, Any]):
    """A source row that remembers which columns were looked at."""

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    tables: dict[str, TableReport] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    not_imported: dict[str, int] = field(default_factory=dict)
    renamed_users: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "tables": {k: v.as_dict() for k, v in self.tables.items()},
            "not_imported": self.not_imported,
            "renamed_users": self.renamed_users,
            "notes": self.notes,
        }


def parse_json(value: Any, default: Any) -> Any:
    """The original keeps JSON as TEXT; anything unparseable falls back to `default`."""
    if value is None or value == "":
        return default
    if isinstance(value, dict | list):
        return value
    try:
        parsed = orjson.loads(value)
    except (orjson.JSONDecodeError, TypeError):
        return default
    return parsed if isinstance(parsed, type(default)) else default


def as_int(value: Any, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def clip(value: Any, length: int) -> str | None:
    if value is None:
        return None
    return str(value)[:length]


_USERNAME_BAD = re.compile(r"[^a-z0-9_.-]+")


def clean_username(raw: Any, source_id: Any) -> str:
    """A name our username rule (a-z, 0-9, `_.-`) accepts; a name with no letter or digit
    left (李, レビュアー) becomes `user-<original id>`, so such names stay apart."""
    name = _USERNAME_BAD.sub("-", str(raw or "").strip().lower()).strip("-")[:64]
    if not re.search(r"[a-z0-9]", name):
        return f"user-{source_id}"[:64]
    return name if len(name) >= 2 else (name + "-user")[:64]


Step = Callable[["Importer"], None]


class Progress(Protocol):
    """What the import tells a progress display: a table starts, a row is done."""

    def start(self, table: str, total: int) -> None: ...

    def advance(self, table: str) -> None: ...


class Importer:
    """Copies what it knows from the original into this database, in one transaction."""

    def __init__(
        self,
        conn: Connection,
        original: OriginalDatabase,
        *,
        source: str,
        dry_run: bool = False,
        progress: Progress | None = None,
        box: SecretBox | None = None,
    ) -> None:
        self.conn = conn
        # Seals webhook secrets as they come over (without one they are sealed at the
        # next start of the server).
        self.box = box
        self.src = original
        self.source = source[:200]
        self.now = int(time.time())
        self.report = ImportReport(source=self.source, dry_run=dry_run)
        self._map_cache: dict[tuple[str, str], int] = {}
        self.progress = progress

    # -- the id map --
    def mapped(self, table: str, source_id: Any) -> int | None:
        if source_id is None:
            return None
        key = (table, str(source_id))
        if key not in self._map_cache:
            target = self.conn.execute(
                sa.select(import_map.c.target_id).where(
                    import_map.c.source == self.source,
                    import_map.c.table_name == table,
                    import_map.c.source_id == str(source_id),
                )
            ).scalar()
            if target is None:
                return None
            self._map_cache[key] = int(target)
        return self._map_cache[key]

    def remember(self, table: str, source_id: Any, target_id: int) -> None:
        self.conn.execute(
            sa.insert(import_map).values(
                source=self.source,
                table_name=table,
                source_id=str(source_id),
                target_id=target_id,
                imported_at=self.now,
            )
        )
        self._map_cache[(table, str(source_id))] = target_id

    def workspace(self, source_id: Any) -> int:
        """Our workspace for an original workspace id (unknown ones land in the default)."""
        return self.mapped("workspaces", source_id) or 1

    def ts(self, value: Any) -> int:
        return as_int(value, self.now) or self.now

    def placed(self, row: dict[str, Any], *, updated: bool = True) -> dict[str, Any]:
        """A row's workspace and creation (and update) times, as most tables carry them."""
        values = {"workspace_id": self.workspace(row.get("workspace_id"))}
        values["created_at"] = self.ts(row.get("created_at"))
        if updated:
            values["updated_at"] = self.ts(row.get("updated_at"))
        return values

    def is_mine(self, table: str, target_id: int) -> bool:
        """Whether our row `target_id` came from this source (in this run or an earlier one)."""
        return (
            self.conn.execute(
                sa.select(import_map.c.source_id).where(
                    import_map.c.source == self.source,
                    import_map.c.table_name == table,
                    import_map.c.target_id == target_id,
                )
            ).first()
            is not None
        )

    # -- the generic row loop --
    def table_report(self, table: str) -> TableReport:
        report = self.report.tables.get(table)
        if report is None:
            report = self.report.tables[table] = TableReport(
                source_rows=self.src.count(table), columns=self.src.columns(table)
            )
        return report

    def rows(self, table: str) -> Iterator[SourceRow]:
        """The source rows of `table`, noting the columns read and the progress made."""
        report = self.table_report(table)
        if self.progress is not None:
            self.progress.start(table, report.source_rows)
        for row in self.src.rows(table):
            yield SourceRow(row)
            if self.progress is not None:
                self.progress.advance(table)

    def copy(
        self, table: str, build: Callable[[dict[str, Any]], tuple[sa.Table, dict[str, Any]] | int]
    ) -> TableReport:
        """For each source row: skip if already imported, else `build` it and insert it.

        `build` returns the target table and values to insert, or the id of an existing
        row here that the source row corresponds to, or raises `Skip`.
        """
        report = self.table_report(table)
        for row in self.rows(table):
            source_id = row.get("id", row.get("key"))
            if self.mapped(table, source_id) is not None:
                report.existing += 1
                continue
            try:
                built = build(row)
            except Skip as reason:
                report.skipped += 1
                report.reasons[str(reason)] += 1
                continue
            if isinstance(built, int):
                report.existing += 1
                self.remember(table, source_id, built)
                continue
            target, values = built
            new_id = inserted_id(self.conn.execute(sa.insert(target).values(**values)))
            self.remember(table, source_id, new_id)
            report.imported += 1
            report.carried(row)
        return report

    def run(self, steps: list[Step]) -> ImportReport:
        for step in steps:
            step(self)
        return self.report
