"""The server's handle on its delivery process (`sender_main.py`): start, wake, watch, stop.

One per server process (so one per `mc serve` worker and per fleet instance); the claims
and their leases in the queue keep several senders from sending the same delivery. The
handle forwards the event bus's wake-ups (local commits, other processes' commits seen by
polling, Redis wake-ups) as single bytes on the process's stdin, restarts the process if
it dies, and on stop asks it to hand its rows in flight back before it exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from mission_control.db.engine import Database
from mission_control.integrations.secrets.service import CATALOG
from mission_control.security.secretbox import purpose_key
from mission_control.settings import FILE_BACKED, Settings
from mission_control.webhooks.dispatcher import ensure_cursor
from mission_control.webhooks.sealing import PURPOSE
from mission_control.webhooks.sender_main import WAKE

log = logging.getLogger("mission_control.webhooks")

MODULE = "mission_control.webhooks.sender_main"
WATCH_SECONDS = 1.0
# A process that dies is restarted after a delay that doubles with each quick death...
RESTART_MIN_SECONDS = 1.0
RESTART_MAX_SECONDS = 30.0
# ...and drops back to the minimum once a process has stayed up this long: a crash days
# after the last one is a new incident, not part of a crash loop.
HEALTHY_UPTIME_SECONDS = 300.0
STOP_TIMEOUT_SECONDS = 20.0
# The folder holding the `mission_control` package, so the child imports the same code.
SOURCE_ROOT = str(Path(__file__).resolve().parents[2])


def child_config(settings: Settings) -> bytes:
    """The settings the delivery process needs, as the JSON line it reads first."""
    config = {
        "mc_env": settings.mc_env,
        "node_env": settings.node_env,
        "data_dir": str(settings.data_dir.resolve()),
        "database_url": settings.database_url_resolved,
        "webhook_allow_private": settings.webhook_allow_private,
        "webhook_max_retries": settings.webhook_max_retries,
        "log_level": settings.log_level,
        "nice": settings.webhook_sender_nice,
        # Through the pipe, never the environment: opens webhook secrets and nothing else.
        "webhook_key": purpose_key(settings, PURPOSE).decode("ascii"),
    }
    return orjson.dumps(config) + b"\n"


# Secrets of ours the delivery process never uses: it signs with each webhook's own secret
# from the database and calls no integration, so they stay in the server process.
WITHHELD_ENV = frozenset(
    {
        *FILE_BACKED,
        *(f"{name}_FILE" for name in FILE_BACKED),
        "AUTH_PASS_B64",
        *(known.env_var for known in CATALOG),
    }
)
WITHHELD_PREFIXES = ("OP_",)  # 1Password sessions and service account


def child_env() -> dict[str, str]:
    """Our environment less the secrets the delivery process has no use for."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in WITHHELD_ENV and not name.startswith(WITHHELD_PREFIXES)
    }
    paths = [SOURCE_ROOT, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


class SenderProcess:
    """Starts the delivery process and keeps it running until `stop()`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None
        self._control: int | None = None
        self._watch: asyncio.Task[None] | None = None
        self._stopping = False
        self._wake_pending = False
        self._restart_delay = RESTART_MIN_SECONDS
        self._started_at = 0.0  # time.monotonic() when the current process was started

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def start(self, bus: Any, db: Database) -> None:
        # Before the server answers: what it commits from now on is delivered.
        await db.write(ensure_cursor, int(time.time()))
        bus.add_listener(self._on_event)
        self._spawn()
        self._watch = asyncio.get_running_loop().create_task(self._supervise(), name="mc-sender")

    def _spawn(self) -> None:
        # Our own interpreter and module: no input from outside reaches the command line.
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", MODULE], stdin=subprocess.PIPE, env=child_env(), close_fds=True
        )
        assert process.stdin is not None
        control = process.stdin.fileno()
        self.process, self._control = process, control
        self._started_at = time.monotonic()
        # A process that died at once has closed its end: the supervisor replaces it.
        with contextlib.suppress(BrokenPipeError):
            os.write(control, child_config(self.settings))
        os.set_blocking(control, False)

    def wake(self) -> None:
        """Tell the delivery process to look at the queue now; coalesced, never blocks."""
        self._send(WAKE)

    def _on_event(self, _event: Any) -> None:
        # The bus calls this once per event; one byte per loop turn is enough.
        if not self._wake_pending:
            self._wake_pending = True
            asyncio.get_running_loop().call_soon(self._flush_wake)

    def _flush_wake(self) -> None:
        self._wake_pending = False
        self.wake()

    def _send(self, message: bytes) -> None:
        if self._control is None:
            return
        # A full pipe already holds a wake-up; a closed one is noticed by the supervisor.
        with contextlib.suppress(BlockingIOError, BrokenPipeError, OSError):
            os.write(self._control, message)

    async def _supervise(self) -> None:
        """Restart the delivery process if it exits while the server runs."""
        while not self._stopping:
            await asyncio.sleep(WATCH_SECONDS)
            process = self.process
            if self._stopping or process is None or process.poll() is None:
                continue
            uptime = time.monotonic() - self._started_at
            if uptime >= HEALTHY_UPTIME_SECONDS:
                self._restart_delay = RESTART_MIN_SECONDS
            log.error(
                "webhook delivery process exited with status %s after %.0f s; restarting in %.0f s",
                process.returncode,
                uptime,
                self._restart_delay,
            )
            self._close_control()
            await asyncio.sleep(self._restart_delay)
            self._restart_delay = min(self._restart_delay * 2, RESTART_MAX_SECONDS)
            if self._stopping:
                continue
            try:
                self._spawn()
            except OSError:
                log.exception("could not start the webhook delivery process")

    def _close_control(self) -> None:
        process, self._control = self.process, None
        if process is not None and process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()

    async def stop(self) -> None:
        """Ask the process to hand back what it holds and wait for it to exit."""
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        process = self.process
        if process is None:
            return
        process.terminate()  # the process hands its rows back, then exits
        try:
            await asyncio.to_thread(process.wait, STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            log.warning("webhook delivery process did not stop in time; killing it")
            process.kill()
            await asyncio.to_thread(process.wait)
        finally:
            self._close_control()
