"""A real Mission Control server in a subprocess on a free loopback port (tests and bench)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

SRC = Path(__file__).resolve().parent.parent / "src"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """`uvicorn mission_control.app:app_factory --factory` with the given environment.

    The flags mirror `mc serve`: uvicorn's own proxy-header handling is off, so only the
    app's MC_TRUSTED_PROXIES decides whom forwarding headers are believed from.
    """

    def __init__(
        self,
        *,
        database_url: str,
        data_dir: Path,
        env: dict[str, str] | None = None,
        workers: int = 1,
        startup_timeout: float = 90.0,
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log_path = data_dir / f"server-{self.port}.log"
        self._startup_timeout = startup_timeout
        self._workers = workers
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("MC_", "AUTH_", "API_KEY", "MISSION_CONTROL_", "NODE_ENV"))
        }
        self.env.update(
            {
                "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                "MC_ENV": "development",
                "MC_DATABASE_URL": database_url,
                "MISSION_CONTROL_DATA_DIR": str(data_dir),
                "MC_ARGON2_MEMORY_KIB": "8192",
                "MC_ARGON2_TIME_COST": "1",
                "MC_LOG_LEVEL": "warning",
            }
        )
        self.env.update(env or {})
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "mission_control.app:app_factory",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self._workers),
                "--no-proxy-headers",
                "--no-server-header",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=self.data_dir,  # no stray .env file is read
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self._startup_timeout
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.output()}")
            try:
                if httpx.get(self.base_url + "/api/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not become healthy:\n{self.output()}")

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL, as a crashed host would end it: no shutdown, no draining."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)

    def client(self, **kwargs: object) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=30.0, **kwargs)  # type: ignore[arg-type]

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
