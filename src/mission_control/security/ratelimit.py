"""Rate limiters: sliding windows in memory, or shared through Redis when configured."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from mission_control.errors import TooManyRequests
from mission_control.security.actor import Actor


@dataclass(frozen=True)
class Limit:
    count: int
    window_s: int


# The limits of security.md 5b, by bucket name.
LIMITS: dict[str, Limit] = {
    "login_ip": Limit(5, 60),
    "login_user": Limit(10, 15 * 60),
    "login_device": Limit(10, 15 * 60),
    "password_change": Limit(5, 60),
    "identity": Limit(20, 60),
    "mutation": Limit(60, 60),
    "read": Limit(120, 60),
    "heavy": Limit(10, 60),
    "register": Limit(5, 60),
    "heartbeat": Limit(30, 60),
}
# Buckets that MC_DISABLE_RATE_LIMIT never turns off.
CRITICAL_BUCKETS = frozenset(
    {"login_ip", "login_user", "login_device", "password_change", "identity"}
)


class LimiterStore(Protocol):
    async def hit(self, key: str, limit: Limit, now: float) -> float:
        """Count one event; answer 0 when allowed, else seconds until one is allowed."""

    async def peek(self, key: str, limit: Limit, now: float) -> float:
        """Seconds until one more event would be allowed (0: allowed), counting nothing."""

    async def add(self, key: str, limit: Limit, now: float) -> int:
        """Count one event without judging it; answer the count in the window."""

    async def reset(self, key: str) -> None: ...

    async def unhit(self, key: str) -> None:
        """Take back the latest event counted under `key` (an attempt that did not count)."""

    async def lock(self, key: str, seconds: float, now: float) -> None:
        """Refuse `key` for `seconds` from `now`, whatever its window says."""

    async def locked(self, key: str, now: float) -> float:
        """Seconds left on the lock of `key` (0: not locked)."""


class MemoryStore:
    """Per-process sliding-window log; good for one instance."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._events: dict[str, deque[float]] = {}
        self._locks: dict[str, float] = {}
        self._max_keys = max_keys

    def _window(self, key: str, limit: Limit, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            if len(self._events) >= self._max_keys:
                self._evict(now)
            events = self._events[key] = deque()
        cutoff = now - limit.window_s
        while events and events[0] <= cutoff:
            events.popleft()
        return events

    def _evict(self, now: float) -> None:
        # Drop keys with nothing in the last hour; if that is not enough, the oldest half.
        stale = [k for k, v in self._events.items() if not v or v[-1] < now - 3600]
        for key in stale:
            del self._events[key]
        if len(self._events) >= self._max_keys:
            for key in list(self._events)[: self._max_keys // 2]:
                del self._events[key]

    async def peek(self, key: str, limit: Limit, now: float) -> float:
        events = self._window(key, limit, now)
        if len(events) < limit.count:
            return 0.0
        return max(0.001, events[len(events) - limit.count] + limit.window_s - now)

    async def hit(self, key: str, limit: Limit, now: float) -> float:
        wait = await self.peek(key, limit, now)
        if wait == 0.0:
            self._events[key].append(now)
        return wait

    async def add(self, key: str, limit: Limit, now: float) -> int:
        events = self._window(key, limit, now)
        events.append(now)
        return len(events)

    async def reset(self, key: str) -> None:
        self._events.pop(key, None)

    async def unhit(self, key: str) -> None:
        events = self._events.get(key)
        if events:
            events.pop()

    async def lock(self, key: str, seconds: float, now: float) -> None:
        if len(self._locks) >= self._max_keys:
            self._locks = {k: v for k, v in self._locks.items() if v > now}
        self._locks[key] = now + seconds

    async def locked(self, key: str, now: float) -> float:
        until = self._locks.get(key, 0.0)
        if until <= now:
            self._locks.pop(key, None)
            return 0.0
        return until - now


class RateLimiter:
    """Named buckets over a store; `relaxed` turns the non-critical ones off."""

    def __init__(
        self,
        store: LimiterStore,
        *,
        relaxed: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.relaxed = relaxed
        self.clock = clock

    def _skip(self, bucket: str) -> bool:
        return self.relaxed and bucket not in CRITICAL_BUCKETS

    async def hit(self, bucket: str, key: str) -> int:
        """0 when allowed, else whole seconds to wait (for `Retry-After`)."""
        if self._skip(bucket):
            return 0
        wait = await self.store.hit(f"{bucket}:{key}", LIMITS[bucket], self.clock())
        return math.ceil(wait) if wait else 0

    async def peek(self, bucket: str, key: str) -> int:
        if self._skip(bucket):
            return 0
        wait = await self.store.peek(f"{bucket}:{key}", LIMITS[bucket], self.clock())
        return math.ceil(wait) if wait else 0

    async def add(self, bucket: str, key: str) -> int:
        return await self.store.add(f"{bucket}:{key}", LIMITS[bucket], self.clock())

    async def reset(self, bucket: str, key: str) -> None:
        await self.store.reset(f"{bucket}:{key}")

    async def unhit(self, bucket: str, key: str) -> None:
        await self.store.unhit(f"{bucket}:{key}")

    async def lock(self, bucket: str, key: str, seconds: float) -> None:
        await self.store.lock(f"{bucket}:{key}", seconds, self.clock())

    async def locked(self, bucket: str, key: str) -> int:
        wait = await self.store.locked(f"{bucket}:{key}", self.clock())
        return math.ceil(wait) if wait else 0


async def limit_identity_change(limiter: RateLimiter, actor: Actor) -> None:
    """Count one identity mutation (users, keys, access requests, sessions; security.md 5b)
    against the actor's budget, or raise 429. A person's session and their personal keys
    draw from one budget, so a fresh key is no way around it."""
    who = f"user:{actor.person_id}" if actor.person_id is not None else f"{actor.kind}:{actor.id}"
    wait = await limiter.hit("identity", who)
    if wait:
        raise TooManyRequests(wait)
