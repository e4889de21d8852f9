"""Adds the client command groups to the `mc` application."""

from __future__ import annotations

import typer

from mission_control.client import agents, commands, tasks, tokens


def register(app: typer.Typer) -> None:
    app.add_typer(commands.auth_app, name="auth")
    app.add_typer(agents.app, name="agents")
    app.add_typer(tasks.app, name="tasks")
    app.add_typer(tokens.app, name="tokens")
    app.add_typer(commands.events_app, name="events")
    app.command("status")(commands.status)
    app.command("export")(commands.export)
    app.command("raw")(commands.raw)
