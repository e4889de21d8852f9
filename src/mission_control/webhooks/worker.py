"""The background sender: drains the outbox into deliveries and sends due ones, bounded."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from mission_control.db.engine import Database
from mission_control.settings import Settings
from mission_control.webhooks.delivery import Outcome, Sender
from mission_control.webhooks.dispatcher import BATCH, cursor_behind, dispatch_batch
from mission_control.webhooks.queue import Claimed, claim_due, has_due, record_outcome, release
from mission_control.webhooks.signing import delivery_headers

log = logging.getLogger("mission_control.webhooks")

DEFAULT_CONCURRENCY = 8
POLL_SECONDS = 1.0


def private_allowed(settings: Settings) -> bool:
    """`MC_WEBHOOK_ALLOW_PRIVATE` is honoured outside production only (ignored there)."""
    return settings.webhook_allow_private and not settings.production


class WebhookWorker:
    """One per process. Woken by local commits, polling for other processes' work.

    `clock` and `rng` are attributes so tests can move time instead of sleeping.
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        poll_interval: float = POLL_SECONDS,
    ) -> None:
        self.db = db
        self.settings = settings
        self.max_retries = settings.webhook_max_retries
        self.sender = Sender(allow_private=private_allowed(settings))
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.clock: Callable[[], float] = time.time
        self.rng: Callable[[], float] = random.random
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._sending: dict[int, asyncio.Future[Outcome]] = {}

    def now(self) -> int:
        return int(self.clock())

    async def start(self, bus: Any) -> None:
        if self.settings.webhook_allow_private and self.settings.production:
            log.warning("MC_WEBHOOK_ALLOW_PRIVATE is ignored in production")
        bus.add_listener(lambda _event: self.wake())
        self._task = asyncio.get_running_loop().create_task(self._run(), name="mc-webhooks")

    async def stop(self) -> None:
        """Stop claiming, abandon sends in flight and hand their rows back to the queue."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        for future in list(self._sending.values()):
            future.cancel()
        claimed = list(self._inflight)
        await asyncio.gather(*self._inflight.values(), return_exceptions=True)
        if claimed:
            await self.db.write(release, claimed, self.now())
        await self.sender.aclose()

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            self._wake.clear()
            if self._stopping:
                return
            try:
                await self.pump()
            except Exception:
                log.exception("webhook worker pass failed")
                await asyncio.sleep(1)

    async def dispatch(self) -> int:
        """Turn every new outbox event into deliveries; returns how many were queued."""
        queued = 0
        while await self.db.read(cursor_behind):
            read, added = await self.db.write(dispatch_batch, self.now())
            queued += added
            if read < BATCH:
                break
        return queued

    async def pump(self) -> tuple[int, int]:
        """One pass: dispatch, then claim as many due rows as there are free slots."""
        queued = await self.dispatch()
        free = self.concurrency - len(self._inflight)
        if free <= 0 or self._stopping or not await self.db.read(has_due, self.now()):
            return queued, 0
        claimed: list[Claimed] = await self.db.write(claim_due, self.now(), free)
        for item in claimed:
            self._spawn(item)
        return queued, len(claimed)

    def _spawn(self, claimed: Claimed) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(claimed))
        self._inflight[claimed.id] = task

        def finished(_task: asyncio.Task[None]) -> None:
            self._inflight.pop(claimed.id, None)
            self.wake()

        task.add_done_callback(finished)

    async def _deliver(self, claimed: Claimed) -> None:
        sending = asyncio.ensure_future(self.send(claimed))
        self._sending[claimed.id] = sending
        try:
            await asyncio.wait({sending})
        finally:
            self._sending.pop(claimed.id, None)
        if sending.cancelled():
            return  # shutting down: the row goes back to the queue
        outcome = sending.result()
        try:
            await self.db.write(
                record_outcome,
                claimed,
                outcome,
                now=self.now(),
                max_retries=self.max_retries,
                rng=self.rng,
            )
        except Exception:
            # The claim's lease runs out and the row is sent again: at least once.
            log.exception("could not record webhook delivery %s", claimed.id)

    async def send(self, claimed: Claimed) -> Outcome:
        """One HTTP attempt of `claimed`, signed with its webhook's current secret."""
        body = claimed.payload.encode()
        headers = delivery_headers(
            event_type=claimed.event_type,
            delivery_uid=claimed.root_uid,
            timestamp=self.now(),
            body=body,
            secret=claimed.secret,
        )
        return await self.sender.send(claimed.url, body, headers)

    async def deliver_now(self, claimed: Claimed) -> Outcome:
        """Send a row the caller already inserted as `sending` and record it (test, retry)."""
        outcome = await self.send(claimed)
        await self.db.write(
            record_outcome, claimed, outcome, now=self.now(), max_retries=self.max_retries
        )
        return outcome

    async def run_once(self) -> dict[str, int]:
        """Dispatch and send everything due now, waiting for the sends (the retry job)."""
        queued = sent = 0
        while True:
            added, claimed = await self.pump()
            queued += added
            sent += claimed
            waiting = list(self._inflight.values())
            if waiting:
                await asyncio.gather(*waiting, return_exceptions=True)
            if (not claimed and not waiting) or self._stopping:
                break
        return {"queued": queued, "sent": sent}
