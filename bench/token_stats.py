"""How long the token-usage views take over many records (SQLite file or PostgreSQL URL).

Seeds N `token_usage` rows spread over 60 days, 20 agents, 8 models and 2,000 tasks into a
fresh database, then times each view of `GET /api/tokens` at the service level and prints
milliseconds (best of `--repeat`). Not a test: read the figures.

    python bench/token_stats.py --rows 200000
    python bench/token_stats.py --url postgresql+psycopg://postgres@127.0.0.1:5432/mc_bench
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mission_control.db.engine import Database
from mission_control.db.migrate import upgrade
from mission_control.db.tables import token_usage
from mission_control.tokens import service, stats

MODELS = [
    "claude-opus-4",
    "claude-sonnet-4",
    "claude-haiku-4",
    "gpt-4o",
    "gpt-4o-mini",
    "gemini-2.5-pro",
    "o3-mini",
    "local-llm",
]


def seed(db: Database, rows: int, now: int) -> None:
    rng = random.Random(7)
    batch: list[dict[str, Any]] = []

    def flush(conn: sa.Connection) -> None:
        conn.execute(sa.insert(token_usage), batch)

    for n in range(rows):
        agent = f"agent-{rng.randrange(20)}"
        batch.append(
            {
                "model": rng.choice(MODELS),
                "session_id": f"{agent}:{rng.choice(['chat', 'cli', 'cron'])}",
                "agent_name": agent,
                "task_id": rng.randrange(1, 2001) if rng.random() < 0.7 else None,
                "input_tokens": rng.randrange(100, 20000),
                "output_tokens": rng.randrange(50, 5000),
                "cost_usd": rng.random() / 10,
                "workspace_id": 1,
                "created_at": now - rng.randrange(60 * 86400),
            }
        )
        if len(batch) == 5000 or n == rows - 1:
            db.write_sync(flush)
            batch = []


def best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", default="", help="database URL (default: a temp SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        now = int(time.time())
        started = time.perf_counter()
        seed(db, args.rows, now)
        print(f"seeded {args.rows} rows in {time.perf_counter() - started:.1f} s ({db.dialect})")
        for frame in ("day", "month", "all"):
            since = service.since_for(frame, now)
            views: dict[str, Callable[[], Any]] = {
                "list (50)": lambda s=since: db.read_sync(service.list_usage, 1, s, 50, 0),
                "stats": lambda s=since, f=frame: db.read_sync(stats.usage_stats, 1, s, f),
                "agent-costs": lambda s=since, f=frame: db.read_sync(stats.agent_costs, 1, s, f),
                "task-costs": lambda s=since, f=frame: db.read_sync(stats.task_costs, 1, s, f),
                "trends": lambda s=since, f=frame: db.read_sync(stats.trends, 1, s, f),
                "export": lambda s=since: db.read_sync(stats.export_rows, 1, s),
            }
            for name, fn in views.items():
                print(f"{frame:>5} {name:<12} {best(fn, args.repeat):8.1f} ms")
        by_agent = best(lambda: db.read_sync(stats.by_agent, 1, now - 30 * 86400), args.repeat)
        print(f"by-agent (30 days) {by_agent:8.1f} ms")
        db.dispose()


if __name__ == "__main__":
    main()
