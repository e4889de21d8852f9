"""Rate-limit windows shared by every instance through Redis, falling back to memory.

When Redis cannot be reached the limiter keeps limiting, per instance, with the
in-memory store (never "allow everything"), and returns to Redis once it answers.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from mission_control.security.ratelimit import Limit, MemoryStore

log = logging.getLogger("mission_control.ratelimit")

# KEYS[1] the window's sorted set; ARGV: now, window, limit, member, mode (hit|peek|add).
# Answers the seconds to wait (0: allowed) for hit/peek, or the count for add.
_SCRIPT = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local mode = ARGV[5]
if mode == 'add' then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('EXPIRE', key, math.ceil(window) + 1)
  return tostring(count + 1)
end
if count < limit then
  if mode == 'hit' then
    redis.call('ZADD', key, now, ARGV[4])
    redis.call('EXPIRE', key, math.ceil(window) + 1)
  end
  return '0'
end
local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 0.001 then wait = 0.001 end
return tostring(wait)
"""

RETRY_AFTER_FAILURE_S = 5.0


class RedisStore:
    """Sliding-window logs in Redis sorted sets, one atomic script per decision."""

    def __init__(self, client: aioredis.Redis, *, prefix: str = "mc:rl:") -> None:
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_SCRIPT)

    async def _run(self, mode: str, key: str, limit: Limit, now: float) -> float:
        member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        result: Any = await self._script(
            keys=[self._prefix + key], args=[now, limit.window_s, limit.count, member, mode]
        )
        return float(result)

    async def hit(self, key: str, limit: Limit, now: float) -> float:
        return await self._run("hit", key, limit, now)

    async def peek(self, key: str, limit: Limit, now: float) -> float:
        return await self._run("peek", key, limit, now)

    async def add(self, key: str, limit: Limit, now: float) -> int:
        return int(await self._run("add", key, limit, now))

    async def reset(self, key: str) -> None:
        await self._client.delete(self._prefix + key)

    async def unhit(self, key: str) -> None:
        await self._client.zpopmax(self._prefix + key)

    async def lock(self, key: str, seconds: float, now: float) -> None:
        # The deadline is stored (not only a TTL) so every instance reads the same end.
        ttl_ms = max(1, math.ceil(seconds * 1000)) + 1000
        await self._client.set(self._prefix + key, repr(now + seconds), px=ttl_ms)

    async def locked(self, key: str, now: float) -> float:
        until = await self._client.get(self._prefix + key)
        if until is None:
            return 0.0
        left = float(until) - now
        return left if left > 0 else 0.0


class FallbackStore:
    """Redis while it answers; the per-instance memory store while it does not."""

    def __init__(self, primary: RedisStore, fallback: MemoryStore | None = None) -> None:
        self.primary = primary
        self.fallback = fallback or MemoryStore()
        self._down_until = 0.0

    @property
    def degraded(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed(self, exc: Exception) -> None:
        if not self.degraded:
            log.warning(
                "Redis unavailable for rate limits (%s); limiting per instance",
                exc.__class__.__name__,
            )
        self._down_until = time.monotonic() + RETRY_AFTER_FAILURE_S

    async def hit(self, key: str, limit: Limit, now: float) -> float:
        if not self.degraded:
            try:
                return await self.primary.hit(key, limit, now)
            except (RedisError, OSError) as exc:
                self._failed(exc)
        return await self.fallback.hit(key, limit, now)

    async def peek(self, key: str, limit: Limit, now: float) -> float:
        if not self.degraded:
            try:
                return await self.primary.peek(key, limit, now)
            except (RedisError, OSError) as exc:
                self._failed(exc)
        return await self.fallback.peek(key, limit, now)

    async def add(self, key: str, limit: Limit, now: float) -> int:
        if not self.degraded:
            try:
                return await self.primary.add(key, limit, now)
            except (RedisError, OSError) as exc:
                self._failed(exc)
        return await self.fallback.add(key, limit, now)

    async def reset(self, key: str) -> None:
        await self.fallback.reset(key)
        if not self.degraded:
            try:
                await self.primary.reset(key)
            except (RedisError, OSError) as exc:
                self._failed(exc)

    async def unhit(self, key: str) -> None:
        if not self.degraded:
            try:
                await self.primary.unhit(key)
                return
            except (RedisError, OSError) as exc:
                self._failed(exc)
        await self.fallback.unhit(key)

    async def lock(self, key: str, seconds: float, now: float) -> None:
        # Also kept locally, so a lock outlives Redis going away.
        await self.fallback.lock(key, seconds, now)
        if not self.degraded:
            try:
                await self.primary.lock(key, seconds, now)
            except (RedisError, OSError) as exc:
                self._failed(exc)

    async def locked(self, key: str, now: float) -> float:
        local = await self.fallback.locked(key, now)
        if not self.degraded:
            try:
                return max(local, await self.primary.locked(key, now))
            except (RedisError, OSError) as exc:
                self._failed(exc)
        return local
