"""Downloads (`mc export`, `mc tokens export`): streamed to a file with a progress bar,
or to stdout as they arrive."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TransferSpeedColumn,
)

from mission_control.client.http import Api
from mission_control.client.output import console, errors


def save_or_print(
    api: Api,
    path: str,
    params: dict[str, Any],
    output: Path | None,
    *,
    progress_console: Console = errors,
) -> None:
    """GET `path` into `output` (whole or not at all), or onto stdout when there is none.
    The progress bar goes to `progress_console` (stderr) when it is a terminal."""
    with api.stream(path, params=params) as response:
        if output is None:
            for text in response.iter_text():
                sys.stdout.write(text)
            return
        length = response.headers.get("content-length")
        partial = output.with_name(output.name + ".part")
        bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=progress_console,
            transient=True,
            disable=not progress_console.is_terminal,
        )
        written = 0
        try:
            with bars, partial.open("wb") as file:
                task = bars.add_task(output.name, total=int(length) if length else None)
                for chunk in response.iter_bytes():
                    file.write(chunk)
                    written += len(chunk)
                    bars.update(task, completed=written)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    console.print(f"Wrote {written} bytes to {output}")
