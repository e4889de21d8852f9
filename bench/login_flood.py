"""A flood of wrong-password logins must not starve other requests.

One server process with the default Argon2id cost. 200 wrong-password logins at
concurrency 50 while a second client polls `GET /api/health`; prints the login latency
p50/p99 and the health poll's p50/p99 (target: health p99 < 50 ms during the flood).
Each login comes from its own forwarded client address and username (the server trusts
the loopback proxy for this run), so the login limits do not cut the flood short and
every attempt costs a full password hash: the worst case for the hashing pool.
Then the p50 of a correct login on the idle server (target < 150 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx
from harness import server

PASSWORD = "benchmark-password-0123"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _flood(base: str, total: int, concurrency: int) -> tuple[list[float], list[int]]:
    gate = asyncio.Semaphore(concurrency)
    times: list[float] = []
    codes: list[int] = []
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def one(n: int) -> None:
            async with gate:
                start = time.perf_counter()
                answer = await client.post(
                    "/api/auth/login",
                    json={"username": f"guess-{n}", "password": "wrong-password-guess"},
                    headers={"X-Forwarded-For": f"10.{n // 250}.{n % 250}.1"},
                )
                times.append((time.perf_counter() - start) * 1000)
                codes.append(answer.status_code)

        await asyncio.gather(*(one(n) for n in range(total)))
    return times, codes


async def _poll(base: str, stop: asyncio.Event) -> list[float]:
    times: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while not stop.is_set():
            start = time.perf_counter()
            (await client.get("/api/health")).raise_for_status()
            times.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.01)
    return times


async def _run(base: str, total: int, concurrency: int) -> None:
    stop = asyncio.Event()
    poller = asyncio.create_task(_poll(base, stop))
    started = time.perf_counter()
    times, codes = await _flood(base, total, concurrency)
    elapsed = time.perf_counter() - started
    stop.set()
    health = await poller
    print(
        f"flood: {total} wrong logins at c={concurrency} in {elapsed:.1f} s "
        f"({total / elapsed:.0f}/s); answers {sorted(set(codes))}"
    )
    print(f"login latency  p50 {_pct(times, 0.5):7.1f} ms  p99 {_pct(times, 0.99):7.1f} ms")
    print(
        f"health polls   n={len(health)}  p50 {_pct(health, 0.5):7.1f} ms  "
        f"p99 {_pct(health, 0.99):7.1f} ms  (target p99 < 50 ms)"
    )
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        good = []
        for _ in range(20):
            start = time.perf_counter()
            answer = await client.post(
                "/api/auth/login", json={"username": "bench", "password": PASSWORD}
            )
            answer.raise_for_status()
            good.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.05)
    print(
        f"correct login on an idle server  p50 {statistics.median(good):7.1f} ms (target < 150 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    env = {
        "AUTH_USER": "bench",
        "AUTH_PASS": PASSWORD,
        "MC_TRUSTED_PROXIES": "127.0.0.1",
        "MC_ARGON2_MEMORY_KIB": "19456",
        "MC_ARGON2_TIME_COST": "2",
    }
    with server(env=env) as proc:
        asyncio.run(_run(proc.base_url, args.logins, args.concurrency))


if __name__ == "__main__":
    main()
