"""Two real instances on one PostgreSQL database and one Redis share everything that matters."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, TEST_API_KEY
from tests.fleet.conftest import ADMIN, FreshDatabase, ServerFactory
from tests.server import ServerProcess

KEY = {"x-api-key": TEST_API_KEY}


def _client(server: ServerProcess, **headers: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.base_url, timeout=30.0, headers=headers)


async def _login(server: ServerProcess) -> httpx.AsyncClient:
    client = _client(server)
    response = await client.post("/api/auth/login", json={"username": ADMIN, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client


def _session_cookie(client: httpx.AsyncClient) -> dict[str, str]:
    return {name: value for name, value in client.cookies.items() if "mc-session" in name}


async def test_a_session_made_on_one_instance_works_on_the_other_and_logout_ends_it_on_both(
    fleet: ServerFactory,
) -> None:
    a, b = fleet(), fleet()
    on_a = await _login(a)
    cookie = _session_cookie(on_a)
    assert cookie, "login set no session cookie"
    async with _client(b) as on_b:
        on_b.cookies.update(cookie)
        me = await on_b.get("/api/auth/me")
        assert me.status_code == 200, me.text
        assert me.json()["user"]["username"] == ADMIN

        out = await on_b.post("/api/auth/logout")
        assert out.status_code == 200, out.text
        on_b.cookies.update(cookie)  # present the ended session again, on both instances
        assert (await on_b.get("/api/auth/me")).status_code == 401
    assert (await on_a.get("/api/auth/me")).status_code == 401
    await on_a.aclose()


async def test_the_login_limit_counts_attempts_made_on_both_instances(
    fleet: ServerFactory,
) -> None:
    # MC_DISABLE_RATE_LIMIT never turns the login buckets off; login_ip allows 5 failures a minute.
    a, b = fleet(), fleet()
    async with _client(a) as on_a, _client(b) as on_b:
        wrong = {"username": ADMIN, "password": "not-the-password-at-all"}
        for client in (on_a, on_b, on_a, on_b, on_a):
            response = await client.post("/api/auth/login", json=wrong)
            assert response.status_code == 401, response.text
        # Each instance saw at most 3 failures; only a shared count reaches the limit.
        for client in (on_b, on_a):
            refused = await client.post("/api/auth/login", json=wrong)
            assert refused.status_code == 429, refused.text
            assert refused.json()["error"] == "Too many requests"
            assert int(refused.headers["retry-after"]) >= 1
        right = {"username": ADMIN, "password": PASSWORD}
        assert (await on_b.post("/api/auth/login", json=right)).status_code == 429


async def test_a_queue_drained_by_agents_on_both_instances_hands_out_each_task_once(
    fleet: ServerFactory,
) -> None:
    a, b = fleet(), fleet()
    count = 60
    async with _client(a, **KEY) as on_a, _client(b, **KEY) as on_b:
        created = set()
        for i in range(count):
            response = await on_a.post("/api/tasks", json={"title": f"queue item {i}"})
            assert response.status_code == 201, response.text
            created.add(response.json()["task"]["id"])

        handed: list[int] = []

        async def agent(name: str, first: int) -> None:
            clients = (on_a, on_b)
            turn = first
            while True:
                client = clients[turn % 2]
                turn += 1
                response = await client.get(
                    "/api/tasks/queue", params={"agent": name, "max_capacity": 20}
                )
                assert response.status_code == 200, response.text
                answer = response.json()
                if answer["reason"] != "assigned":
                    assert answer["reason"] in ("no_tasks_available", "at_capacity")
                    return
                handed.append(answer["task"]["id"])

        await asyncio.gather(*(agent(f"agent-{i}", i) for i in range(6)))

    assert len(handed) == len(set(handed)), "a task was handed out twice"
    assert set(handed) == created


async def test_a_scheduled_job_runs_once_per_tick_across_both_instances(
    fleet: ServerFactory, migrated_db: FreshDatabase
) -> None:
    a, b = fleet(), fleet()
    with migrated_db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE scheduler_jobs SET last_run_at = :due WHERE name = 'retention_cleanup'"
            ),
            {"due": int(time.time()) - 86400 - 60},
        )
    # Hold the job's row so both instances reach the lease at the same time: each reads the
    # job as due, then waits on the row; only the lease decides who runs it.
    holder = migrated_db.engine.connect()
    tx = holder.begin()
    holder.execute(
        sa.text("SELECT name FROM scheduler_jobs WHERE name = 'retention_cleanup' FOR UPDATE")
    )
    waiting = 0
    deadline = time.monotonic() + 45  # the schedulers tick every 15 s
    while time.monotonic() < deadline:
        with migrated_db.engine.connect() as conn:
            waiting = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE scheduler_jobs%'"
                )
            ).scalar_one()
        if waiting >= 2:
            break
        await asyncio.sleep(0.2)
    tx.commit()
    holder.close()
    assert waiting >= 2, "both instances should have tried to take the job's lease"

    def runs() -> int:
        with migrated_db.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text("SELECT count(*) FROM audit_log WHERE action = 'data_cleanup'")
                ).scalar_one()
            )

    deadline = time.monotonic() + 15
    while runs() == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # time for a second run, if the lease let one through
    assert runs() == 1
    with migrated_db.engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT last_run_at, lease_holder FROM scheduler_jobs "
                "WHERE name = 'retention_cleanup'"
            )
        ).one()
    assert row.last_run_at >= int(time.time()) - 120 and row.lease_holder is None
    assert a.output().count("Traceback") == 0 and b.output().count("Traceback") == 0


def test_killing_one_instance_mid_request_loses_no_acknowledged_write(
    fleet: ServerFactory, migrated_db: FreshDatabase
) -> None:
    a, b = fleet(), fleet()
    run = uuid.uuid4().hex[:8]
    acknowledged: list[tuple[str, int]] = []
    failed = 0
    lock = threading.Lock()
    stop = threading.Event()

    def writer(worker: int) -> None:
        nonlocal failed
        with httpx.Client(timeout=10.0, headers=KEY) as client:
            for i in range(10_000):
                if stop.is_set():
                    return
                server = (a, b)[(worker + i) % 2]
                title = f"{run} w{worker} n{i}"
                try:
                    response = client.post(server.base_url + "/api/tasks", json={"title": title})
                except httpx.TransportError:
                    with lock:
                        failed += 1
                    continue
                if response.status_code == 201:
                    with lock:
                        acknowledged.append((title, response.json()["task"]["id"]))
                else:
                    with lock:
                        failed += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]

    def wait_for(done: Callable[[], bool], limit_s: float = 60.0) -> None:
        # Progress, not a fixed sleep: a loaded machine may manage only a few writes a second.
        deadline = time.monotonic() + limit_s
        while not done() and time.monotonic() < deadline:
            time.sleep(0.05)

    for thread in threads:
        thread.start()
    wait_for(lambda: len(acknowledged) >= 12)
    a.kill()  # SIGKILL while requests are in flight on it
    before_kill = len(acknowledged)
    wait_for(lambda: len(acknowledged) >= before_kill + 12 and failed > 0)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    assert len(acknowledged) > 20 and failed > 0
    with migrated_db.engine.connect() as conn:
        stored = {
            row.title: row.id
            for row in conn.execute(
                sa.text("SELECT id, title FROM tasks WHERE title LIKE :p"), {"p": f"{run} %"}
            )
        }
    missing = [title for title, task_id in acknowledged if stored.get(title) != task_id]
    assert missing == []
    # The survivor keeps serving.
    assert httpx.get(b.base_url + "/api/health", timeout=5).status_code == 200


async def _openapi_has(server: ServerProcess, path: str) -> bool:
    async with _client(server) as client:
        response = await client.get("/api/docs")
    return response.status_code == 200 and path in response.json().get("paths", {})


async def _sse_events(client: httpx.AsyncClient, seen: list[dict[str, Any]], done: Any) -> None:
    async with client.stream("GET", "/api/events") as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                seen.append(json.loads(line[5:]))
                if done():
                    return


async def test_an_event_caused_on_one_instance_reaches_an_sse_subscriber_on_the_other(
    fleet: ServerFactory,
) -> None:
    a, b = fleet(), fleet()
    if not await _openapi_has(b, "/api/events"):
        pytest.skip("GET /api/events is not on this branch yet")
    title = f"cross-instance {uuid.uuid4().hex[:8]}"
    seen: list[dict[str, Any]] = []

    def arrived() -> bool:
        return any(
            e.get("type") == "task.created" and (e.get("data") or {}).get("title") == title
            for e in seen
        )

    async with _client(b, **KEY) as on_b, _client(a, **KEY) as on_a:
        listener = asyncio.create_task(_sse_events(on_b, seen, arrived))
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:  # wait for "connected"
            await asyncio.sleep(0.05)
        assert seen and seen[0]["type"] == "connected"
        response = await on_a.post("/api/tasks", json={"title": title})
        assert response.status_code == 201
        await asyncio.wait_for(listener, timeout=10)
    assert arrived()
