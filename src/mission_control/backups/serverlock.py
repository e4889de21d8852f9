"""The data folder's server lock: held by `mc serve`, checked by `mc restore`."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = "mission-control.lock"


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_NAME


@contextlib.contextmanager
def hold_server_lock(data_dir: Path) -> Iterator[Path]:
    """Hold an exclusive advisory lock (with our pid in the file) while the server runs.
    The kernel drops it when the process dies, so a crash never leaves a stale lock."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = lock_path(data_dir)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another server holds {path}") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        os.close(fd)


def server_running(data_dir: Path) -> bool:
    """True while some process holds the server lock of `data_dir`."""
    path = lock_path(data_dir)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
