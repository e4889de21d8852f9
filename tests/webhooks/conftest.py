"""A real HTTP receiver on a free loopback port, and helpers to wait for deliveries."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

HUGE_BODY_BYTES = 50 * 1024 * 1024


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers by path: `/ok` 200, `/fail` 500, `/hang` waits, `/redirect` 302, `/huge` 50 MB."""

    port: int = 0
    requests: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    huge_bytes_sent: list[int] = field(default_factory=list)
    huge_done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/ok", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def on(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(
            self, status: int, body: bytes = b"ok", headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                path = self.path.split("?", 1)[0]
                if path == "/fail":
                    self._reply(500, b"internal error")
                elif path == "/hang":
                    receiver.release.wait(30)
                    self._reply(200)
                elif path == "/redirect":
                    self._reply(302, b"", {"Location": receiver.url("/redirected")})
                elif path == "/huge":
                    self._huge()
                else:
                    self._reply(200, b'{"received": true}')
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _huge(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(HUGE_BODY_BYTES))
            self.end_headers()
            chunk = b"x" * 65536
            sent = 0
            try:
                while sent < HUGE_BODY_BYTES:
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except OSError:
                pass
            finally:
                receiver.huge_bytes_sent.append(sent)
                receiver.huge_done.set()

    return Handler


class _Listener(ThreadingHTTPServer):
    # The standard library listens with a backlog of 5: four senders of eight sends each
    # overflow it on a loaded machine and the kernel resets connections a real receiver
    # would have taken (seen as `ReadError` attempts and their retries).
    request_queue_size = 128


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    server = _Listener(("127.0.0.1", 0), _handler(rec))
    server.daemon_threads = True
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield rec
    finally:
        rec.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


async def wait_for(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout: float = 10.0
) -> None:
    """Poll `check` until it is true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


class FakeClock:
    """Time that only moves when the test says so."""

    def __init__(self, start: float | None = None) -> None:
        self.now = float(int(start if start is not None else time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
