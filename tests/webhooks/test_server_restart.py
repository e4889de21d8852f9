"""A real server process restarted (gracefully, or killed) with deliveries pending loses none."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from mission_control.db.tables import webhook_deliveries
from mission_control.webhooks.worker import DEFAULT_CONCURRENCY
from tests.conftest import TEST_API_KEY
from tests.server import ServerProcess
from tests.webhooks.conftest import Receiver

ENV = {
    "API_KEY": TEST_API_KEY,
    "MC_DISABLE_RATE_LIMIT": "1",
    "MC_WEBHOOK_ALLOW_PRIVATE": "1",
    # Instances that share a database share the key its sealed secrets open with.
    "MC_SECRET_KEY": "restart-test-secret-key-0123456789",
}


@pytest.fixture
def db(database_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def _server(database_url: str, tmp_path: Path, name: str) -> ServerProcess:
    return ServerProcess(
        database_url=database_url, data_dir=tmp_path / name, env=ENV, startup_timeout=120
    )


def _api(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"x-api-key": TEST_API_KEY}, timeout=30)


def _states(db: sa.Engine) -> Counter[str]:
    with db.connect() as conn:
        return Counter(conn.execute(sa.select(webhook_deliveries.c.state)).scalars())


def _wait(check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def _create_tasks(api: httpx.Client, start: int, count: int) -> list[int]:
    ids = []
    for i in range(start, start + count):
        response = api.post("/api/tasks", json={"title": f"task {i}"})
        assert response.status_code == 201, response.text
        ids.append(response.json()["task"]["id"])
    return ids


def _delivered_task_ids(receiver: Receiver) -> Counter[int]:
    return Counter(json.loads(r.body)["data"]["id"] for r in receiver.on("/hang"))


def _first_life(
    database_url: str, tmp_path: Path, receiver: Receiver, db: sa.Engine
) -> tuple[ServerProcess, list[int]]:
    server = _server(database_url, tmp_path, "one").start()
    with _api(server) as api:
        hook = api.post(
            "/api/webhooks",
            json={"name": "slow", "url": receiver.url("/hang"), "events": ["task.created"]},
        )
        assert hook.status_code == 200, hook.text
        task_ids = _create_tasks(api, 0, 20)
    # The receiver holds the first requests open; the rest wait in the database queue.
    _wait(lambda: len(receiver.on("/hang")) == DEFAULT_CONCURRENCY)
    _wait(
        lambda: _states(db) == {"sending": DEFAULT_CONCURRENCY, "pending": 20 - DEFAULT_CONCURRENCY}
    )
    return server, task_ids


def _second_life(
    database_url: str, tmp_path: Path, receiver: Receiver, db: sa.Engine, task_ids: list[int]
) -> None:
    held = set(_delivered_task_ids(receiver))
    receiver.release.set()
    with _server(database_url, tmp_path, "two") as server, _api(server) as api:
        task_ids += _create_tasks(api, 20, 5)
        _wait(lambda: set(_delivered_task_ids(receiver)) == set(task_ids))
        _wait(lambda: _states(db) == {"success": 25})
    delivered = _delivered_task_ids(receiver)
    # Every task reached the receiver; only requests cut off by the stop were sent twice.
    assert set(delivered) == set(task_ids) and len(task_ids) == 25
    assert {t for t, n in delivered.items() if n > 1} <= held
    assert all(n <= 2 for n in delivered.values())


def test_graceful_restart_hands_claimed_deliveries_back(
    database_url: str, tmp_path: Path, receiver: Receiver, db: sa.Engine
) -> None:
    server, task_ids = _first_life(database_url, tmp_path, receiver, db)
    server.stop()
    assert _states(db) == {"pending": 20}
    _second_life(database_url, tmp_path, receiver, db, task_ids)


def test_killed_server_deliveries_are_sent_once_their_lease_runs_out(
    database_url: str, tmp_path: Path, receiver: Receiver, db: sa.Engine
) -> None:
    server, task_ids = _first_life(database_url, tmp_path, receiver, db)
    assert server._process is not None
    server._process.kill()
    server._process.wait(10)
    # Claimed rows stay `sending` until their lease expires; move time on by ageing them.
    assert _states(db) == {"sending": DEFAULT_CONCURRENCY, "pending": 20 - DEFAULT_CONCURRENCY}
    with db.begin() as conn:
        conn.execute(
            sa.update(webhook_deliveries)
            .where(webhook_deliveries.c.state == "sending")
            .values(next_retry_at=int(time.time()) - 1)
        )
    _second_life(database_url, tmp_path, receiver, db, task_ids)
