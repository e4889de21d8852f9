"""The `mc` command: serve, database, users, keys, audit and doctor."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import typer
from sqlalchemy.engine import Connection

from mission_control.cli_audit import audit_app
from mission_control.cli_context import cli_env, console, err
from mission_control.cli_users import users_app
from mission_control.security.actor import Actor
from mission_control.settings import ConfigError, load_settings

app = typer.Typer(help="Mission Control: a control plane for AI agents.", no_args_is_help=True)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
keys_app = typer.Typer(help="The global API key.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
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
    upgrade(settings.database_url_resolved)
    url = f"http://{host}:{port}"
    console.print(f"Mission Control on [bold]{url}[/bold]")
    if needs_setup_url(settings):
        console.print(f"No user yet: create the first admin at [bold]{url}/setup[/bold]")
    os.environ.setdefault("MC_SERVE_WORKERS", str(workers))
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
    """Run the security checklist; exit 1 when any item fails."""
    from rich.table import Table

    from mission_control.security.checklist import security_scan

    with cli_env() as env:
        result = env.db.read_sync(security_scan, env.settings, env.passwords, env_file)
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


def main() -> None:
    app()
