"""Printing answers: JSON for scripts (`--json`), tables for people."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mission_control.client.http import EXIT_USAGE, Api, ClientError
from mission_control.client.profiles import ProfileError, load_profile

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

ProfileOpt = Annotated[str | None, typer.Option("--profile", "-p", help="Profile to use.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

F = TypeVar("F", bound=Callable[..., Any])


def handled(fn: F) -> F:
    """Turn client errors into a message on stderr and the matching exit code; with
    `--json` the message is a JSON object `{error, status, exit_code, body}` on stderr."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ClientError as exc:
            _print_error(exc.message, exc.exit_code, kwargs, status=exc.status, body=exc.body)
            raise typer.Exit(exc.exit_code) from None
        except ProfileError as exc:
            _print_error(str(exc), EXIT_USAGE, kwargs)
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper  # type: ignore[return-value]


def _print_error(
    message: str,
    exit_code: int,
    kwargs: dict[str, Any],
    *,
    status: int | None = None,
    body: Any = None,
) -> None:
    if kwargs.get("json_out"):
        error = {"error": message, "status": status, "exit_code": exit_code, "body": body}
        typer.echo(orjson.dumps(error).decode(), err=True)
    else:
        errors.print(f"[red]error:[/red] {escape(message)}", highlight=False)


def confirm(question: str) -> None:
    """Ask before a destructive call; no (or no answer) exits 2 with nothing done."""
    try:
        agreed = typer.confirm(question)
    except typer.Abort:  # end of input or Ctrl-C at the prompt
        agreed = False
    if not agreed:
        errors.print("cancelled, nothing changed (--yes skips the question)")
        raise typer.Exit(EXIT_USAGE)


def open_api(profile: str | None) -> Api:
    return Api(load_profile(profile))


def print_json(data: Any) -> None:
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode())


def when(value: Any) -> str:
    if not isinstance(value, int | float) or not value:
        return "" if value is None else str(value)
    return datetime.fromtimestamp(value, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def print_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    *,
    title: str = "",
    times: Sequence[str] = (),
) -> None:
    if not rows:
        console.print(f"[dim]no {title or 'rows'}[/dim]")
        return
    table = Table(title=title or None)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[when(row.get(c)) if c in times else _cell(row.get(c)) for c in columns])
    console.print(table)


def print_record(record: dict[str, Any], *, times: Sequence[str] = ()) -> None:
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    for key, value in record.items():
        table.add_row(key, when(value) if key in times else _cell(value))
    console.print(table)


def print_sections(data: dict[str, Any], *, title: str = "", skip: Sequence[str] = ()) -> None:
    """A nested answer, one row per section: `tasks  total 3 · overdue 0 · inbox 2 · done 1`
    (counts of zero inside a breakdown such as `by_status` are left out)."""
    table = Table("", "", title=title or None, show_header=False)
    for key, value in data.items():
        if key not in skip:
            table.add_row(key, _summary(value))
    console.print(table)


def _summary(value: Any) -> str:
    if not isinstance(value, dict):
        return _cell(value)
    parts = []
    for key, inner in value.items():
        if isinstance(inner, dict):
            parts += [f"{k} {_cell(v)}" for k, v in inner.items() if v not in (0, None)]
        else:
            parts.append(f"{key} {_cell(inner)}")
    return " · ".join(parts)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    if as_json:
        print_json(data)
    else:
        render(data)
