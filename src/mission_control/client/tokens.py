"""Client commands: `mc tokens stats|by-agent|export|rotate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mission_control.client.download import save_or_print
from mission_control.client.output import (
    JsonOpt,
    ProfileOpt,
    confirm,
    console,
    emit,
    handled,
    open_api,
    print_table,
)

app = typer.Typer(help="Token usage and cost; the global API key.", no_args_is_help=True)


# `by-agent` columns: the answer's field → the table's (narrower) heading.
AGENT_COLUMNS = {
    "agent": "agent",
    "input_tokens": "input",
    "output_tokens": "output",
    "total_tokens": "total",
    "cost": "cost $",
    "request_count": "requests",
    "session_count": "sessions",
    "last_active": "last active",
}


@app.command("stats")
@handled
def stats(
    timeframe: Annotated[str, typer.Option(help="hour, day, week, month or all.")] = "day",
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Usage and cost by model, session and agent."""
    with open_api(profile) as api:
        data = api.call("GET", "/api/tokens", params={"action": "stats", "timeframe": timeframe})

    def render(d: dict[str, Any]) -> None:
        summary = d.get("summary", {})
        console.print(
            f"{timeframe}: {summary.get('totalTokens', 0)} tokens, "
            f"${summary.get('totalCost', 0):.4f} over {summary.get('requestCount', 0)} requests"
        )
        rows = [{"model": m, **s} for m, s in (d.get("models") or {}).items()]
        print_table(rows, ("model", "totalTokens", "totalCost", "requestCount"), title="models")

    emit(data, json_out, render)


@app.command("by-agent")
@handled
def by_agent(
    days: Annotated[int, typer.Option(help="1..365 days.")] = 30,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Totals per agent."""
    with open_api(profile) as api:
        data = api.call("GET", "/api/tokens/by-agent", params={"days": days})

    def render(d: dict[str, Any]) -> None:
        summary = d.get("summary", {})
        console.print(
            f"last {d.get('days', days)} days: {summary.get('total_tokens', 0)} tokens, "
            f"${summary.get('cost', 0):.4f} over {summary.get('request_count', 0)} requests "
            f"by {summary.get('agent_count', 0)} agents"
        )
        rows = [
            {AGENT_COLUMNS[k]: v for k, v in a.items() if k in AGENT_COLUMNS} for a in d["agents"]
        ]
        print_table(rows, list(AGENT_COLUMNS.values()), title="agents", times=("last active",))

    emit(data, json_out, render)


@app.command("export")
@handled
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    timeframe: Annotated[str, typer.Option(help="hour, day, week, month or all.")] = "all",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File.")] = None,
    profile: ProfileOpt = None,
) -> None:
    """Export usage records; with -o, streamed to the file with a progress bar."""
    params = {"action": "export", "format": fmt, "timeframe": timeframe}
    with open_api(profile) as api:
        save_or_print(api, "/api/tokens", params, output)


@app.command("rotate")
@handled
def rotate(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Rotate the global API key (admin). The old key stops working at once."""
    if not yes:
        confirm("Rotate the global API key? Clients using it will stop working.")
    with open_api(profile) as api:
        data = api.call("POST", "/api/tokens/rotate")
    emit(
        data,
        json_out,
        lambda d: console.print(f"New global API key (shown once): [bold]{d['api_key']}[/bold]"),
    )
