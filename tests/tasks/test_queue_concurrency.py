"""Eight agents claim from `GET /api/tasks/queue` in parallel against real server processes
until the queue is empty: every task is claimed exactly once, whether one process serves
them, one server runs two workers, or two servers share the database."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from mission_control.db.tables import activities, tasks
from tests.conftest import TEST_API_KEY
from tests.server import ServerProcess

pytestmark = pytest.mark.server

TASKS = 120
AGENTS = 8
PRIORITIES = ("critical", "high", "medium", "low")


def _preassigned(number: int) -> str | None:
    """Every third task is assigned up front to one agent; the rest wait in the inbox."""
    return f"agent-{number % AGENTS}" if number % 3 == 0 else None


def _seed(engine: sa.Engine) -> None:
    now = int(time.time())
    with engine.begin() as conn:
        conn.execute(
            sa.insert(tasks),
            [
                {
                    "title": f"job {i}",
                    "status": "assigned" if _preassigned(i) else "inbox",
                    "priority": PRIORITIES[i % 4],
                    "assigned_to": _preassigned(i),
                    "created_by": "tests",
                    "project_id": 1,
                    "workspace_id": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(TASKS)
            ],
        )


async def _agent(name: str, url: str, claims: list[tuple[str, int, str]]) -> None:
    """One agent's pull loop: claim, hand the task to review, ask again until nothing is left."""
    headers = {"x-api-key": TEST_API_KEY}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        for _turn in range(TASKS + 1):
            answer = await client.get("/api/tasks/queue", params={"agent": name})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            if body["reason"] == "no_tasks_available":
                return
            assert body["reason"] == "assigned", body
            task = body["task"]
            assert task["assigned_to"] == name and task["status"] == "in_progress"
            claims.append((name, int(task["id"]), url))
            handed = await client.put(f"/api/tasks/{task['id']}", json={"status": "review"})
            assert handed.status_code == 200, handed.text
        raise AssertionError(f"{name} never saw an empty queue")


async def _claim_everything(
    database_url: str, tmp_path: Path, *, servers: int, workers: int
) -> None:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        _seed(engine)
        claims: list[tuple[str, int, str]] = []
        with ExitStack() as stack:
            urls = [
                stack.enter_context(
                    ServerProcess(
                        database_url=database_url,
                        data_dir=tmp_path / f"server{n}",
                        workers=workers,
                        startup_timeout=60.0,
                        env={
                            "API_KEY": TEST_API_KEY,
                            "MC_DISABLE_RATE_LIMIT": "1",
                        },
                    )
                ).base_url
                for n in range(servers)
            ]
            await asyncio.gather(
                *(_agent(f"agent-{i}", urls[i % servers], claims) for i in range(AGENTS))
            )
        _check(engine, claims, servers)
    finally:
        engine.dispose()


def _check(engine: sa.Engine, claims: list[tuple[str, int, str]], servers: int) -> None:
    per_task = Counter(task_id for _name, task_id, _url in claims)
    assert [task_id for task_id, n in per_task.items() if n > 1] == []
    assert len(per_task) == TASKS
    with engine.connect() as conn:
        logged = Counter(
            conn.execute(
                sa.select(activities.c.entity_id).where(activities.c.type == "task_claimed")
            ).scalars()
        )
        rows = conn.execute(
            sa.select(tasks.c.id, tasks.c.title, tasks.c.status, tasks.c.assigned_to)
        )
        final = {r.id: r for r in rows}
    # The database agrees: one claim row per task, every task handed on by its claimer.
    assert set(logged.values()) == {1} and set(logged) == set(per_task)
    assert {r.status for r in final.values()} == {"review"}
    claimer = {task_id: name for name, task_id, _url in claims}
    assert all(final[task_id].assigned_to == name for task_id, name in claimer.items())
    # A task assigned up front went to its own agent and nobody else.
    for task_id, row in final.items():
        owner = _preassigned(int(row.title.split()[1]))
        if owner is not None:
            assert claimer[task_id] == owner
    # The work really was spread: several agents claimed, through every server.
    assert len({name for name, _id, _url in claims}) > 1
    assert len({url for _name, _id, url in claims}) == servers


async def test_one_server(database_url: str, tmp_path: Path) -> None:
    await _claim_everything(database_url, tmp_path, servers=1, workers=1)


async def test_one_server_two_workers(database_url: str, tmp_path: Path) -> None:
    await _claim_everything(database_url, tmp_path, servers=1, workers=2)


async def test_two_servers_one_database(database_url: str, tmp_path: Path) -> None:
    await _claim_everything(database_url, tmp_path, servers=2, workers=1)
