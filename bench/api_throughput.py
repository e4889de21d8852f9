"""Read throughput of the core API: task list, agent list, one task.

Seeds 200 tasks (with descriptions long enough that a 50-row page is roughly the size
the original served) and 20 agents, then runs `wrk` against `GET /api/tasks?limit=50`,
`GET /api/agents` and `GET /api/tasks/{id}` with an API key, at concurrency 8 and 32,
on one worker and on two. Prints requests/s, p50/p99 and the server's RSS per worker.
Targets: one worker >= 1,200 req/s with p99 <= 60 ms at c=32; two workers >= 2,400 req/s
with p99 <= 40 ms; RSS <= 150 MiB per worker.
"""

from __future__ import annotations

import argparse
import asyncio

import httpx
from harness import TreeRSS, server, server_pid, tree_rss, wrk

API_KEY = "bench-api-key-" + "0" * 40
DESCRIPTION = (
    "Investigate the nightly ingestion failures, reproduce them against the staging "
    "dataset, write down the root cause and propose a fix with a rollout plan. "
) * 4
DESCRIPTION = DESCRIPTION[:270]  # a 50-task page of about 46 KB, the size the issue measured


async def seed(base: str, tasks: int = 200, agents: int = 20) -> int:
    headers = {"x-api-key": API_KEY}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        for n in range(agents):
            answer = await client.post("/api/agents", json={"name": f"agent-{n}", "role": "coder"})
            answer.raise_for_status()
        first = 0
        for n in range(tasks):
            answer = await client.post(
                "/api/tasks",
                json={
                    "title": f"Task {n}: tidy the ingestion pipeline",
                    "description": DESCRIPTION,
                    "priority": ["low", "medium", "high", "critical"][n % 4],
                    "assigned_to": f"agent-{n % agents}",
                    "tags": ["ingestion", "nightly"],
                    "metadata": {"ticket": n, "source": "bench"},
                },
            )
            answer.raise_for_status()
            first = first or answer.json()["task"]["id"]
        size = len((await client.get("/api/tasks?limit=50")).content)
        print(f"seeded {tasks} tasks and {agents} agents; a 50-task page is {size / 1000:.1f} KB")
        return first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="Seconds per wrk run.")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    args = parser.parse_args()
    headers = {"x-api-key": API_KEY}
    for workers in args.workers:
        with server(env={"API_KEY": API_KEY}, workers=workers) as proc:
            task_id = asyncio.run(seed(proc.base_url))
            print(f"--- {workers} worker(s)")
            peak = TreeRSS()
            for c in args.concurrency:
                for label, path in (
                    ("GET /api/tasks?limit=50", "/api/tasks?limit=50"),
                    ("GET /api/agents", "/api/agents"),
                    ("GET /api/tasks/{id}", f"/api/tasks/{task_id}"),
                ):
                    result = wrk(
                        label,
                        proc.base_url + path,
                        connections=c,
                        seconds=args.seconds,
                        headers=headers,
                    )
                    now = tree_rss(server_pid(proc))
                    peak = now if now.total > peak.total else peak
                    print(result.row())
            print(f"peak RSS: {peak.line()}")


if __name__ == "__main__":
    main()
