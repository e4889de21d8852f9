"""`mc users`: list, create, set-role, reset-password, disable, enable, revoke-sessions."""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.table import Table

from mission_control.cli_context import CliEnv, cli_env, console, fail, short_time
from mission_control.security.actor import ROLES
from mission_control.security.passwords import PasswordPolicyError, check_policy
from mission_control.users import service

users_app = typer.Typer(help="Manage user accounts (audited as actor `cli`).", no_args_is_help=True)

PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="Read the password from the first line of standard input."
)


def _read_password(from_stdin: bool) -> str:
    """From stdin (scripts) or an interactive prompt asked twice; the policy is applied."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_policy(password)
    except PasswordPolicyError as exc:
        fail(str(exc))
    return password


def _user(env: CliEnv, username: str) -> dict[str, Any]:
    user = env.db.read_sync(service.find_by_username, username.strip().lower())
    if user is None:
        fail(f"no user named {username!r}")
    return user


def _role(role: str) -> str:
    value = role.strip().lower()
    if value not in ROLES:
        fail(f"role must be one of {', '.join(ROLES)}")
    return value


@users_app.command("list")
def list_users() -> None:
    """Every account with its role and state."""
    with cli_env() as env:
        rows = env.db.read_sync(service.list_users)
    table = Table("id", "username", "display name", "role", "provider", "state", "last login")
    for user in rows:
        state = "disabled" if user["disabled"] else "active"
        if not user["is_approved"]:
            state = "pending approval"
        table.add_row(
            str(user["id"]),
            user["username"],
            user["display_name"],
            user["role"],
            user["provider"],
            state,
            short_time(user["last_login_at"]),
        )
    console.print(table)
    console.print(f"{len(rows)} user(s)")


@users_app.command()
def create(
    username: str = typer.Argument(..., help="2..64 of a-z, 0-9, '_', '.', '-'."),
    role: str = typer.Option("operator", help="viewer, operator or admin."),
    display_name: str | None = typer.Option(None, help="Shown name (default: the username)."),
    email: str | None = typer.Option(None, help="Email address."),
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Create a local user; the password is prompted (or read with --password-stdin)."""
    chosen = _role(role)
    with cli_env() as env:
        name = service.normalize_username(username)
        password_hash = env.passwords.hash_sync(_read_password(password_stdin))
        user = env.db.write_sync(
            service.create_user,
            env.actor,
            username=name,
            password_hash=password_hash,
            role=chosen,
            display_name=display_name,
            email=email,
        )
    console.print(f"Created {user['role']} [bold]{user['username']}[/bold] (id {user['id']}).")


@users_app.command("set-role")
def set_role(username: str, role: str) -> None:
    """Change a user's role (ends their sessions). The last active admin cannot be demoted."""
    chosen = _role(role)
    with cli_env() as env:
        user = _user(env, username)
        env.db.write_sync(service.update_user, env.actor, user["id"], {"role": chosen})
    console.print(f"{user['username']} is now {chosen}.")


@users_app.command("reset-password")
def reset_password(username: str, password_stdin: bool = PASSWORD_STDIN) -> None:
    """Set a new password (prompted or from stdin) and end the user's sessions."""
    with cli_env() as env:
        user = _user(env, username)
        if user["provider"] != "local":
            fail(f"{user['username']} signs in with {user['provider']}; it has no local password")
        password_hash = env.passwords.hash_sync(_read_password(password_stdin))
        env.db.write_sync(
            service.update_user, env.actor, user["id"], {}, password_hash=password_hash
        )
    console.print(f"Password of {user['username']} changed; their sessions were ended.")


@users_app.command()
def disable(username: str) -> None:
    """Disable an account and end its sessions. The last active admin cannot be disabled."""
    with cli_env() as env:
        user = _user(env, username)
        env.db.write_sync(service.update_user, env.actor, user["id"], {"disabled": True})
    console.print(f"{user['username']} is disabled.")


@users_app.command()
def enable(username: str) -> None:
    """Enable a disabled account again."""
    with cli_env() as env:
        user = _user(env, username)
        env.db.write_sync(service.update_user, env.actor, user["id"], {"disabled": False})
    console.print(f"{user['username']} is enabled.")


@users_app.command("revoke-sessions")
def revoke_sessions(username: str) -> None:
    """Log a user out everywhere."""
    with cli_env() as env:
        user = _user(env, username)
        count = env.db.write_sync(service.revoke_sessions, env.actor, user["id"])
    console.print(f"Ended {count} session(s) of {user['username']}.")
