"""What authentication costs: /api/health against an authenticated /api/auth/me.

One server process (one worker, SQLite). For each concurrency (8 and 32), in one run:
`GET /api/health` (public), `GET /api/auth/me` with an API key, and with a session
cookie. Prints requests/s and p50/p99 per case and authenticated throughput as a share
of /api/health (target: >= 85 %).
"""

from __future__ import annotations

import argparse

import httpx
from harness import LoadResult, server, server_pid, tree_rss_mib, wrk

PASSWORD = "benchmark-password-0123"
API_KEY = "bench-api-key-" + "0" * 40


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="Seconds per wrk run.")
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
        for c in args.concurrency:
            health = wrk(
                "GET /api/health",
                proc.base_url + "/api/health",
                connections=c,
                seconds=args.seconds,
            )
            key = wrk(
                "GET /api/auth/me (x-api-key)",
                proc.base_url + "/api/auth/me",
                connections=c,
                seconds=args.seconds,
                headers={"x-api-key": API_KEY},
            )
            session = wrk(
                "GET /api/auth/me (cookie)",
                proc.base_url + "/api/auth/me",
                connections=c,
                seconds=args.seconds,
                headers={"Cookie": cookie},
            )
            results += [health, key, session]
            for one in (health, key, session):
                print(one.row())
            print(
                f"  c={c}: API key {key.rps / health.rps:.0%} of /api/health, "
                f"session {session.rps / health.rps:.0%} of /api/health"
            )
        print(f"server RSS after load: {tree_rss_mib(server_pid(proc)):.0f} MiB")
        bad = [r for r in results if r.non_2xx or r.errors]
        if bad:
            print("WARNING: some responses failed:", ", ".join(r.label for r in bad))


if __name__ == "__main__":
    main()
