"""The running app's shared parts, built once from the settings."""

from __future__ import annotations

import logging
import time

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from mission_control.db.engine import Database
from mission_control.errors import TooManyRequests
from mission_control.events.bus import EventBus
from mission_control.events.redis_wake import RedisWake, redis_client
from mission_control.integrations.openclaw.pool import GatewayPool
from mission_control.jobs.scheduler import Scheduler
from mission_control.logs.writer import FileLog
from mission_control.pipelines.watcher import PipelineWatcher
from mission_control.security.identity import IdentityResolver
from mission_control.security.passwords import Passwords
from mission_control.security.ratelimit import MemoryStore, RateLimiter
from mission_control.security.ratelimit_redis import FallbackStore, RedisStore
from mission_control.security.security_events import SecuritySink
from mission_control.settings import Settings
from mission_control.webhooks.sender_process import SenderProcess
from mission_control.webhooks.worker import WebhookWorker

log = logging.getLogger("mission_control")


class Runtime:
    """Settings, database, hashing pool, limiter, event bus and identity resolver."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Logs, keys, backups and the SQLite file live here: private to the server's user.
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.started_at = time.time()
        self.db = Database(settings.database_url_resolved)
        self.passwords = Passwords(
            memory_kib=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
            concurrency=settings.hash_concurrency,
        )
        self.bus = EventBus(self.db)
        self.redis: aioredis.Redis | None = None
        self.redis_wake: RedisWake | None = None
        self.limiter_store: FallbackStore | None = None
        if settings.redis_url:
            if not settings.is_sqlite and not settings.secret_key:
                log.warning(
                    "MC_SECRET_KEY is not set: secrets this instance encrypts cannot be read "
                    "by the others sharing the database"
                )
            self.redis = redis_client(settings.redis_url)
            self.limiter_store = FallbackStore(
                RedisStore(self.redis, prefix=settings.redis_prefix + "rl:")
            )
            self.redis_wake = RedisWake(
                self.redis, self.bus, channel=settings.redis_prefix + "events:wake"
            )
        self.limiter = RateLimiter(
            self.limiter_store or MemoryStore(), relaxed=settings.rate_limits_relaxed
        )
        self.security = SecuritySink(self.db.write)
        self.identity = IdentityResolver(self)
        self.scheduler = Scheduler(self)
        self.pipelines = PipelineWatcher(self)
        self.file_log = FileLog(settings.data_dir, settings.log_level)
        self.gateways = GatewayPool(settings)
        # Test sends and manual retries always go out from here; the background sending
        # runs in a delivery process (default), on this loop (`inline`) or elsewhere (`off`).
        self.webhooks = WebhookWorker(self.db, settings)
        self.webhook_sender = (
            SenderProcess(settings) if settings.webhook_sender == "process" else None
        )

    async def enforce_limit(self, bucket: str, ip: str) -> None:
        """Count one request of `bucket` for this client IP; 429 (and a security event) when over."""
        wait = await self.limiter.hit(bucket, ip)
        if wait:
            await self.security.report("rate_limit_hit", ip, detail={"bucket": bucket})
            raise TooManyRequests(wait)

    def wake_webhooks(self) -> None:
        """Look at the delivery queue now (e.g. a circuit was reset)."""
        if self.webhook_sender is not None:
            self.webhook_sender.wake()
        else:
            self.webhooks.wake()

    async def start(self) -> None:
        self.file_log.attach()
        await self.bus.start()
        if self.redis_wake is not None:
            await self.redis_wake.start()
            self.db.on_commit(self.redis_wake.notify)
        if self.webhook_sender is not None:
            await self.webhook_sender.start(self.bus, self.db)
        elif self.settings.webhook_sender == "inline":
            await self.webhooks.start(self.bus)
        await self.scheduler.start(loop=self.settings.scheduler_enabled)
        await self.pipelines.catch_up()

    async def redis_status(self) -> str:
        """`ok`, `down`, or `off` when no Redis is configured."""
        if self.redis is None:
            return "off"
        try:
            await self.redis.ping()
        except (RedisError, OSError):
            return "down"
        return "ok"

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.gateways.close()
        await self.identity.drain()
        if self.redis_wake is not None:
            await self.redis_wake.stop()
        if self.webhook_sender is not None:
            await self.webhook_sender.stop()
        await self.webhooks.stop()
        await self.bus.stop()
        await self.pipelines.drain()
        if self.redis is not None:
            await self.redis.aclose()
        self.db.dispose()
        self.file_log.detach()
