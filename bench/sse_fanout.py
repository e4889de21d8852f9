"""Live events to many subscribers: delivery latency and losses.

200 subscribers (spread over client processes) hold `GET /api/events` open; a producer in
its own process creates tasks at 100 per second for 10 seconds (each publishes
`task.created`). Every subscriber should see every `task.created`; latency is the time from the event's own `timestamp` (set when the
change committed) to its arrival. Prints p50/p99 and events lost.
Targets: p99 <= 100 ms, 0 lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import time
from typing import Any

import httpx
from harness import server

API_KEY = "bench-api-key-" + "0" * 40


async def _subscriber(
    client: httpx.AsyncClient,
    seen: list[float],
    ids: set[int],
    ready: asyncio.Event,
    stop: asyncio.Event,
) -> None:
    async with client.stream("GET", "/api/events") as stream:
        async for line in stream.aiter_lines():
            if line.startswith("data:"):
                event = json.loads(line[5:])
                if event["type"] == "connected":
                    ready.set()
                elif event["type"] == "task.created":
                    seen.append(time.time() * 1000 - event["timestamp"])
                    ids.add(event["data"]["id"])
            if stop.is_set():
                return


def _subscriber_process(base: str, count: int, ready: Any, stop: Any, results: Any) -> None:
    """`count` subscribers in this process; sends back (latencies, ids seen per subscriber)."""

    async def run() -> None:
        limits = httpx.Limits(max_connections=count + 5)
        headers = {"x-api-key": API_KEY}
        async with httpx.AsyncClient(
            base_url=base, headers=headers, timeout=None, limits=limits
        ) as client:
            latencies: list[list[float]] = [[] for _ in range(count)]
            received: list[set[int]] = [set() for _ in range(count)]
            readies = [asyncio.Event() for _ in range(count)]
            done = asyncio.Event()
            tasks = [
                asyncio.create_task(
                    _subscriber(client, latencies[i], received[i], readies[i], done)
                )
                for i in range(count)
            ]
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
            ready.release()
            while not stop.is_set():
                await asyncio.sleep(0.1)
            done.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        results.put(([x for one in latencies for x in one], [sorted(got) for got in received]))

    asyncio.run(run())


async def _produce(base: str, rate: int, seconds: int) -> tuple[set[int], float]:
    """POST /api/tasks on a fixed schedule, `rate` per second; a request does not wait for
    the one before it (at most 32 in flight), so a slow answer does not slow the schedule."""
    created: set[int] = set()
    limits = httpx.Limits(max_connections=32)
    gate = asyncio.Semaphore(32)
    async with httpx.AsyncClient(
        base_url=base, headers={"x-api-key": API_KEY}, limits=limits, timeout=60
    ) as client:

        async def one(n: int) -> None:
            async with gate:
                answer = await client.post("/api/tasks", json={"title": f"fan-out {n}"})
            answer.raise_for_status()
            created.add(answer.json()["task"]["id"])

        start = time.perf_counter()
        pending = []
        for n in range(rate * seconds):
            await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            pending.append(asyncio.create_task(one(n)))
        await asyncio.gather(*pending)
        return created, time.perf_counter() - start


def _run(base: str, subscribers: int, rate: int, seconds: int, processes: int) -> None:
    """Subscribers in `processes` client processes, the producer in this one, so that no
    client's own work (parsing 200 streams) delays the producer or the readings."""
    ctx = mp.get_context("spawn")
    ready, stop, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    shares = [subscribers // processes + (i < subscribers % processes) for i in range(processes)]
    workers = [
        ctx.Process(target=_subscriber_process, args=(base, n, ready, stop, results))
        for n in shares
        if n
    ]
    for worker in workers:
        worker.start()
    for _ in workers:
        if not ready.acquire(timeout=120):
            raise SystemExit("subscribers did not connect")
    print(f"{subscribers} subscribers connected from {len(workers)} client processes")
    created, elapsed = asyncio.run(_produce(base, rate, seconds))
    time.sleep(3)  # let the last events arrive
    stop.set()
    every: list[float] = []
    lost = 0
    for _ in workers:
        latencies, received = results.get(timeout=60)
        every += latencies
        lost += sum(len(created - set(got)) for got in received)
    for worker in workers:
        worker.join(timeout=30)
    every.sort()
    print(f"produced {len(created)} events in {elapsed:.1f} s ({len(created) / elapsed:.0f}/s)")
    print(
        f"deliveries {len(every)}  p50 {every[len(every) // 2]:.1f} ms  "
        f"p99 {every[int(len(every) * 0.99)]:.1f} ms  lost {lost}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--rate", type=int, default=100, help="Events per second.")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--processes", type=int, default=4, help="Client processes.")
    args = parser.parse_args()
    with server(env={"API_KEY": API_KEY}) as proc:
        _run(proc.base_url, args.subscribers, args.rate, args.seconds, args.processes)


if __name__ == "__main__":
    main()
