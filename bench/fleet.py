"""Fleet benchmark: one instance against two on one PostgreSQL database and one Redis.

Two loads, each run against one instance and then against two (separate ports, one `wrk`
process per port, the connections split evenly): `GET /api/tasks?limit=50` with the global
API key, and queue claims (`GET /api/tasks/queue`, a new agent name per request so every
answer claims a task). A round runs one, then two; with `--rounds N` the rounds alternate,
so slow spells of a shared machine hit both sides, and the ratio is taken per round (the
median is reported). All read rounds come first: claims change the tasks the reads count.

Besides requests per second and p50/p99 it prints the CPU time one request costs in each
part (the instances, PostgreSQL's backends for the bench database, `wrk`), read from /proc,
and how many cores those parts kept busy together.
On one machine those parts share the cores, so two instances can at best reach
`cores * py / (py + pg + wrk)` times one instance that saturates a core (a busy machine
that keeps the one instance below a full core can make a round's ratio look better).

    PYTHONPATH=src:. python bench/fleet.py [--duration 10] [--connections 32] [--rounds 2]

Needs PostgreSQL (MC_TEST_POSTGRES_URL, default 127.0.0.1:5432, trust auth, on this machine
for the CPU figures), Redis (MC_TEST_REDIS_URL, default 127.0.0.1:6379) and wrk. It creates
and drops its own database and uses its own Redis key prefix.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import redis
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.server import ServerProcess  # noqa: E402

from mission_control.db.migrate import upgrade  # noqa: E402
from mission_control.jobs.spawn import create_task  # noqa: E402

PG_BASE_URL = os.environ.get(
    "MC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("MC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
API_KEY = "bench-fleet-api-key-0123456789abcdef0123456789"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# A new agent name per request (thread id + counter), so each answer is a fresh claim.
QUEUE_LUA = textwrap.dedent(
    """
    local counter = 0
    local threads = 0
    function setup(thread)
      threads = threads + 1
      thread:set("tid", threads)
    end
    function init(args)
      tag = args[1] or "x"
    end
    function request()
      counter = counter + 1
      return wrk.format("GET", "/api/tasks/queue?agent=b" .. tag .. "-" .. tid .. "-" .. counter)
    end
    """
)


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    # CPU milliseconds per request: the instances, the database's backends, wrk.
    py_ms: float = 0.0
    pg_ms: float = 0.0
    wrk_ms: float = 0.0


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _parse(output: str) -> Result:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(g) for g in match.groups())
    return Result(rps, p50, p99, requests, errors)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def backends(database: str) -> list[int]:
    """PostgreSQL backend processes serving `database` (when the server is on this machine)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"postgres:") and f" {database} ".encode() in title:
                found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU seconds used since it was made by a changing set of processes: those running at
    the start count from then, later ones from zero; sampled while they run, so a process
    that exits between samples loses at most one interval."""

    def __init__(self, pids: list[int]) -> None:
        self._start = {pid: cpu_seconds(pid) for pid in pids}
        self._last = dict(self._start)

    def sample(self, pids: list[int]) -> None:
        for pid in pids:
            if used := cpu_seconds(pid):
                self._last[pid] = used

    def used(self) -> float:
        return sum(last - self._start.get(pid, 0.0) for pid, last in self._last.items())


def run_wrk(
    urls: list[str],
    *,
    duration: int,
    connections: int,
    script: Path | None,
    tag: str,
    instance_pids: list[int] | None = None,
    database: str | None = None,
) -> Result:
    """Run one wrk per URL at once, the connections split between them; sum the rates."""
    per = max(1, connections // len(urls))
    instances = CpuMeter(instance_pids or [])
    pg = CpuMeter(backends(database) if database else [])
    load = CpuMeter([])
    processes = []
    for index, url in enumerate(urls):
        command = [
            "wrk",
            "-t1",
            f"-c{per}",
            f"-d{duration}s",
            "--latency",
            "--timeout",
            "10s",
            "-H",
            f"x-api-key: {API_KEY}",
        ]
        if script is not None:
            command += ["-s", str(script)]
        command.append(url)
        if script is not None:
            command += ["--", f"{tag}{index}"]
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    wrk_pids = [p.pid for p in processes]
    while any(p.poll() is None for p in processes):
        load.sample(wrk_pids)
        pg.sample(backends(database) if database else [])
        time.sleep(0.25)
    instances.sample(instance_pids or [])
    pg.sample(backends(database) if database else [])
    results = [_parse(p.communicate(timeout=60)[0]) for p in processes]
    total = sum(r.requests for r in results) or 1
    return Result(
        rps=sum(r.rps for r in results),
        p50_ms=max(r.p50_ms for r in results),
        p99_ms=max(r.p99_ms for r in results),
        requests=sum(r.requests for r in results),
        errors=sum(r.errors for r in results),
        py_ms=1000 * instances.used() / total,
        pg_ms=1000 * pg.used() / total,
        wrk_ms=1000 * load.used() / total,
    )


def seed(url: str, count: int) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for i in range(count):
                create_task(
                    conn,
                    title=f"bench task {i}",
                    description="seeded by bench/fleet.py",
                    created_by="bench",
                    priority=("low", "medium", "high", "critical")[i % 4],
                )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))  # as autovacuum would after a bulk load
    finally:
        engine.dispose()


def duplicates(url: str) -> tuple[int, int]:
    """(claims recorded, tasks claimed more than once)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            claims = conn.execute(
                sa.text("SELECT count(*) FROM activities WHERE type = 'task_claimed'")
            ).scalar_one()
            twice = conn.execute(
                sa.text(
                    "SELECT count(*) FROM (SELECT entity_id FROM activities "
                    "WHERE type = 'task_claimed' GROUP BY entity_id HAVING count(*) > 1) d"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return int(claims), int(twice)


def _row(label: str, r: Result) -> str:
    return (
        f"{label:<16}{r.rps:>9.1f}{r.p50_ms:>9.1f}{r.p99_ms:>9.1f}{r.requests:>9}{r.errors:>7}"
        f"{r.py_ms:>9.2f}{r.pg_ms:>8.2f}{r.wrk_ms:>8.2f}{_busy(r):>7.2f}"
    )


def _busy(r: Result) -> float:
    """Cores kept busy by the instances, PostgreSQL and wrk together during the run."""
    return (r.py_ms + r.pg_ms + r.wrk_ms) * r.rps / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per load run")
    parser.add_argument("--connections", type=int, default=32, help="open connections in all")
    parser.add_argument("--tasks", type=int, default=10000, help="tasks seeded for the queue")
    parser.add_argument("--rounds", type=int, default=2, help="alternating one/two rounds")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed")

    name = f"mc_bench_{uuid.uuid4().hex[:8]}"
    url = PG_BASE_URL.rsplit("/", 1)[0] + "/" + name
    admin = sa.create_engine(PG_BASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    prefix = f"mcbench:{uuid.uuid4().hex[:8]}:"
    servers: list[ServerProcess] = []
    work = Path(tempfile.mkdtemp(prefix="mc-bench-fleet-"))
    try:
        upgrade(url)
        print(f"seeding {args.tasks} tasks ...", flush=True)
        seed(url, args.tasks)
        env = {
            "MC_REDIS_URL": REDIS_URL,
            "MC_REDIS_PREFIX": prefix,
            "API_KEY": API_KEY,
            "MC_DISABLE_RATE_LIMIT": "1",
            "MC_SCHEDULER_ENABLED": "0",
        }
        for i in range(2):
            server = ServerProcess(database_url=url, data_dir=work / f"i{i}", env=env)
            servers.append(server.start())
        pids = [s._process.pid for s in servers if s._process is not None]
        script = work / "queue.lua"
        script.write_text(QUEUE_LUA)
        reads = [s.base_url + "/api/tasks?limit=50" for s in servers]
        queues = [s.base_url + "/api/tasks/queue" for s in servers]

        # A short warm-up of each instance (connection pools, imports, caches).
        run_wrk(reads, duration=3, connections=8, script=None, tag="w")

        loads = {"reads": (reads, None), "claims": (queues, script)}
        rounds: list[dict[str, Result]] = [{} for _ in range(args.rounds)]
        load_average = [os.getloadavg()[0]]
        # Every read round before the claims, which change the table the reads count.
        for load, (targets, lua) in loads.items():
            for number, figures in enumerate(rounds):
                for label, count in (("one", 1), ("two", 2)):
                    figures[f"{load}, {label}"] = run_wrk(
                        targets[:count],
                        duration=args.duration,
                        connections=args.connections,
                        script=lua,
                        tag=f"{load[0]}{label[0]}{number}-",
                        instance_pids=pids[:count],
                        database=name,
                    )
                load_average.append(os.getloadavg()[0])
        claims, twice = duplicates(url)

        cores = os.cpu_count() or 1
        print(
            f"\n{cores} CPU cores shared by wrk, PostgreSQL, Redis, both instances and anything "
            f"else on the machine (1-min load average {min(load_average):.1f}-"
            f"{max(load_average):.1f}); {args.connections} connections in all (split between "
            f"the instances); {args.duration} s per run; {args.tasks} tasks"
        )
        print(
            f"{'load':<16}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'requests':>9}{'errors':>7}"
            f"{'py ms':>9}{'pg ms':>8}{'wrk ms':>8}{'cores':>7}   (CPU ms per request; cores "
            "busy in all)"
        )
        ratios: dict[str, list[float]] = {load: [] for load in loads}
        for number, figures in enumerate(rounds, 1):
            for label, r in figures.items():
                print(_row(f"{label} #{number}", r))
            for load in loads:
                one, two = figures[f"{load}, one"], figures[f"{load}, two"]
                ratios[load].append(two.rps / one.rps if one.rps else 0.0)
        print()
        for load in loads:
            ones = [f[f"{load}, one"] for f in rounds]
            py = statistics.median(r.py_ms for r in ones)
            pg = statistics.median(r.pg_ms for r in ones)
            wrk = statistics.median(r.wrk_ms for r in ones)
            ceiling = min(2.0, cores * py / (py + pg + wrk)) if py else 0.0
            per_round = ", ".join(f"{x:.2f}x" for x in ratios[load])
            target = " (target >= 1.7x)" if load == "reads" else ""
            print(
                f"scaling two/one, {load}: median {statistics.median(ratios[load]):.2f}x"
                f"{target}; rounds {per_round}; about {ceiling:.2f}x expected on {cores} "
                f"otherwise idle cores at these CPU costs"
            )
            busy = statistics.median(_busy(f[f"{load}, two"]) for f in rounds)
            print(f"  two instances kept {busy:.2f} of {cores} cores busy ({load}, median)")
        print(f"claims recorded {claims}; tasks handed out twice: {twice} (must be 0)")
    finally:
        for server in servers:
            server.stop()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
