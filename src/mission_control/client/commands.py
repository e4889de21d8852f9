"""Client commands: auth, status, export, events and raw requests."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from mission_control.client.download import save_or_print
from mission_control.client.http import EXIT_USAGE, Api, ClientError
from mission_control.client.output import (
    JsonOpt,
    ProfileOpt,
    console,
    emit,
    handled,
    open_api,
    print_json,
    print_record,
    print_sections,
    print_table,
    when,
)
from mission_control.client.profiles import load_profile, save_profile

auth_app = typer.Typer(help="Log in to a server and see who you are.", no_args_is_help=True)

USER_TIMES = ("last_login_at", "created_at")


@auth_app.command("login")
@handled
def login(
    url: Annotated[str | None, typer.Option(help="Server URL (saved in the profile).")] = None,
    username: Annotated[str | None, typer.Option(help="Log in with a username...")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    api_key: Annotated[str | None, typer.Option(help="...or save an API key instead.")] = None,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Save credentials for a server in a profile (0600), after checking they work."""
    prof = load_profile(profile)
    if url:
        prof.url = url.rstrip("/")
    if api_key:
        prof.api_key, prof.session_cookie = api_key, ""
        with Api(prof) as api:
            me = api.call("GET", "/api/auth/me")
    else:
        if not username:
            raise ClientError("give --username (and a password) or --api-key", EXIT_USAGE)
        password = (
            sys.stdin.readline().rstrip("\n")
            if password_stdin
            else typer.prompt("Password", hide_input=True)
        )
        prof.api_key = ""
        with Api(prof) as api:
            response = api.request(
                "POST", "/api/auth/login", json={"username": username, "password": password}
            )
            me = response.json()
            for name in ("__Host-mc-session", "mc-session"):
                if response.cookies.get(name):
                    prof.session_cookie, prof.cookie_name = response.cookies[name], name
                    break
        if not prof.session_cookie:
            raise ClientError(
                "the server set no session cookie (is it served over HTTPS "
                "with secure cookies? use --api-key instead)",
                EXIT_USAGE,
            )
    path = save_profile(prof)
    emit(
        {"profile": prof.name, "path": str(path), **me},
        json_out,
        lambda d: console.print(
            f"Logged in to {prof.url} as [bold]{d['user']['username']}"
            f"[/bold] ({d['user']['role']}); profile saved to {path}"
        ),
    )


@auth_app.command("logout")
@handled
def logout(profile: ProfileOpt = None) -> None:
    """End the session on the server and forget the profile's credentials."""
    prof = load_profile(profile)
    if prof.session_cookie:
        with Api(prof) as api:
            api.call("POST", "/api/auth/logout")
    prof.session_cookie, prof.api_key = "", ""
    save_profile(prof)
    console.print(f"Logged out of {prof.url}")


@auth_app.command("whoami")
@handled
def whoami(json_out: JsonOpt = False, profile: ProfileOpt = None) -> None:
    """Who the server thinks you are."""
    with open_api(profile) as api:
        data = api.call("GET", "/api/auth/me")
    emit(data, json_out, lambda d: print_record(d["user"], times=USER_TIMES))


@handled
def status(
    action: Annotated[str, typer.Option(help="overview, dashboard or health.")] = "overview",
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """The server's status: health, or the dashboard counts."""
    with open_api(profile) as api:
        data = api.call("GET", "/api/status", params={"action": action})
    emit(data, json_out, _render_status)


def _render_status(data: dict[str, Any]) -> None:
    if "checks" in data:  # action=health
        console.print(
            f"[bold]{data.get('status')}[/bold] (version {data.get('version')}, "
            f"up {data.get('uptime')} s)"
        )
        checks = data.get("checks") or []
        columns = list(dict.fromkeys(k for check in checks for k in check))
        print_table(checks, columns, title="checks")
        return
    print_sections(
        data,
        title=f"Workspace {data.get('workspace_id')} at {when(data.get('generated_at'))}",
        skip=("action", "workspace_id", "generated_at"),
    )


@handled
def export(
    type_: Annotated[str, typer.Option("--type", help="tasks, activities or audit.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    since: Annotated[int | None, typer.Option(help="Unix seconds.")] = None,
    until: Annotated[int | None, typer.Option(help="Unix seconds.")] = None,
    limit: Annotated[int | None, typer.Option(help="Most rows.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to a file.")] = None,
    profile: ProfileOpt = None,
) -> None:
    """Download an export (admin); with -o, streamed to the file with a progress bar."""
    params = {"type": type_, "format": fmt, "since": since, "until": until, "limit": limit}
    with open_api(profile) as api:
        save_or_print(api, "/api/export", params, output)


@handled
def raw(
    method: Annotated[str, typer.Argument(help="GET, POST, PUT, PATCH or DELETE.")],
    path: Annotated[str, typer.Argument(help="e.g. /api/tasks")],
    data: Annotated[str | None, typer.Option("--data", "-d", help="JSON body.")] = None,
    query: Annotated[
        list[str] | None, typer.Option("--query", "-q", help="k=v, repeatable.")
    ] = None,
    profile: ProfileOpt = None,
) -> None:
    """Any API call; prints the answer as JSON (or text)."""
    if not path.startswith("/"):
        raise ClientError("the path must start with /", EXIT_USAGE)
    body: Any = None
    if data is not None:
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ClientError(f"--data is not JSON: {exc}", EXIT_USAGE) from None
    params = dict(part.split("=", 1) for part in (query or []) if "=" in part)
    with open_api(profile) as api:
        answer = api.call(method.upper(), path, params=params, json=body)
    if isinstance(answer, str):
        sys.stdout.write(answer)
    else:
        print_json(answer)


events_app = typer.Typer(help="Live events.", no_args_is_help=True)


@events_app.command("watch")
@handled
def watch(
    count: Annotated[int, typer.Option(help="Stop after this many events (0: never).")] = 0,
    last_event_id: Annotated[str | None, typer.Option(help="Resume after this event id.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    profile: ProfileOpt = None,
) -> None:
    """Follow the server's live events (SSE) until interrupted."""
    seen = 0
    headers = {"Last-Event-ID": last_event_id} if last_event_id else None
    event_id = None
    with open_api(profile) as api:
        for line in api.stream_lines("/api/events", headers=headers):
            if line.startswith("id:"):
                event_id = line[3:].strip()
                continue
            if not line.startswith("data:"):
                continue
            event = orjson.loads(line[5:].strip())
            if event.get("type") == "connected":
                continue
            if event_id is not None:
                event["id"] = event_id
            if json_out:
                typer.echo(orjson.dumps(event).decode())
            else:
                console.print(
                    f"[bold]{event.get('type')}[/bold] {orjson.dumps(event.get('data')).decode()[:200]}"
                )
            seen += 1
            if count and seen >= count:
                return
