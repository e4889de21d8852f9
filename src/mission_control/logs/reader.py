"""Reading logs newest first: the server's JSON lines and any `*.log` under MC_LOG_DIRS."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from mission_control.logs.writer import BACKUPS, LEVELS, LOG_FILE, MAX_MESSAGE, logs_dir

BLOCK = 64 * 1024
MAX_LINE = 64 * 1024
SCAN_BYTES = 16 * 1024 * 1024  # per file: a filter that matches nothing stops here
ALIASES = {"warn": "warning", "err": "error", "fatal": "critical", "trace": "debug"}
_LEADING_TIME = re.compile(
    r"^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)"
)
_LEVEL_WORD = re.compile(r"\b(DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL)\b", re.I)


@dataclass(frozen=True)
class LogFilter:
    levels: frozenset[str] | None = None
    source: str | None = None
    search: str | None = None
    since: int | None = None

    def matches(self, entry: dict[str, Any]) -> bool:
        if self.levels is not None and entry["level"] not in self.levels:
            return False
        if self.source is not None and str(entry["source"]).lower() != self.source:
            return False
        if self.since is not None and (entry["timestamp"] or 0) < self.since:
            return False
        return self.search is None or self.search in str(entry["message"]).lower()


def normal_level(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    name = raw.strip().lower()
    name = ALIASES.get(name, name)
    return name if name in LEVELS else None


def lines_backwards(path: Path, budget: int = SCAN_BYTES) -> Iterator[str]:
    """The file's lines from last to first, reading blocks from the end (at most `budget`
    bytes); over-long lines are cut, undecodable bytes replaced."""
    try:
        handle = path.open("rb")
    except OSError:
        return
    with handle:
        position = handle.seek(0, os.SEEK_END)
        floor = max(0, position - budget)
        rest = b""
        while position > floor:
            size = min(BLOCK, position - floor)
            position -= size
            handle.seek(position)
            chunk = handle.read(size) + rest
            parts = chunk.split(b"\n")
            rest = parts[0]
            if len(rest) > MAX_LINE:
                rest = rest[-MAX_LINE:]
            for raw in reversed(parts[1:]):
                if raw.strip():
                    yield raw[:MAX_LINE].decode("utf-8", "replace")
        if position == 0 and rest.strip():
            yield rest[:MAX_LINE].decode("utf-8", "replace")


def _timestamp(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        # Milliseconds since the epoch are common in other tools' JSON logs.
        return int(value / 1000) if value > 10**11 else int(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())
    return None


def parse_line(line: str, source: str, fallback_time: int) -> dict[str, Any]:
    """An entry from one line: our JSON shape, another tool's JSON, or plain text."""
    data: Any = None
    if line.startswith("{"):
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError:
            data = None
    if isinstance(data, dict):
        stamp = None
        for key in ("timestamp", "time", "ts", "@timestamp"):
            stamp = _timestamp(data.get(key))
            if stamp is not None:
                break
        message = data.get("message", data.get("msg", ""))
        return {
            **{k: v for k, v in data.items() if isinstance(k, str)},
            "timestamp": stamp if stamp is not None else fallback_time,
            "level": normal_level(data.get("level")) or "info",
            "source": str(data.get("source") or source),
            "message": str(message)[:MAX_MESSAGE],
        }
    found = _LEADING_TIME.match(line)
    stamp = _timestamp(found.group(1)) if found else None
    word = _LEVEL_WORD.search(line[:200])
    return {
        "timestamp": stamp if stamp is not None else fallback_time,
        "level": normal_level(word.group(1)) if word else "info",
        "source": source,
        "message": line[:MAX_MESSAGE],
    }


def log_files(data_dir: Path, extra_dirs: list[Path]) -> list[tuple[str, list[Path]]]:
    """(source, files newest first): our log with its rotations, then each `*.log` found
    directly in the extra folders."""
    own = logs_dir(data_dir) / LOG_FILE
    groups: list[tuple[str, list[Path]]] = [
        ("server", [own, *(own.with_name(f"{LOG_FILE}.{n}") for n in range(1, BACKUPS + 1))])
    ]
    for folder in extra_dirs:
        try:
            found = sorted(p for p in folder.glob("*.log") if p.is_file())
        except OSError:
            continue
        groups.extend((path.stem, [path]) for path in found)
    return groups


def read_logs(
    data_dir: Path, extra_dirs: list[Path], flt: LogFilter, limit: int
) -> list[dict[str, Any]]:
    """The newest `limit` entries matching `flt` across every log, newest first."""
    found: list[dict[str, Any]] = []
    for source, paths in log_files(data_dir, extra_dirs):
        taken = 0
        for path in paths:
            if taken >= limit or not path.is_file():
                continue
            fallback = int(path.stat().st_mtime)
            for line in lines_backwards(path):
                entry = parse_line(line, source, fallback)
                if flt.matches(entry):
                    found.append(entry)
                    taken += 1
                    if taken >= limit:
                        break
    found.sort(key=lambda e: e["timestamp"] or 0, reverse=True)
    return found[:limit]


def extra_dirs(raw: str) -> list[Path]:
    return [Path(part.strip()).expanduser() for part in raw.split(",") if part.strip()]
