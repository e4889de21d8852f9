"""The Redis parts on their own: the shared limiter store and the event wake-ups."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from mission_control.app import create_app
from mission_control.events.redis_wake import redis_client
from mission_control.runtime import Runtime
from mission_control.security.ratelimit import Limit, MemoryStore
from mission_control.security.ratelimit_redis import FallbackStore, RedisStore
from mission_control.settings import ConfigError, Settings
from tests.conftest import TEST_API_KEY
from tests.fleet.conftest import REDIS_URL, FreshDatabase
from tests.server import free_port


async def test_the_redis_store_answers_as_the_memory_store_does(redis_prefix: str) -> None:
    client = redis_client(REDIS_URL)
    shared = RedisStore(client, prefix=redis_prefix)
    local = MemoryStore()
    limit = Limit(3, 10)
    try:
        steps = [
            ("hit", 100.0),
            ("hit", 101.0),
            ("peek", 101.5),
            ("hit", 102.0),
            ("hit", 103.0),  # over: wait until the first leaves the window
            ("peek", 105.0),
            ("add", 106.0),
            ("hit", 110.5),  # the first has left, the add still counts
            ("hit", 112.5),
        ]
        for op, now in steps:
            expected = await getattr(local, op)("k", limit, now)
            got = await getattr(shared, op)("k", limit, now)
            assert got == pytest.approx(expected, abs=1e-3), (op, now)
        # Taking back the latest event frees a slot in both.
        await local.unhit("k")
        await shared.unhit("k")
        for store in (local, shared):
            assert await store.peek("k", limit, 112.6) == 0
        # Locks: refused until their end, whatever the window says.
        for store in (local, shared):
            assert await store.locked("k_lock", 100.0) == 0
            await store.lock("k_lock", 30.0, 100.0)
            assert await store.locked("k_lock", 110.0) == pytest.approx(20.0)
            assert await store.locked("k_lock", 130.5) == 0
        await shared.reset("k")
        await local.reset("k")
        assert await shared.peek("k", limit, 113.0) == await local.peek("k", limit, 113.0) == 0
    finally:
        await client.aclose()


async def test_the_fallback_limits_per_instance_while_redis_is_unreachable() -> None:
    client = redis_client(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    store = FallbackStore(RedisStore(client, prefix="unused:"))
    limit = Limit(2, 60)
    try:
        assert await store.hit("k", limit, 1.0) == 0
        assert store.degraded
        assert await store.hit("k", limit, 2.0) == 0
        assert await store.hit("k", limit, 3.0) > 0  # limited, not "allow everything"
    finally:
        await client.aclose()


def _settings(url: str, data_dir: Path, redis_url: str, prefix: str) -> Settings:
    return Settings(
        mc_env="development",
        data_dir=data_dir,
        database_url=url,
        redis_url=redis_url,
        redis_prefix=prefix,
        api_key=TEST_API_KEY,
        disable_rate_limit=True,
        argon2_memory_kib=8192,
        argon2_time_cost=1,
        scheduler_enabled=False,
        _env_file=None,  # type: ignore[call-arg]
    )


@asynccontextmanager
async def _instance(
    settings: Settings, *, poll_interval: float | None = None
) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    app = create_app(settings, migrate=False)
    rt: Runtime = app.state.runtime
    if poll_interval is not None:
        rt.bus.poll_interval = poll_interval
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers={"x-api-key": TEST_API_KEY}
        ) as client:
            yield rt, client


async def test_a_commit_on_one_instance_wakes_the_event_bus_of_the_other(
    migrated_db: FreshDatabase, redis_prefix: str, tmp_path: Path
) -> None:
    a_settings = _settings(migrated_db.url, tmp_path / "a", REDIS_URL, redis_prefix)
    b_settings = _settings(migrated_db.url, tmp_path / "b", REDIS_URL, redis_prefix)
    # B polls the outbox only once a minute: the event can reach it in time only by a wake-up.
    async with (
        _instance(a_settings) as (_a, on_a),
        _instance(b_settings, poll_interval=60.0) as (rt_b, _on_b),
    ):
        assert rt_b.redis_wake is not None
        for _ in range(50):
            if rt_b.redis_wake.connected:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # let B's first poll pass so it now waits its full minute
        async with rt_b.bus.subscribe(1) as sub:
            created = await on_a.post("/api/tasks", json={"title": "wake the other one"})
            assert created.status_code == 201
            event = await asyncio.wait_for(sub.queue.get(), timeout=5)
            while event.type != "task.created":
                event = await asyncio.wait_for(sub.queue.get(), timeout=5)
    assert event.data["id"] == created.json()["task"]["id"]


async def test_local_subscribers_get_events_while_redis_is_down(
    migrated_db: FreshDatabase, tmp_path: Path
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings = _settings(migrated_db.url, tmp_path / "a", dead, "mc:")
    async with _instance(settings) as (rt, client):
        assert await rt.redis_status() == "down"
        health = await client.get("/api/health")
        assert health.status_code == 200
        assert health.json()["redis"] == "down" and health.json()["status"] == "degraded"
        async with rt.bus.subscribe(1) as sub:
            created = await client.post("/api/tasks", json={"title": "no redis needed"})
            assert created.status_code == 201
            event = await asyncio.wait_for(sub.queue.get(), timeout=5)
            while event.type != "task.created":
                event = await asyncio.wait_for(sub.queue.get(), timeout=5)
    assert event.data["id"] == created.json()["task"]["id"]


def test_production_fleet_refuses_to_start_without_a_shared_secret_key(tmp_path: Path) -> None:
    values = {
        "mc_env": "production",
        "data_dir": tmp_path,
        "database_url": "postgresql+psycopg://mc@db.internal/mc",
        "redis_url": "redis://cache.internal:6379/0",
        "api_key": "a" * 8 + "0123456789abcdef0123456789abcdef",
        "_env_file": None,
    }
    with pytest.raises(ConfigError, match="MC_SECRET_KEY"):
        Settings(**values).check_production()  # type: ignore[arg-type]
    Settings(**values, secret_key="s" * 40).check_production()  # type: ignore[arg-type]
    Settings(**{**values, "redis_url": ""}).check_production()  # type: ignore[arg-type]
