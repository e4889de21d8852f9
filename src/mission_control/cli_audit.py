"""`mc audit`: tail (and follow), verify the hash chain, export as CSV or JSON."""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import orjson
import typer
from sqlalchemy.engine import Connection

from mission_control.audit import service
from mission_control.audit.export import write_csv, write_json
from mission_control.audit.schemas import AuditFilter
from mission_control.cli_context import cli_env, console, err, fail
from mission_control.errors import BadRequest
from mission_control.security.audit import audit

audit_app = typer.Typer(help="Read, verify and export the audit log.", no_args_is_help=True)


def audit_line(event: dict[str, Any]) -> str:
    """One event on one line: id, UTC time, action, actor, target, IP, detail."""
    when = datetime.fromtimestamp(event["created_at"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    target = f"{event['target_type']}:{event['target_id']}" if event["target_type"] else "-"
    detail = orjson.dumps(event["detail"], option=orjson.OPT_SORT_KEYS).decode()
    ip = event["ip_address"] or "-"
    return f"#{event['id']} {when} {event['action']} actor={event['actor']} target={target} ip={ip} {detail}"


@audit_app.command()
def tail(
    lines: int = typer.Option(20, "-n", "--lines", min=1, max=10000, help="How many rows."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new rows."),
    interval: float = typer.Option(1.0, min=0.1, max=60, help="Seconds between polls."),
) -> None:
    """The newest rows, oldest first; with --follow, new rows as they are written."""
    with cli_env() as env:
        events = env.db.read_sync(service.tail, lines)
        for event in events:
            typer.echo(audit_line(event))
        last = events[-1]["id"] if events else 0
        while follow:
            time.sleep(interval)
            for event in env.db.read_sync(service.events_after, last):
                typer.echo(audit_line(event))
                last = event["id"]
            sys.stdout.flush()


@audit_app.command()
def verify() -> None:
    """Recompute the hash chain; exit 1 when a row was altered, removed or inserted."""
    with cli_env() as env:
        status = env.db.read_sync(service.chain_status)
    if status["ok"]:
        span = f"rows {status['first_id']}..{status['last_id']}" if status["checked"] else "empty"
        console.print(f"[green]Audit chain OK[/green]: {status['checked']} row(s) ({span}).")
        if status["checkpoint"]:
            purged = status["checkpoint"]["detail"].get("purged_through_id")
            console.print(f"Retention checkpoint: rows up to {purged} were purged.")
        return
    console.print(
        f"[red]Audit chain BROKEN[/red] at row {status['broken_at']}: {status['reason']} "
        f"({status['checked']} row(s) verified before it)."
    )
    raise typer.Exit(1)


def _open_output(path: Path | None) -> TextIO:
    if path is None:
        return sys.stdout
    # The export carries IP addresses and user agents: private to the owner.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def _record_export(conn: Connection, actor: Any, detail: dict[str, Any]) -> None:
    audit(conn, actor, "data_export", target_type="audit_log", detail=detail)


@audit_app.command()
def export(
    fmt: str = typer.Option("csv", "--format", help="csv or json."),
    since: str | None = typer.Option(None, help="Unix seconds or ISO 8601 (UTC)."),
    until: str | None = typer.Option(None, help="Unix seconds or ISO 8601 (UTC)."),
    action: str | None = typer.Option(None, help="Only these actions (comma list)."),
    actor: str | None = typer.Option(None, help="Only this actor."),
    output: Path | None = typer.Option(None, "-o", "--output", help="File (default: stdout)."),
) -> None:
    """Write matching rows oldest first; the export itself is audited (`data_export`)."""
    if fmt not in ("csv", "json"):
        fail("--format must be csv or json")
    try:
        flt = AuditFilter.parse(action=action, actor=actor, since=since, until=until)
    except BadRequest as exc:
        fail(exc.message)
    writer = write_csv if fmt == "csv" else write_json
    with cli_env() as env:
        out = _open_output(output)
        try:
            count = env.db.read_sync(lambda conn: writer(service.iter_events(conn, flt), out))
        finally:
            if out is not sys.stdout:
                out.close()
            else:
                out.flush()
        env.db.write_sync(
            _record_export,
            env.actor,
            {
                "type": "audit",
                "format": fmt,
                "count": count,
                "since": flt.since,
                "until": flt.until,
                "action": flt.action,
                "actor": flt.actor,
                "file": str(output) if output else None,
            },
        )
    err.print(f"Exported {count} audit row(s){f' to {output}' if output else ''}.")
