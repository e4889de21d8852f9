"""`mc import ORIGINAL.db`: move over from the original (Node) Mission Control."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.table import Table

from mission_control.importer.progress import StepProgress
from mission_control.importer.source import SourceError


def import_command(
    path: Path = typer.Argument(..., help="The original's SQLite file (.data/mission-control.db)."),
    source: str = typer.Option(
        "",
        help="Name this source (default: a fingerprint of the file's content, the same for "
        "any copy of it); re-running with the same name skips what was imported.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Count what would come over; write nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import users, agents, tasks, projects, webhooks, alerts, workflows, usage and audit."""
    from mission_control.db.migrate import upgrade
    from mission_control.importer.run import import_original
    from mission_control.settings import load_settings
    from mission_control.webhooks.sealing import webhook_box

    console = Console(soft_wrap=True)
    settings = load_settings()
    url = settings.database_url_resolved
    upgrade(url)
    try:
        with StepProgress(Console(stderr=True), enabled=not as_json) as progress:
            report = import_original(
                url,
                path,
                source=source or None,
                dry_run=dry_run,
                progress=progress,
                box=webhook_box(settings),
            )
    except SourceError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]Cannot import:[/red] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(title="Dry run: nothing written" if dry_run else "Imported")
    for column in ("table", "in source", "imported", "already here", "skipped"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, counts in report.tables.items():
        table.add_row(
            name,
            str(counts.source_rows),
            str(counts.imported),
            str(counts.existing),
            str(counts.skipped),
        )
    console.print(table)
    for name, counts in report.tables.items():
        for reason, n in counts.reasons.items():
            console.print(f"  skipped {n} from {name}: {reason}")
        for change, n in counts.changes.items():
            console.print(f"  imported {n} from {name} with a change: {change}")
        if counts.ignored_columns:
            console.print(
                f"  columns of {name} not carried over: {', '.join(counts.ignored_columns)}"
            )
    for name, n in report.not_imported.items():
        console.print(f"  not imported: {name} ({n} rows)")
    for note in report.notes:
        console.print(f"  note: {note}")


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
