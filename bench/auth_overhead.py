"""What authentication costs: /api/health against an authenticated /api/auth/me.

One server process (one worker, SQLite). For each concurrency (8 and 32), in one run:
`GET /api/health` (public), `GET /api/auth/me` with an API key, and with a session
cookie. Prints requests/s and p50/p99 per case and authenticated throughput as a share
of /api/health (target: >= 85 %).

On a shared machine the speed drifts between runs, so the three cases are measured in
several rounds, back to back, each round in a rotated order; the share is worked out per
round and the median of the rounds is the figure.
"""

from __future__ import annotations

import argparse
import statistics

import httpx
from harness import LoadResult, server, server_pid, tree_rss_mib, wrk

PASSWORD = "benchmark-password-0123"
API_KEY = "bench-api-key-" + "0" * 40


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=4, help="Seconds per wrk run.")
    parser.add_argument("--rounds", type=int, default=5, help="Rounds per concurrency.")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    args = parser.parse_args()
    env = {"API_KEY": API_KEY, "AUTH_USER": "bench", "AUTH_PASS": PASSWORD}
    with server(env=env) as proc:
        login = httpx.post(
            proc.base_url + "/api/auth/login", json={"username": "bench", "password": PASSWORD}
        )
        login.raise_for_status()
        cookie = f"mc-session={login.cookies['mc-session']}"
        results: list[LoadResult] = []
        cases = [
            ("GET /api/health", "/api/health", {}),
            ("GET /api/auth/me (x-api-key)", "/api/auth/me", {"x-api-key": API_KEY}),
            ("GET /api/auth/me (cookie)", "/api/auth/me", {"Cookie": cookie}),
        ]
        for c in args.concurrency:
            shares: dict[str, list[float]] = {"key": [], "session": []}
            for n in range(args.rounds):
                measured: dict[str, LoadResult] = {}
                for label, path, headers in cases[n % 3 :] + cases[: n % 3]:
                    measured[label] = wrk(
                        label,
                        proc.base_url + path,
                        connections=c,
                        seconds=args.seconds,
                        headers=headers,
                    )
                health, key, session = (measured[label] for label, _, _ in cases)
                results += [health, key, session]
                for one in (health, key, session):
                    print(f"round {n + 1} {one.row()}")
                shares["key"].append(key.rps / health.rps)
                shares["session"].append(session.rps / health.rps)
                print(
                    f"  round {n + 1}, c={c}: API key {shares['key'][-1]:.0%}, "
                    f"session {shares['session'][-1]:.0%} of /api/health"
                )
            print(
                f"c={c}, median of {args.rounds} rounds: API key "
                f"{statistics.median(shares['key']):.0%} of /api/health, session "
                f"{statistics.median(shares['session']):.0%} (target >= 85 %)"
            )
        print(f"server RSS after load: {tree_rss_mib(server_pid(proc)):.0f} MiB")
        bad = [r for r in results if r.non_2xx or r.errors]
        if bad:
            print("WARNING: some responses failed:", ", ".join(r.label for r in bad))


if __name__ == "__main__":
    main()
