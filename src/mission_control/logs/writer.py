"""The server's own log: JSON lines in `<data>/logs/mission-control.log`, rotated by size."""

from __future__ import annotations

import logging
import logging.handlers
import os
import stat
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

LOG_FILE = "mission-control.log"
MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5
MAX_MESSAGE = 5000
# The loggers whose records go to the file: our own packages and the server's errors.
LOGGERS = ("mission_control", "uvicorn.error")
LEVELS = ("debug", "info", "warning", "error", "critical")

# Attributes every LogRecord has; anything else was passed with `extra=` and is kept.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "source"}


def logs_dir(data_dir: Path) -> Path:
    return data_dir / "logs"


def level_name(levelno: int) -> str:
    name = logging.getLevelName(levelno).lower()
    return name if name in LEVELS else "info"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def entry_of(record: logging.LogRecord) -> dict[str, Any]:
    """One log line: `{timestamp, time, level, source, message, …extra fields}`."""
    message = record.getMessage()
    if record.exc_info:
        message = f"{message}\n{logging.Formatter().formatException(record.exc_info)}"
    entry: dict[str, Any] = {
        "timestamp": int(record.created),
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": level_name(record.levelno),
        "source": str(getattr(record, "source", None) or record.name),
        "message": message[:MAX_MESSAGE],
    }
    for key, value in vars(record).items():
        if key not in _STANDARD and not key.startswith("_") and key not in entry:
            entry[key] = _plain(value)
    return entry


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return orjson.dumps(entry_of(record)).decode()


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """Rotating file handler whose files are readable by the owner only."""

    def _open(self):  # type: ignore[no-untyped-def]
        stream = super()._open()
        os.chmod(self.baseFilename, 0o600)
        return stream


class FileLog:
    """Attaches the JSON file handler while the app runs; several apps in one process (tests)
    each get their own handler and detach it on stop."""

    _lock = threading.Lock()

    def __init__(self, data_dir: Path, level: str) -> None:
        self.folder = logs_dir(data_dir)
        self.path = self.folder / LOG_FILE
        self.level = logging.getLevelName(level.strip().upper())
        if not isinstance(self.level, int):
            self.level = logging.INFO
        self.handler: logging.Handler | None = None

    def attach(self) -> None:
        with self._lock:
            if self.handler is not None:
                return
            self.folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.folder.mkdir(mode=0o700, exist_ok=True)
            os.chmod(self.folder, stat.S_IRWXU)
            handler = _PrivateRotatingHandler(
                self.path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
            )
            handler.setFormatter(JsonLinesFormatter())
            handler.setLevel(self.level)
            for name in LOGGERS:
                logger = logging.getLogger(name)
                logger.addHandler(handler)
                if logger.level == logging.NOTSET or logger.level > self.level:
                    logger.setLevel(self.level)
            self.handler = handler

    def detach(self) -> None:
        with self._lock:
            handler, self.handler = self.handler, None
        if handler is None:
            return
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(handler)
        handler.close()

    def append(
        self, message: str, level: str, source: str, extra: dict[str, Any]
    ) -> dict[str, Any]:
        """Write one entry sent through the API and return it as stored. It goes through the
        same handler (so rotation applies) even when the configured level would drop it."""
        levelno = logging.getLevelName(level.upper())
        record = logging.makeLogRecord(
            {
                "name": "mission_control.ingest",
                "levelno": levelno,
                "levelname": level.upper(),
                "msg": message,
                "created": time.time(),
                "source": source,
                **extra,
            }
        )
        self.attach()
        handler = self.handler
        assert handler is not None
        handler.acquire()
        try:
            handler.emit(record)
        finally:
            handler.release()
        return entry_of(record)
