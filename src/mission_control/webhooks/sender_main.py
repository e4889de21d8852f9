"""The delivery process: `python -m mission_control.webhooks.sender_main`, started by a server.

It reads its settings as one JSON line on stdin, then runs a `WebhookWorker` on its own
event loop, at a lower CPU priority, so the server's loop never runs delivery code. The
rest of stdin is the control channel from the server: each `w` wakes the worker (events
were committed). SIGTERM stops it cleanly (rows in flight go back to the queue). End of
file means the server died: the process exits at once, as a crash would, and the claims'
leases hand the rows in flight to the next sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from typing import Any

import orjson

from mission_control.db.engine import Database
from mission_control.logs.writer import FileLog
from mission_control.security.secretbox import SecretBox
from mission_control.settings import Settings
from mission_control.webhooks.worker import WebhookWorker

CONTROL_FD = 0
WAKE = b"w"
# Exit status when the server went away without saying stop.
ORPHANED = 3

log = logging.getLogger("mission_control.webhooks")


def read_config(fd: int = CONTROL_FD) -> dict[str, Any]:
    """The first line on the control channel, read unbuffered (what follows is control)."""
    line = bytearray()
    while not line.endswith(b"\n"):
        chunk = os.read(fd, 1)
        if not chunk:
            raise SystemExit(ORPHANED)
        line += chunk
    config: dict[str, Any] = orjson.loads(line)
    return config


async def serve(settings: Settings, box: SecretBox) -> None:
    """Run the worker until this process is sent SIGTERM (by the server, on stop)."""
    loop = asyncio.get_running_loop()
    db = Database(settings.database_url_resolved)
    worker = WebhookWorker(db, settings, box=box)
    stopping = asyncio.Event()

    def on_control() -> None:
        try:
            data = os.read(CONTROL_FD, 4096)
        except BlockingIOError:
            return
        if not data:
            os._exit(ORPHANED)  # the server is gone: no clean-up, the leases cover it
        if WAKE in data:
            worker.wake()

    os.set_blocking(CONTROL_FD, False)
    loop.add_reader(CONTROL_FD, on_control)
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    try:
        await worker.start()
        await stopping.wait()
    finally:
        loop.remove_reader(CONTROL_FD)
        try:
            await worker.stop()
        finally:
            db.dispose()


def main() -> None:
    # Ctrl-C reaches the whole process group; the server decides when this process stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    config = read_config()
    nice = int(config.pop("nice", 0))
    box = SecretBox(str(config.pop("webhook_key")).encode("ascii"))
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    settings = Settings(**config, _env_file=None)
    logging.basicConfig(stream=sys.stderr, format="%(levelname)s: %(name)s: %(message)s")
    file_log = FileLog(settings.data_dir, settings.log_level)
    file_log.attach()
    try:
        asyncio.run(serve(settings, box))
    finally:
        file_log.detach()


if __name__ == "__main__":
    main()
