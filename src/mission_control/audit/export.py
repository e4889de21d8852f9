"""Audit rows written out as CSV (a fixed header) or JSON."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

import orjson

CSV_COLUMNS = (
    "id",
    "created_at",
    "action",
    "actor",
    "actor_id",
    "target_type",
    "target_id",
    "ip_address",
    "user_agent",
    "workspace_id",
    "detail",
    "prev_hash",
    "hash",
)
# Cells starting with these run as formulas in spreadsheets; a leading quote disarms them.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    else:
        text = str(value)
    if text.startswith(_FORMULA_PREFIXES) and not isinstance(value, int):
        return "'" + text
    return text


def write_csv(events: Iterable[dict[str, Any]], out: TextIO) -> int:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for event in events:
        writer.writerow([_cell(event.get(column)) for column in CSV_COLUMNS])
        count += 1
    return count


def write_json(events: Iterable[dict[str, Any]], out: TextIO) -> int:
    """A JSON array, written one event at a time."""
    out.write("[")
    count = 0
    for event in events:
        out.write(",\n" if count else "\n")
        out.write(orjson.dumps(event).decode())
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
