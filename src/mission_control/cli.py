"""The `mc` command: serve, database, users, keys, audit and doctor."""

from __future__ import annotations

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


def main() -> None:
    app()


def _register_commands() -> None:
    from mission_control import cli_import, cli_mcp
    from mission_control.client.register import register as register_client

    cli_import.register(app)
    cli_mcp.register(app)
    register_client(app)


_register_commands()
