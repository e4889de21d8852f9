"""The agents' pull loop under contention: claims/s, duplicates and lost tasks.

Seeds N tasks (default 2,000), then 8 agent processes each loop: claim from
`GET /api/tasks/queue?agent=<name>`, move the claimed task to `review`, repeat until
the queue answers `no_tasks_available`. Prints claims/s, duplicates (a task handed to
two agents; must be 0) and lost tasks (never handed out; must be 0), on SQLite and on
PostgreSQL (`--postgres-url`, default the local server; a scratch database is made).
Target >= 300 claims/s on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
import uuid
from collections import Counter

import httpx
import sqlalchemy as sa
from harness import server

API_KEY = "bench-api-key-" + "0" * 40
AGENTS = 8


async def _seed(base: str, total: int) -> set[int]:
    ids: set[int] = set()
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient(
        base_url=base, headers={"x-api-key": API_KEY}, timeout=60
    ) as client:
        for n in range(AGENTS):
            (
                await client.post("/api/agents", json={"name": f"claimer-{n}", "role": "worker"})
            ).raise_for_status()

        async def one(n: int) -> None:
            async with gate:
                answer = await client.post(
                    "/api/tasks",
                    json={"title": f"Queued work {n}", "priority": ["low", "high"][n % 2]},
                )
                answer.raise_for_status()
                ids.add(answer.json()["task"]["id"])

        await asyncio.gather(*(one(n) for n in range(total)))
    return ids


def _agent(base: str, name: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    claimed: list[int] = []
    with httpx.Client(base_url=base, headers={"x-api-key": API_KEY}, timeout=60) as client:
        while True:
            answer = client.get("/api/tasks/queue", params={"agent": name})
            answer.raise_for_status()
            body = answer.json()
            if body["reason"] == "no_tasks_available":
                break
            task = body["task"]
            claimed.append(task["id"])
            client.put(f"/api/tasks/{task['id']}", json={"status": "review"}).raise_for_status()
    out.put(claimed)


def _run(label: str, database_url: str | None, total: int) -> None:
    with server(env={"API_KEY": API_KEY}, database_url=database_url) as proc:
        ids = asyncio.run(_seed(proc.base_url, total))
        results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        workers = [
            multiprocessing.Process(target=_agent, args=(proc.base_url, f"claimer-{n}", results))
            for n in range(AGENTS)
        ]
        start = time.perf_counter()
        for w in workers:
            w.start()
        claims = [tid for _ in workers for tid in results.get(timeout=600)]
        elapsed = time.perf_counter() - start
        for w in workers:
            w.join()
    counts = Counter(claims)
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    lost = len(ids - set(counts))
    print(
        f"{label:<11} {len(claims)} claims by {AGENTS} agents in {elapsed:.1f} s: "
        f"{len(claims) / elapsed:.0f} claims/s, duplicates {duplicates}, lost {lost}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    _run("SQLite", None, args.tasks)
    if args.skip_postgres:
        return
    admin = sa.create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    name = f"mc_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        _run("PostgreSQL", args.postgres_url.rsplit("/", 1)[0] + "/" + name, args.tasks)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
