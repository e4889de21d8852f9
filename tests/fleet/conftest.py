"""Fleet fixtures: real server processes sharing one fresh PostgreSQL database and Redis.

Every test gets its own database (the servers migrate it on start) and its own Redis key
prefix on the shared Redis. Tests that stop Redis or cut PostgreSQL do it to a private
`redis-server` subprocess or to a TCP forwarder the test owns, never to the shared ones.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from mission_control.db.migrate import upgrade
from tests.conftest import PASSWORD, PG_BASE_URL, TEST_API_KEY
from tests.server import ServerProcess, free_port

REDIS_URL = os.environ.get("MC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ADMIN = "fleet-admin"
SECRET_KEY = "fleet-shared-secret-key-0123456789abcdef"


def _pg_admin() -> sa.Engine:
    return sa.create_engine(PG_BASE_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _pg_reachable() -> str | None:
    engine = _pg_admin()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        return f"PostgreSQL unreachable at {PG_BASE_URL}: {exc.__class__.__name__}"
    finally:
        engine.dispose()
    return None


def _redis_reachable() -> str | None:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except Exception as exc:
        return f"Redis unreachable at {REDIS_URL}: {exc.__class__.__name__}"
    finally:
        client.close()
    return None


@pytest.fixture(scope="session")
def fleet_services() -> None:
    reason = _pg_reachable() or _redis_reachable()
    if reason:
        pytest.skip(reason)


class FreshDatabase:
    def __init__(self) -> None:
        self.name = f"mc_fleet_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.url = PG_BASE_URL.rsplit("/", 1)[0] + "/" + self.name
        self._admin = _pg_admin()
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        self.engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)

    def url_via(self, host: str, port: int) -> str:
        return sa.make_url(self.url).set(host=host, port=port).render_as_string(hide_password=False)

    def drop(self) -> None:
        self.engine.dispose()
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


@pytest.fixture
def fresh_db(fleet_services: None) -> Iterator[FreshDatabase]:
    """A new, empty database (`migrated_db` for one at the head revision)."""
    database = FreshDatabase()
    yield database
    database.drop()


@pytest.fixture
def migrated_db(fleet_services: None) -> Iterator[FreshDatabase]:
    database = FreshDatabase()
    upgrade(database.url)
    yield database
    database.drop()


@pytest.fixture
def redis_prefix(fleet_services: None) -> Iterator[str]:
    """A key prefix of this test alone on the shared Redis; its keys are removed after."""
    prefix = f"mctest:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


ServerFactory = Callable[..., ServerProcess]


@pytest.fixture
def fleet(migrated_db: FreshDatabase, redis_prefix: str, tmp_path: Path) -> Iterator[ServerFactory]:
    """`fleet()` starts one more instance on the shared database and Redis; keyword
    arguments override its environment (`MC_DATABASE_URL=…`, `MC_REDIS_URL=…`)."""
    started: list[ServerProcess] = []

    def start(*, launch: bool = True, **env: str) -> ServerProcess:
        values = {
            "MC_REDIS_URL": REDIS_URL,
            "MC_REDIS_PREFIX": redis_prefix,
            "API_KEY": TEST_API_KEY,
            "AUTH_USER": ADMIN,
            "AUTH_PASS": PASSWORD,
            "MC_DISABLE_RATE_LIMIT": "1",
            "MC_SECRET_KEY": SECRET_KEY,
        }
        values.update(env)
        server = ServerProcess(
            database_url=values.pop("MC_DATABASE_URL", migrated_db.url),
            data_dir=tmp_path / f"instance{len(started)}",
            env=values,
            startup_timeout=60.0,
        )
        started.append(server)
        return server.start() if launch else server

    yield start
    for server in started:
        server.stop()


class RedisServer:
    """A private `redis-server` on a free port that a test may stop and start again."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        self._process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


class TcpProxy:
    """A loopback TCP forwarder to PostgreSQL that a test can cut and restore.

    `cut()` closes every forwarded connection and stops listening, as a database host
    that went away would look to the client (connections refused); `freeze()` keeps every
    connection open but forwards nothing, as a server that stopped answering would look;
    `restore()` drops the frozen connections and forwards again on the same port.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.frozen = False

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._thread.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                if not self.frozen:
                    dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            with self._lock:
                self._sockets.discard(src)
                self._sockets.discard(dst)

    def cut(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def freeze(self) -> None:
        self.frozen = True

    def restore(self) -> None:
        if self.frozen:
            with self._lock:
                sockets = list(self._sockets)
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self.frozen = False
        if self._listener is None:
            self.start()


@pytest.fixture
def pg_proxy(migrated_db: FreshDatabase) -> Iterator[TcpProxy]:
    url = sa.make_url(migrated_db.url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    yield proxy
    proxy.cut()
