"""A rich progress bar per imported table, on a terminal only (the import's `Progress`)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn


class StepProgress:
    """One bar per table, sized by its row count in the original; nothing is drawn when
    `enabled` is off (`--json`) or when the console is not a terminal (rich's own test)."""

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self._bars = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            disable=not (enabled and console.is_terminal),
        )
        self._tasks: dict[str, TaskID] = {}

    def start(self, table: str, total: int) -> None:
        self._tasks[table] = self._bars.add_task(table, total=total)

    def advance(self, table: str) -> None:
        self._bars.advance(self._tasks[table])

    def __enter__(self) -> StepProgress:
        self._bars.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bars.stop()
