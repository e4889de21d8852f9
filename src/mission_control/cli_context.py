"""What a CLI command works with: settings, the migrated database, the hasher and its actor."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.exc import OperationalError

from mission_control.db.engine import Database
from mission_control.errors import AppError
from mission_control.security.actor import Actor, system_actor
from mission_control.security.passwords import Passwords
from mission_control.settings import ConfigError, Settings, load_settings

console = Console()
err = Console(stderr=True)


@dataclass
class CliEnv:
    settings: Settings
    db: Database
    passwords: Passwords
    actor: Actor


def cli_actor() -> Actor:
    """Audit rows written by the CLI name `cli` and the operating-system user who ran it."""
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):
        os_user = "unknown"
    return system_actor("cli").with_origin("local", f"mc cli (os user {os_user})")


def short_time(ts: int | None) -> str:
    """A unix time as `YYYY-MM-DD HH:MM` (UTC) for tables; `-` when there is none."""
    if not ts:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]Error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except (ConfigError, ValidationError) as exc:
        fail(f"configuration: {exc}", 2)


@contextmanager
def cli_env(*, migrate: bool = True) -> Iterator[CliEnv]:
    """Open the database the server would use (migrated first) for one command."""
    settings = settings_or_exit()
    if migrate:
        from mission_control.db.migrate import upgrade

        try:
            upgrade(settings.database_url_resolved)
        except OperationalError as exc:
            fail(f"cannot open the database: {exc.orig or exc}", 2)
    db = Database(settings.database_url_resolved)
    passwords = Passwords(
        memory_kib=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
    )
    try:
        yield CliEnv(settings, db, passwords, cli_actor())
    except AppError as exc:
        details = exc.extra.get("details")
        fail(exc.message + (f": {'; '.join(map(str, details))}" if details else ""))
    finally:
        db.dispose()
