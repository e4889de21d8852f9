"""Printing answers: JSON for scripts (`--json`), tables for people."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import orjson
import typer
from rich.console import Console
from rich.table import Table

from mission_control.client.http import EXIT_USAGE, Api, ClientError
from mission_control.client.profiles import ProfileError, load_profile

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

ProfileOpt = Annotated[str | None, typer.Option("--profile", "-p", help="Profile to use.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

F = TypeVar("F", bound=Callable[..., Any])


def handled(fn: F) -> F:
    """Turn client errors into a message on stderr and the matching exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ClientError as exc:
            errors.print(f"[red]error:[/red] {exc.message}")
            raise typer.Exit(exc.exit_code) from None
        except ProfileError as exc:
            errors.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper  # type: ignore[return-value]


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
