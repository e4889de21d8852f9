"""The `mc` command: serve, database, backup/restore, users, keys, audit and doctor."""

from __future__ import annotations

import contextlib
import os

import typer
from rich.console import Console

from mission_control.settings import ConfigError, load_settings

app = typer.Typer(help="Mission Control: a control plane for AI agents.", no_args_is_help=True)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()
err = Console(stderr=True)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(3000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, max=32, help="Worker processes."),
) -> None:
    """Migrate the database and serve the web UI and API."""
    import uvicorn

    from mission_control.db.migrate import upgrade
    from mission_control.runtime_checks import needs_setup_url

    try:
        settings = load_settings()
        settings.check_production()
    except (ConfigError, ValueError) as exc:
        err.print(f"[red]Refusing to start:[/red] {exc}")
        raise typer.Exit(2) from exc
    from mission_control.backups.serverlock import hold_server_lock

    upgrade(settings.database_url_resolved)
    url = f"http://{host}:{port}"
    console.print(f"Mission Control on [bold]{url}[/bold]")
    if needs_setup_url(settings):
        console.print(f"No user yet: create the first admin at [bold]{url}/setup[/bold]")
    os.environ.setdefault("MC_SERVE_WORKERS", str(workers))
    with contextlib.ExitStack() as stack:
        # Another instance on this data folder may already hold it; `mc restore` still
        # sees a running server, which is all the lock is for.
        with contextlib.suppress(RuntimeError):
            stack.enter_context(hold_server_lock(settings.data_dir))
        uvicorn.run(
            "mission_control.app:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            access_log=False,
            proxy_headers=False,
            server_header=False,
        )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    from mission_control.db.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url_resolved)
    console.print("Database is up to date.")


@app.command()
def backup() -> None:
    """Write an online backup of the SQLite database into <data>/backups and prune old ones."""
    from mission_control.backups import service
    from mission_control.db.engine import Database
    from mission_control.errors import BadRequest
    from mission_control.settings_api.service import get_value

    settings = load_settings()
    try:
        db_file = service.database_file(settings)
    except BadRequest as exc:
        err.print(exc.message)
        raise typer.Exit(2) from exc
    folder = service.backups_dir(settings)
    made = service.create_backup(db_file, folder)
    db = Database(settings.database_url_resolved)
    try:
        keep = int(db.read_sync(get_value, settings, "general.backup_retention_count"))
    finally:
        db.dispose()
    pruned = service.prune(folder, keep)
    console.print(f"Backup written: {folder / made['name']} ({made['size']} bytes)")
    if pruned:
        console.print(f"Pruned {len(pruned)} old backup(s).")


@app.command()
def restore(
    file: str = typer.Argument(..., help="Backup file (a path, or a name in <data>/backups)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Replace the SQLite database with a backup. Refuses while the server runs."""
    from pathlib import Path

    from mission_control.backups import service
    from mission_control.backups.serverlock import server_running
    from mission_control.errors import BadRequest

    settings = load_settings()
    try:
        db_file = service.database_file(settings)
    except BadRequest as exc:
        err.print(exc.message)
        raise typer.Exit(2) from exc
    if server_running(settings.data_dir):
        err.print("[red]The server is running[/red] (its lock is held): stop it, then restore.")
        raise typer.Exit(1)
    source = Path(file)
    if not source.exists() and (service.backups_dir(settings) / file).exists():
        source = service.backups_dir(settings) / file
    if not yes and not typer.confirm(f"Replace {db_file} with {source}?"):
        raise typer.Exit(1)
    try:
        kept = service.restore(db_file, source, keep_copy_in=service.backups_dir(settings))
    except service.BackupError as exc:
        err.print(f"[red]Restore refused:[/red] {exc}")
        raise typer.Exit(1) from exc
    if kept is not None:
        console.print(f"The previous database was saved as {kept}.")
    console.print(f"Restored {db_file} from {source}.")


def main() -> None:
    app()
