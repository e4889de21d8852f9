"""`mc users approve` and `mc users reset-2fa`: identity chores done from the server's shell."""

from __future__ import annotations

import typer

from mission_control.cli_context import cli_env, console, fail
from mission_control.security.actor import ROLES


def approve(
    request_id: int = typer.Argument(..., help="Id of the access request."),
    role: str = typer.Option("viewer", help="Role of the new user: viewer, operator or admin."),
    note: str = typer.Option("", help="Note kept on the request."),
) -> None:
    """Approve a Google access request, creating its user (never an existing local account)."""
    from mission_control.google_auth.service import review_request

    chosen = role.strip().lower()
    if chosen not in ROLES:
        fail(f"role must be one of {', '.join(ROLES)}", 2)
    with cli_env() as env:
        request, user = env.db.write_sync(
            review_request, env.actor, request_id, "approve", chosen, note or None
        )
    assert user is not None
    console.print(f"Approved {request['email']} as [bold]{user['username']}[/bold] ({chosen}).")


def reset_2fa(username: str = typer.Argument(..., help="The user whose 2FA is removed.")) -> None:
    """Remove a user's two-factor login (lost device); they log in with the password alone."""
    from mission_control.two_factor.service import reset

    with cli_env() as env:
        user = env.db.write_sync(reset, env.actor, username)
    console.print(f"Two-factor login removed for [bold]{user['username']}[/bold].")


def register(users_app: typer.Typer) -> None:
    users_app.command("approve")(approve)
    users_app.command("reset-2fa")(reset_2fa)
