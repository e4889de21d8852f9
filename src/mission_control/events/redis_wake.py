"""Cross-instance wake-ups through Redis pub/sub.

Every instance's event bus already reads committed events from the database outbox by
polling; this makes the other instances read *now* instead of at their next poll. If
Redis goes away nothing is lost, events only arrive at polling speed until it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from mission_control.events.bus import EventBus

log = logging.getLogger("mission_control.events")

RECONNECT_MAX_S = 5.0


def redis_client(url: str) -> aioredis.Redis:
    """A client that fails fast: a request never waits long on a Redis that is down."""
    return aioredis.from_url(
        url,
        socket_timeout=0.5,
        socket_connect_timeout=0.5,
        health_check_interval=10,
        decode_responses=True,
    )


class RedisWake:
    def __init__(self, client: aioredis.Redis, bus: EventBus, *, channel: str) -> None:
        self._client = client
        self._channel = channel
        self._bus = bus
        self._origin = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self.connected = False

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._listen(), name="mc-redis-wake")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    def notify(self) -> None:
        """After a local commit (any thread): tell the other instances to read."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._spawn_publish)

    def _spawn_publish(self) -> None:
        task = asyncio.get_running_loop().create_task(self._publish())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _publish(self) -> None:
        try:
            await self._client.publish(self._channel, self._origin)
        except (RedisError, OSError):
            self.connected = False

    async def _listen(self) -> None:
        delay = 0.25
        while True:
            try:
                pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(self._channel)
                self.connected = True
                delay = 0.25
                try:
                    while True:
                        message = await pubsub.get_message(timeout=1.0)
                        if message and message.get("data") != self._origin:
                            self._bus.wake()
                finally:
                    with contextlib.suppress(RedisError, OSError):
                        await pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self.connected:
                    log.warning(
                        "Redis pub/sub lost (%s); events arrive by polling", exc.__class__.__name__
                    )
                self.connected = False
                await asyncio.sleep(delay)
                delay = min(RECONNECT_MAX_S, delay * 2)
