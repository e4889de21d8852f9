"""A real uvicorn server process on a free port, and a small SSE reader for the event tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from tests.conftest import TEST_API_KEY

SRC = str(Path(__file__).resolve().parents[2] / "src")

# Runs the app the way `mc serve` does, with a short heartbeat so tests need not wait 30 s.
LAUNCHER = """
import os, sys
import uvicorn
import mission_control.events.sse as sse
sse.HEARTBEAT_INTERVAL = float(os.environ["TEST_SSE_HEARTBEAT"])
uvicorn.run("mission_control.app:app_factory", factory=True, host="127.0.0.1",
            port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    process: subprocess.Popen[bytes]
    url: str

    def client(self, **headers: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=10)

    def key_client(self) -> httpx.AsyncClient:
        return self.client(**{"x-api-key": TEST_API_KEY})

    def stop(self, timeout: float = 10) -> float:
        """SIGTERM the server; answers how long it took to exit."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise
        return time.monotonic() - started


@pytest.fixture
def start_server(database_url: str, tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def start(heartbeat: float = 30.0) -> LiveServer:
        port = free_port()
        env = dict(os.environ)
        env.update(
            {
                "PYTHONPATH": SRC,
                "MC_ENV": "development",
                "MC_DATABASE_URL": database_url,
                "MISSION_CONTROL_DATA_DIR": str(tmp_path / "data"),
                "API_KEY": TEST_API_KEY,
                "MC_DISABLE_RATE_LIMIT": "1",
                "MC_ARGON2_MEMORY_KIB": "8192",
                "MC_ARGON2_TIME_COST": "1",
                "TEST_SSE_HEARTBEAT": str(heartbeat),
            }
        )
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(port)],
            env=env,
            cwd=str(tmp_path),
            stdout=subprocess.DEVNULL,
        )
        server = LiveServer(process, f"http://127.0.0.1:{port}")
        servers.append(server)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("server exited during startup")
            try:
                if httpx.get(f"{server.url}/api/health", timeout=1).status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    yield start
    for server in servers:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


@dataclass
class Frame:
    id: int | None = None
    data: Any = None
    comment: str | None = None
    retry: int | None = None
    raw: list[str] = field(default_factory=list)


class SSEReader:
    """Frames of one open event stream."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self, timeout: float = 5.0) -> Frame:
        frame = Frame()
        with anyio.fail_after(timeout):
            async for line in self._lines:
                if line == "":
                    if frame.raw:
                        return frame
                    continue
                frame.raw.append(line)
                if line.startswith(":"):
                    frame.comment = line[1:].strip()
                elif line.startswith("id: "):
                    frame.id = int(line[4:])
                elif line.startswith("data: "):
                    frame.data = json.loads(line[6:])
                elif line.startswith("retry: "):
                    frame.retry = int(line[7:])
        raise EOFError("stream ended")

    async def next_event(self, timeout: float = 5.0) -> Frame:
        """The next frame that is an event (skipping heartbeats)."""
        with anyio.fail_after(timeout):
            while True:
                frame = await self.next(timeout)
                if frame.data is not None:
                    return frame


@asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient, last_event_id: int | None = None
) -> AsyncIterator[SSEReader]:
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    async with client.stream("GET", "/api/events", headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield SSEReader(response)
