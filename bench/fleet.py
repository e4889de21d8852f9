"""Fleet benchmark: one instance against two on one PostgreSQL database and one Redis.

Two loads, each run against one instance and then against two (the load is split evenly
across both ports): `GET /api/tasks?limit=50` and queue claims (`GET /api/tasks/queue`, a
new agent name per request so every answer claims a task). The load generator is `wrk`
(one process per target port, so it is not the bottleneck of a single Python process).
Prints requests per second, p50/p99 latency, the two-over-one scaling ratio, and the number
of tasks handed out twice (must be 0), counted in the database afterwards.

    PYTHONPATH=src:. python bench/fleet.py [--duration 10] [--connections 32]

Needs PostgreSQL (MC_TEST_POSTGRES_URL, default 127.0.0.1:5432, trust auth), Redis
(MC_TEST_REDIS_URL, default 127.0.0.1:6379) and /usr/bin/wrk. It creates and drops its own
database and uses its own Redis key prefix.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
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


def run_wrk(
    urls: list[str], *, duration: int, connections: int, script: Path | None, tag: str
) -> Result:
    """Run one wrk per URL at once, the connections split between them; sum the rates."""
    per = max(1, connections // len(urls))
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
    results = [_parse(p.communicate(timeout=duration + 60)[0]) for p in processes]
    return Result(
        rps=sum(r.rps for r in results),
        p50_ms=max(r.p50_ms for r in results),
        p99_ms=max(r.p99_ms for r in results),
        requests=sum(r.requests for r in results),
        errors=sum(r.errors for r in results),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per load run")
    parser.add_argument("--connections", type=int, default=32, help="open connections in all")
    parser.add_argument("--tasks", type=int, default=10000, help="tasks seeded for the queue")
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
        script = work / "queue.lua"
        script.write_text(QUEUE_LUA)
        reads = [s.base_url + "/api/tasks?limit=50" for s in servers]
        queues = [s.base_url + "/api/tasks/queue" for s in servers]

        # A short warm-up of each instance (connection pools, imports, caches).
        run_wrk(reads, duration=2, connections=8, script=None, tag="w")

        figures: dict[str, Result] = {}
        figures["reads, one"] = run_wrk(
            reads[:1], duration=args.duration, connections=args.connections, script=None, tag="r"
        )
        figures["reads, two"] = run_wrk(
            reads, duration=args.duration, connections=args.connections, script=None, tag="r"
        )
        figures["claims, one"] = run_wrk(
            queues[:1], duration=args.duration, connections=args.connections, script=script, tag="a"
        )
        figures["claims, two"] = run_wrk(
            queues, duration=args.duration, connections=args.connections, script=script, tag="b"
        )
        claims, twice = duplicates(url)

        print(
            f"\n{os.cpu_count()} CPU cores; {args.connections} connections; {args.duration} s per run"
        )
        print(f"{'load':<14}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}{'errors':>8}")
        for label, r in figures.items():
            print(
                f"{label:<14}{r.rps:>10.1f}{r.p50_ms:>10.1f}{r.p99_ms:>10.1f}"
                f"{r.requests:>10}{r.errors:>8}"
            )
        read_ratio = figures["reads, two"].rps / figures["reads, one"].rps
        claim_ratio = figures["claims, two"].rps / figures["claims, one"].rps
        print(
            f"\nscaling two/one: reads {read_ratio:.2f}x (target >= 1.7x), claims {claim_ratio:.2f}x"
        )
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
