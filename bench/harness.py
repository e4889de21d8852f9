"""Shared pieces of the benchmarks: a real server, `wrk` runs, and memory readings.

Run benchmarks from the repository root: `.venv/bin/python bench/<name>.py`.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.server import ServerProcess  # noqa: E402

from mission_control.db.migrate import upgrade  # noqa: E402

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class LoadResult:
    label: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int

    def row(self) -> str:
        return (
            f"{self.label:<34} c={self.connections:<3} {self.rps:>9.0f} req/s  "
            f"p50 {self.p50_ms:>7.2f} ms  p99 {self.p99_ms:>7.2f} ms  "
            f"non-2xx {self.non_2xx}  errors {self.errors}"
        )


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unreadable latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(
    label: str,
    url: str,
    *,
    connections: int,
    seconds: int = 10,
    headers: dict[str, str] | None = None,
    threads: int = 2,
) -> LoadResult:
    """Run `wrk --latency` and read its figures; raises when wrk is not installed."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    args = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return LoadResult(
        label,
        connections,
        rps,
        p50,
        p99,
        int(non_2xx.group(1)) if non_2xx else 0,
        sum(int(g) for g in errors.groups()) if errors else 0,
    )


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def _rss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class TreeRSS:
    """Resident memory of a server's whole process tree, split by role, in MiB."""

    supervisor: float = 0.0  # the uvicorn parent when there are several workers
    workers: list[float] = field(default_factory=list)  # processes that answer requests
    senders: list[float] = field(default_factory=list)  # webhook delivery processes

    @property
    def total(self) -> float:
        return self.supervisor + sum(self.workers) + sum(self.senders)

    def line(self) -> str:
        workers = ", ".join(f"{w:.0f}" for w in self.workers)
        senders = ", ".join(f"{s:.0f}" for s in self.senders) or "none"
        head = f"supervisor {self.supervisor:.0f} MiB, " if self.supervisor else ""
        return (
            f"{head}worker processes {workers} MiB, webhook delivery processes {senders} MiB "
            f"({self.total:.0f} MiB in all)"
        )


def tree_rss(pid: int) -> TreeRSS:
    """Walk the server's process tree: worker processes, their delivery processes and,
    with several workers, the supervisor."""
    result = TreeRSS()

    def is_sender(one: int) -> bool:
        with contextlib.suppress(OSError):
            return b"webhooks.sender_main" in Path(f"/proc/{one}/cmdline").read_bytes()
        return False

    def visit(one: int, as_worker: bool) -> None:
        if is_sender(one):
            result.senders.append(_rss_mib(one))
            return
        children = _children(one)
        workers_below = [c for c in children if not is_sender(c)]
        if as_worker or not workers_below:
            result.workers.append(_rss_mib(one))
            for child in children:
                visit(child, as_worker=False)
            return
        result.supervisor = _rss_mib(one)  # several workers below it
        for child in children:
            visit(child, as_worker=not is_sender(child))

    visit(pid, as_worker=False)
    return result


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
    return tree_rss(pid).total


@contextlib.contextmanager
def server(
    *, env: dict[str, str] | None = None, workers: int = 1, database_url: str | None = None
) -> Iterator[ServerProcess]:
    """A real server on a free port with a fresh SQLite database (or `database_url`)."""
    with tempfile.TemporaryDirectory(prefix="mc-bench-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir(mode=0o700)
        url = database_url or f"sqlite:///{data / 'mission-control.db'}"
        upgrade(url)  # as `mc serve` does before it starts the workers
        base_env = {"MC_LOG_LEVEL": "warning", "MC_DISABLE_RATE_LIMIT": "1"}
        with ServerProcess(
            database_url=url, data_dir=data, env={**base_env, **(env or {})}, workers=workers
        ) as proc:
            yield proc


def server_pid(proc: ServerProcess) -> int:
    assert proc._process is not None
    return proc._process.pid
