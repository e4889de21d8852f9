"""Live events to many subscribers: delivery latency and losses.

200 subscribers hold `GET /api/events` open; a producer creates tasks at 100 per second
for 10 seconds (each publishes `task.created`). Every subscriber should see every
`task.created`; latency is the time from the event's own `timestamp` (set when the
change committed) to its arrival. Prints p50/p99 and events lost.
Targets: p99 <= 100 ms, 0 lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

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


async def _run(base: str, subscribers: int, rate: int, seconds: int) -> None:
    limits = httpx.Limits(max_connections=subscribers + 10)
    headers = {"x-api-key": API_KEY}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=None, limits=limits) as c:
        latencies: list[list[float]] = [[] for _ in range(subscribers)]
        received: list[set[int]] = [set() for _ in range(subscribers)]
        readies = [asyncio.Event() for _ in range(subscribers)]
        stop = asyncio.Event()
        tasks = [
            asyncio.create_task(_subscriber(c, latencies[i], received[i], readies[i], stop))
            for i in range(subscribers)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
        print(f"{subscribers} subscribers connected")
        created: set[int] = set()
        start = time.perf_counter()
        for n in range(rate * seconds):
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            answer = await c.post("/api/tasks", json={"title": f"fan-out {n}"})
            answer.raise_for_status()
            created.add(answer.json()["task"]["id"])
        elapsed = time.perf_counter() - start
        await asyncio.sleep(3)  # let the last events arrive
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    every = sorted(x for one in latencies for x in one)
    lost = sum(len(created - got) for got in received)
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
    args = parser.parse_args()
    with server(env={"API_KEY": API_KEY}) as proc:
        asyncio.run(_run(proc.base_url, args.subscribers, args.rate, args.seconds))


if __name__ == "__main__":
    main()
