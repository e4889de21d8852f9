"""A real server for the client commands and the MCP server to talk to."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import TEST_API_KEY
from tests.server import ServerProcess, free_port


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(
        database_url=database_url,
        data_dir=tmp_path / "server",
        env={"API_KEY": TEST_API_KEY, "MC_DISABLE_RATE_LIMIT": "1"},
    )
    with server:
        yield server


class _Broken(BaseHTTPRequestHandler):
    """Answers everything with a 500, as a failing server would."""

    def _fail(self) -> None:
        body = b'{"error":"Internal server error"}'
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _fail

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def broken_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Broken)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def dead_url() -> str:
    """An address where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"
