"""`mc users requests|approve|reject` and `mc users reset-2fa`: identity chores done from the
server's shell."""

from __future__ import annotations

from enum import StrEnum

import typer
from rich.table import Table

from mission_control.cli_context import cli_env, console, fail, short_time
from mission_control.security.actor import ROLES


class RequestStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    all = "all"


def requests(
    status: RequestStatus = typer.Option(RequestStatus.pending, help="Which requests to list."),
    limit: int = typer.Option(50, min=1, max=500, help="How many to show."),
    offset: int = typer.Option(0, min=0, help="How many of the most recent to skip."),
) -> None:
    """Google access requests, most recent attempt first (the ids `approve`/`reject` take)."""
    from mission_control.google_auth.service import list_requests

    with cli_env() as env:
        page = env.db.read_sync(list_requests, status.value, limit, offset)
    rows = page["requests"]
    table = Table("id", "email", "name", "status", "attempts", "last attempt", "reviewed by")
    for request in rows:
        reviewed = request["reviewed_by"] or "-"
        if request["status"] == "approved" and request["approved_role"]:
            reviewed += f" ({request['approved_role']})"
        table.add_row(
            str(request["id"]),
            request["email"],
            request["display_name"] or "",
            request["status"],
            str(request["attempt_count"]),
            short_time(request["last_attempt_at"]),
            reviewed,
        )
    console.print(table)
    shown = f"{offset + 1}-{offset + len(rows)} of " if rows else ""
    console.print(f"{shown}{page['total']} request(s) ({status.value})")


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


def reject(
    request_id: int = typer.Argument(..., help="Id of the access request."),
    note: str = typer.Option("", help="Note kept on the request (the reason)."),
) -> None:
    """Reject a pending Google access request; retrying sign-in does not reopen it."""
    from mission_control.google_auth.service import review_request

    with cli_env() as env:
        request, _ = env.db.write_sync(
            review_request, env.actor, request_id, "reject", "viewer", note.strip() or None
        )
    console.print(f"Rejected the access request of {request['email']}.")


def reset_2fa(username: str = typer.Argument(..., help="The user whose 2FA is removed.")) -> None:
    """Remove a user's two-factor login (lost device); they log in with the password alone."""
    from mission_control.two_factor.service import reset

    with cli_env() as env:
        user = env.db.write_sync(reset, env.actor, username)
    console.print(f"Two-factor login removed for [bold]{user['username']}[/bold].")


def register(users_app: typer.Typer) -> None:
    users_app.command("requests")(requests)
    users_app.command("approve")(approve)
    users_app.command("reject")(reject)
    users_app.command("reset-2fa")(reset_2fa)
