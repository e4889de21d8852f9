"""The background sender: drains the outbox into deliveries and sends due ones, bounded.

By default it runs in a delivery process of its own beside each server process
(`sender_main.py`, started by `sender_process.py`), so the sends, signing and bookkeeping
of a large backlog never take the API's event loop; `MC_WEBHOOK_SENDER=inline` runs it on
the server's loop instead (tests drive it there with a fake clock).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from mission_control.db.engine import Database
from mission_control.security.secretbox import SecretBox, SecretBoxError
from mission_control.settings import Settings
from mission_control.webhooks.delivery import Outcome, Sender
from mission_control.webhooks.dispatcher import BATCH, cursor_behind, dispatch_batch
from mission_control.webhooks.queue import (
    Claimed,
    has_due,
    record_outcome,
    release,
    settle_and_claim,
)
from mission_control.webhooks.sealing import open_secret, webhook_box
from mission_control.webhooks.signing import delivery_headers

log = logging.getLogger("mission_control.webhooks")

DEFAULT_CONCURRENCY = 8
POLL_SECONDS = 1.0
# While sends are in flight, a pass waits this long so one write records several.
BATCH_DELAY = 0.02
# Passes that may fail to record the same finished attempts before they are left to
# their lease (a deadlock or a moment's outage should not send them twice).
SETTLE_ATTEMPTS = 3
NOT_OPENED = (
    "Not sent: the signing secret cannot be opened with the current secret key "
    "(MC_SECRET_KEY or the data directory's secret.key changed); regenerate the secret"
)


def private_allowed(settings: Settings) -> bool:
    """`MC_WEBHOOK_ALLOW_PRIVATE` is honoured outside production only (ignored there)."""
    return settings.webhook_allow_private and not settings.production


class WebhookWorker:
    """One per process. Woken by local commits, polling for other processes' work.

    Each pass records the attempts that finished since the last one and claims as many
    due rows as there are free sending slots, in one transaction. `clock` and `rng` are
    attributes so tests can move time instead of sleeping.
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        poll_interval: float = POLL_SECONDS,
        batch_delay: float = BATCH_DELAY,
        box: SecretBox | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        # Opens the webhooks' signing secrets (the delivery process is handed its key).
        self.box = box or webhook_box(settings)
        self.max_retries = settings.webhook_max_retries
        self.sender = Sender(allow_private=private_allowed(settings))
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.batch_delay = batch_delay
        self.clock: Callable[[], float] = time.time
        self.rng: Callable[[], float] = random.random
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._events_seen = True  # check the outbox on the first pass
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._sending: dict[int, asyncio.Future[Outcome]] = {}
        self._finished: list[tuple[Claimed, Outcome]] = []
        self._settle_failures = 0
        self._pass_lock = asyncio.Lock()  # one pass at a time (the loop and run_once)

    def now(self) -> int:
        return int(self.clock())

    async def start(self, bus: Any = None) -> None:
        """Run the loop; woken by `bus` events when given, else by `wake()` and polling."""
        if self.settings.webhook_allow_private and self.settings.production:
            log.warning("MC_WEBHOOK_ALLOW_PRIVATE is ignored in production")
        if bus is not None:
            bus.add_listener(self._on_event)
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
        finished, self._finished = self._finished, []
        if not finished and not claimed:
            await self.sender.aclose()  # nothing to record or hand back (or never started)
            return
        done = {c.id for c, _ in finished}
        try:
            await self.db.write(
                settle_and_claim, finished, now=self.now(), max_retries=self.max_retries, want=0
            )
        finally:
            abandoned = [i for i in claimed if i not in done]
            if abandoned:
                await self.db.write(release, abandoned, self.now())
            await self.sender.aclose()

    def wake(self) -> None:
        """Look at the queue now (e.g. a circuit was reset)."""
        self._events_seen = True
        self._wake.set()

    def _on_event(self, _event: Any) -> None:
        self._events_seen = True
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            except TimeoutError:
                self._events_seen = True  # another process may have committed events
            if self._inflight and not self._stopping:
                # Let a few more sends finish so one write records them together.
                await asyncio.sleep(self.batch_delay)
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

    async def pump(self, *, force: bool = False) -> tuple[int, int]:
        """One pass: dispatch new events, record finished attempts, claim due rows."""
        async with self._pass_lock:
            return await self._pass(force=force)

    async def _pass(self, *, force: bool) -> tuple[int, int]:
        queued = 0
        if self._events_seen or force:
            self._events_seen = False
            queued = await self.dispatch()
        finished, self._finished = self._finished, []
        free = 0 if self._stopping else self.concurrency - len(self._inflight)
        # Nothing to record: only take the write lock when a row is due.
        if free > 0 and not finished and not queued and not await self.db.read(has_due, self.now()):
            free = 0
        if not finished and free <= 0:
            return queued, 0
        try:
            claimed: list[Claimed] = await self.db.write(
                settle_and_claim,
                finished,
                now=self.now(),
                max_retries=self.max_retries,
                want=free,
                rng=self.rng,
            )
        except Exception:
            log.exception("could not record %d webhook deliveries", len(finished))
            self._settle_failures += 1
            if self._settle_failures <= SETTLE_ATTEMPTS:
                # Try to record them again on the next pass: they were sent once already.
                self._finished[:0] = finished
            else:
                # Unrecorded attempts keep their claim; the lease runs out and they are
                # sent again (at least once).
                self._settle_failures = 0
            raise
        self._settle_failures = 0
        for item in claimed:
            self._spawn(item)
        return queued, len(claimed)

    def _spawn(self, claimed: Claimed) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(claimed))
        self._inflight[claimed.id] = task

        def finished(_task: asyncio.Task[None]) -> None:
            self._inflight.pop(claimed.id, None)
            self._wake.set()

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
        self._finished.append((claimed, sending.result()))

    async def send(self, claimed: Claimed) -> Outcome:
        """One HTTP attempt of `claimed`, signed with its webhook's current secret."""
        try:
            secret = open_secret(self.box, claimed.secret)
        except SecretBoxError:
            return Outcome(None, None, NOT_OPENED, 0)
        body = claimed.payload.encode()
        headers = delivery_headers(
            event_type=claimed.event_type,
            delivery_uid=claimed.root_uid,
            timestamp=self.now(),
            body=body,
            secret=secret,
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
            added, claimed = await self.pump(force=True)
            queued += added
            sent += claimed
            waiting = list(self._inflight.values())
            if waiting:
                await asyncio.gather(*waiting, return_exceptions=True)
            if (not claimed and not waiting and not self._finished) or self._stopping:
                break
        return {"queued": queued, "sent": sent}
