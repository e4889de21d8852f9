"""Online SQLite backups (the sqlite3 backup API), their listing and pruning, and restore."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import stat
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mission_control.db.engine import sqlite_path
from mission_control.errors import BadRequest, NotFound
from mission_control.settings import Settings

if TYPE_CHECKING:
    from mission_control.runtime import Runtime

NAME_RE = re.compile(r"^mc-backup-\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(?:-\d{1,3})?\.db$")
PG_MESSAGE = (
    "Backups through Mission Control are for SQLite. On PostgreSQL use pg_dump, e.g. "
    '`pg_dump --format=custom --file=mc.dump "$MC_DATABASE_URL"`, and pg_restore to restore.'
)


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why."""


def backups_dir(settings: Settings) -> Path:
    return settings.data_dir / "backups"


def database_file(settings: Settings) -> Path:
    path = sqlite_path(settings.database_url_resolved)
    if not settings.is_sqlite or path is None:
        raise BadRequest(PG_MESSAGE)
    return path


def check_name(name: Any) -> str:
    """A bare backup file name; anything with a path, `..` or another shape → 400."""
    if not isinstance(name, str) or not name:
        raise BadRequest("name is required")
    if "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise BadRequest("Invalid backup name")
    if not NAME_RE.match(name):
        raise BadRequest("Invalid backup name")
    return name


def integrity_ok(path: Path) -> bool:
    """True when `path` is a SQLite database that passes `PRAGMA integrity_check`."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return bool(result and result[0] == "ok" and "alembic_version" in tables)


def _describe(path: Path) -> dict[str, Any]:
    info = path.stat()
    return {"name": path.name, "size": info.st_size, "created_at": int(info.st_mtime)}


def _free_name(folder: Path, moment: datetime) -> Path:
    base = f"mc-backup-{moment:%Y-%m-%d_%H-%M-%S}"
    candidate = folder / f"{base}.db"
    n = 2
    while candidate.exists():
        candidate = folder / f"{base}-{n}.db"
        n += 1
    return candidate


def create_backup(db_file: Path, folder: Path, *, now: float | None = None) -> dict[str, Any]:
    """Copy the live database page by page in one read transaction (consistent under
    concurrent writes) into `folder`, 0600, checked before it gets its final name."""
    folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, stat.S_IRWXU)
    moment = datetime.fromtimestamp(now if now is not None else time.time(), UTC)
    target = _free_name(folder, moment)
    partial = target.with_suffix(".partial")
    fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    try:
        source = sqlite3.connect(db_file, timeout=30)
        try:
            dest = sqlite3.connect(partial)
            try:
                source.backup(dest)
                dest.execute("PRAGMA journal_mode=DELETE")
            finally:
                dest.close()
        finally:
            source.close()
        if not integrity_ok(partial):
            raise BackupError("the backup failed its integrity check")
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return _describe(target)


def list_backups(folder: Path) -> list[dict[str, Any]]:
    if not folder.is_dir():
        return []
    items = [_describe(p) for p in folder.iterdir() if p.is_file() and NAME_RE.match(p.name)]
    return sorted(items, key=lambda i: (i["name"], i["created_at"]), reverse=True)


def prune(folder: Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` backups; returns the deleted names."""
    doomed = [item["name"] for item in list_backups(folder)[max(1, keep) :]]
    for name in doomed:
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
    return doomed


def backup_path(folder: Path, name: Any) -> Path:
    path = folder / check_name(name)
    if not path.is_file():
        raise NotFound("Backup not found")
    return path


def delete_backup(folder: Path, name: Any) -> str:
    path = backup_path(folder, name)
    path.unlink()
    return path.name


async def scheduled_backup(rt: Runtime, now: int) -> str:
    """The `auto_backup` job: a backup, then pruning to `general.backup_retention_count`."""
    import anyio.to_thread

    from mission_control.settings_api.service import get_value

    if not rt.settings.is_sqlite:
        return "skipped: PostgreSQL databases are backed up with pg_dump"
    db_file = database_file(rt.settings)
    folder = backups_dir(rt.settings)
    made = await anyio.to_thread.run_sync(lambda: create_backup(db_file, folder, now=now))
    keep = int(await rt.db.read(get_value, rt.settings, "general.backup_retention_count"))
    pruned = await anyio.to_thread.run_sync(lambda: prune(folder, keep))
    return f"created {made['name']}, pruned {len(pruned)}"


def restore(db_file: Path, source: Path, *, keep_copy_in: Path | None = None) -> Path | None:
    """Replace the database file with `source` after checking it. The server must be
    stopped (the caller checks the lock). Returns where the old database was kept."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    if not integrity_ok(source):
        raise BackupError(f"{source} is not a healthy Mission Control database")
    kept: Path | None = None
    if keep_copy_in is not None and db_file.exists():
        made = create_backup(db_file, keep_copy_in)
        kept = keep_copy_in / made["name"]
    staging = db_file.with_name(db_file.name + ".restoring")
    shutil.copyfile(source, staging)
    os.chmod(staging, 0o600)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            db_file.with_name(db_file.name + suffix).unlink()
    os.replace(staging, db_file)
    return kept
