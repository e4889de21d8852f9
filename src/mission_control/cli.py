"""The `mc` command: serve, database, backup/restore, users, keys, audit and doctor."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import typer
from sqlalchemy.engine import Connection

from mission_control.cli_audit import audit_app
from mission_control.cli_context import CliEnv, cli_env, console, err
from mission_control.cli_identity import register as register_identity_commands
from mission_control.cli_users import users_app
from mission_control.security.actor import Actor
from mission_control.settings import ConfigError, load_settings

app = typer.Typer(help="Mission Control: a control plane for AI agents.", no_args_is_help=True)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
keys_app = typer.Typer(help="The global API key.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
register_identity_commands(users_app)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")


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


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Replace the global API key; the new key is printed once and only its hash is kept."""
    from mission_control.security.api_keys import rotate_global_key
    from mission_control.security.audit import audit
    from mission_control.security.digests import key_prefix

    def rotate(conn: Connection, actor: Actor) -> str:
        key = rotate_global_key(conn, updated_by=actor.username, now=int(time.time()))
        audit(
            conn,
            actor,
            "api_key_rotated",
            target_type="api_key",
            target_id="global",
            detail={"key_prefix": key_prefix(key)},
        )
        return key

    with cli_env() as env:
        key = env.db.write_sync(rotate, env.actor)
    err.print("New global API key (store it now; it is not shown again).")
    err.print("The previous key and any API_KEY from the environment stop working.")
    typer.echo(key)


@app.command()
def doctor(
    env_file: Path = typer.Option(Path(".env"), help="The .env file whose mode is checked."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Run the security checklist (and, with MC_REDIS_URL, PING Redis); exit 1 when any
    item fails."""
    from rich.table import Table

    from mission_control.security.checklist import CheckItem, check_redis, report, run_checks

    def checks(conn: Connection, env: CliEnv) -> list[CheckItem]:
        return run_checks(env.settings, conn, env.passwords, env_file=env_file)

    with cli_env() as env:
        items = env.db.read_sync(checks, env)
        if env.settings.redis_url:
            # Outside the database transaction: the PING may wait for its timeout.
            items.append(check_redis(env.settings.redis_url))
    result = report(items)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        styles = {"pass": "green", "warn": "yellow", "fail": "bold red"}
        table = Table("check", "status", "detail", "fix", title="Mission Control security check")
        for item in result["items"]:
            status = item["status"]
            table.add_row(
                item["title"], f"[{styles[status]}]{status.upper()}[/]", item["detail"], item["fix"]
            )
        console.print(table)
        summary = result["summary"]
        console.print(
            f"Score [bold]{result['score']}[/bold]/100: {summary['pass']} pass, "
            f"{summary['warn']} warn, {summary['fail']} fail"
        )
    if result["summary"]["fail"]:
        raise typer.Exit(1)


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


def _register_commands() -> None:
    from mission_control import cli_import, cli_mcp
    from mission_control.client.register import register as register_client

    cli_import.register(app)
    cli_mcp.register(app)
    register_client(app)


_register_commands()
