"""The import run: id mapping, idempotence, per-table counts and the order of the steps."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id
from mission_control.db.tables import import_map
from mission_control.importer.source import OriginalDatabase


class Skip(Exception):
    """This row cannot come over; the message says why (it is counted, not fatal)."""


@dataclass
class TableReport:
    source_rows: int = 0
    imported: int = 0
    existing: int = 0
    skipped: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_rows": self.source_rows,
            "imported": self.imported,
            "existing": self.existing,
            "skipped": self.skipped,
            "skip_reasons": dict(self.reasons),
        }


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    tables: dict[str, TableReport] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    not_imported: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "tables": {k: v.as_dict() for k, v in self.tables.items()},
            "not_imported": self.not_imported,
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


def clean_username(raw: Any) -> str:
    name = _USERNAME_BAD.sub("-", str(raw or "").strip().lower()).strip("-")[:64]
    return name if len(name) >= 2 else (name + "-user")[:64]


Step = Callable[["Importer"], None]


class Importer:
    """Copies what it knows from the original into this database, in one transaction."""

    def __init__(
        self, conn: Connection, original: OriginalDatabase, *, source: str, dry_run: bool = False
    ) -> None:
        self.conn = conn
        self.src = original
        self.source = source[:200]
        self.now = int(time.time())
        self.report = ImportReport(source=self.source, dry_run=dry_run)
        self._map_cache: dict[tuple[str, str], int] = {}

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

    # -- the generic row loop --
    def copy(
        self, table: str, build: Callable[[dict[str, Any]], tuple[sa.Table, dict[str, Any]] | int]
    ) -> TableReport:
        """For each source row: skip if already imported, else `build` it and insert it.

        `build` returns the target table and values to insert, or the id of an existing
        row here that the source row corresponds to, or raises `Skip`.
        """
        report = self.report.tables.setdefault(table, TableReport())
        report.source_rows = self.src.count(table)
        for row in self.src.rows(table):
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
        return report

    def run(self, steps: list[Step]) -> ImportReport:
        for step in steps:
            step(self)
        return self.report
