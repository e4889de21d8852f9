"""Login throttling: failed attempts per client IP and per username, then exponential backoff.

Each attempt reserves a slot in its window before the password is checked, so a burst
of concurrent guesses cannot all pass before the first failure is recorded; a correct
password (or an attempt that never reached the check) gives its slot back, so only
failures count. A full window locks the key; each further lock within a day of the
first doubles (1x the window, 2x, 4x, ...) up to a ceiling, so a lock always ends.
Everything lives in the limiter's store, so with Redis every instance sees the same
counts and locks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mission_control.errors import TooManyRequests
from mission_control.security.ratelimit import LIMITS, Limit, RateLimiter
from mission_control.security.security_events import SecuritySink

# The longest a login lock can last, however long the failures go on.
MAX_LOCK_S = {"login_ip": 15 * 60, "login_user": 60 * 60, "login_device": 60 * 60}
# Locks within this long of the first one count as repeat offences.
STRIKE_MEMORY = Limit(count=10**9, window_s=24 * 3600)


@dataclass
class LoginThrottle:
    limiter: RateLimiter

    async def admit(self, bucket: str, key: str) -> int:
        """Reserve a slot for one attempt: 0 when admitted, else seconds to wait."""
        wait = await self.limiter.locked(f"{bucket}_lock", key)
        if wait:
            return wait
        return await self.limiter.hit(bucket, key)

    async def release(self, bucket: str, key: str) -> None:
        """The attempt did not fail (right password, or it was never checked)."""
        await self.limiter.unhit(bucket, key)

    async def forgive(self, bucket: str, key: str) -> None:
        """A correct password clears the key's earlier failures; locks stay."""
        await self.limiter.reset(bucket, key)

    async def failed(self, bucket: str, key: str) -> None:
        """The reserved attempt failed; a full window turns into a lock."""
        if not await self.limiter.peek(bucket, key):
            return
        strikes = await self.limiter.store.add(
            f"{bucket}_strikes:{key}", STRIKE_MEMORY, self.limiter.clock()
        )
        window = LIMITS[bucket].window_s
        seconds = min(window * 2 ** min(strikes - 1, 20), MAX_LOCK_S[bucket])
        await self.limiter.lock(f"{bucket}_lock", key, seconds)
        await self.limiter.reset(bucket, key)


async def refusal(sink: SecuritySink, ip: str, bucket: str, wait: int) -> TooManyRequests:
    """The 429 for a throttled login, recorded as a security event first."""
    await sink.report("rate_limit_hit", ip, detail={"bucket": bucket})
    return TooManyRequests(wait)


@dataclass
class LoginAttempt:
    """The slots one login attempt holds, one per bucket it is judged in (IP, username or
    device, Google account): reserved before the credential is checked, then counted as a
    failure in every one of them, or given back."""

    throttle: LoginThrottle
    sink: SecuritySink
    ip: str
    held: list[tuple[str, str]] = field(default_factory=list)

    async def reserve(self, bucket: str, key: str) -> None:
        """Hold a slot in `bucket` for `key`, or raise the 429 (recorded) when it is full."""
        wait = await self.throttle.admit(bucket, key)
        if wait:
            raise await refusal(self.sink, self.ip, bucket, wait)
        self.held.append((bucket, key))

    async def fail(self) -> None:
        """The attempt failed: it counts in every bucket it holds a slot in."""
        for bucket, key in self.held:
            await self.throttle.failed(bucket, key)
        self.held.clear()

    async def release(self) -> None:
        """The attempt did not fail: its slots are given back (nothing left after `fail`)."""
        for bucket, key in self.held:
            await self.throttle.release(bucket, key)
        self.held.clear()
