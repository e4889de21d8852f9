"""The running app's shared parts, built once from the settings."""

from __future__ import annotations

import time

from mission_control.db.engine import Database
from mission_control.events.bus import EventBus
from mission_control.jobs.scheduler import Scheduler
from mission_control.security.identity import IdentityResolver
from mission_control.security.passwords import Passwords
from mission_control.security.ratelimit import MemoryStore, RateLimiter
from mission_control.security.security_events import SecuritySink
from mission_control.settings import Settings
from mission_control.webhooks.worker import WebhookWorker


class Runtime:
    """Settings, database, hashing pool, limiter, event bus and identity resolver."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.started_at = time.time()
        self.db = Database(settings.database_url_resolved)
        self.passwords = Passwords(
            memory_kib=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
            concurrency=settings.hash_concurrency,
        )
        self.limiter = RateLimiter(MemoryStore(), relaxed=settings.rate_limits_relaxed)
        self.bus = EventBus(self.db)
        self.security = SecuritySink(self.db.write)
        self.identity = IdentityResolver(self)
        self.scheduler = Scheduler(self)
        self.webhooks = WebhookWorker(self.db, settings)

    async def start(self) -> None:
        await self.bus.start()
        await self.webhooks.start(self.bus)
        await self.scheduler.start(loop=self.settings.scheduler_enabled)

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.identity.drain()
        await self.webhooks.stop()
        await self.bus.stop()
        self.db.dispose()
