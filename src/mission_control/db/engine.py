"""Engines and the two ways into the database: `read` and `write`.

SQLite: reads run on the event loop (WAL readers never wait on writers and a
50-row read takes well under a millisecond), heavy reads and every write go to
threads; writes share one thread per process and start with `BEGIN IMMEDIATE`
so a read-then-write never deadlocks and the loop never waits on the file lock.
PostgreSQL: every call runs in a worker thread on a pooled connection. Reads have a pool
of their own in autocommit mode (no BEGIN and COMMIT round trips around a SELECT; at READ
COMMITTED each statement takes its own snapshot either way) with read-only sessions, and at
most as many reads run at once as that pool holds, so a burst waits for a connection instead
of opening and closing extra ones; heavy reads stay on the general pool. A pooled
connection is pinged only when it sat idle or a call failed since it came back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from mission_control.errors import ServiceUnavailable

T = TypeVar("T")
log = logging.getLogger("mission_control.db")

# Upper bounds of one call on PostgreSQL (the server's statement_timeout is 15 s).
CALL_TIMEOUT_S = 20.0
HEAVY_TIMEOUT_S = 60.0
# PostgreSQL pools: reads (autocommit, read-only) and writes, per process.
READ_POOL_SIZE = 8
WRITE_POOL_SIZE = 10
# A pooled PostgreSQL connection back from use within this long is handed out again without
# a ping; one that sat idle longer (a restart or failover may have cut it) is pinged first.
PING_AFTER_IDLE_S = 2.0

AfterCommit = Callable[[], None]


def _json_serializer(value: Any) -> str:
    return orjson.dumps(value).decode()


def is_sqlite_url(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix) :] not in ("", ":memory:"):
        return Path(url[len(prefix) :])
    return None


def prepare_sqlite_file(path: Path) -> None:
    """Create the data folder 0700 and the database file 0600 before SQLite opens it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, stat.S_IRWXU)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)


# The task list has SQLite write its JSON (tasks/json_rows.py).
_JSON_PROBE = "SELECT json_object('a', printf('%!.15g', 0.5))"


def require_sqlite_json() -> None:
    """Refuse, with a message that says what to do, a SQLite library without JSON functions
    (built in from SQLite 3.38; most older distribution builds include them too)."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute(_JSON_PROBE).fetchall()
    except sqlite3.Error as exc:
        raise RuntimeError(
            f"The SQLite library Python uses ({sqlite3.sqlite_version}) lacks JSON functions "
            f"({exc}); Mission Control needs SQLite 3.38 or newer, or a build with JSON1."
        ) from None
    finally:
        probe.close()


def _sqlite_engine(url: str, *, immediate: bool, pool_size: int) -> Engine:
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 10},
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_pre_ping=False,
        json_serializer=_json_serializer,
        json_deserializer=orjson.loads,
    )
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Straight to the driver: the statement needs none of SQLAlchemy's execution path,
        # and this runs once per transaction on the hottest path of the app.
        conn.connection.driver_connection.execute(begin)  # type: ignore[union-attr]

    return engine


def _postgres_engine(url: str, failure: _LastFailure, *, reads: bool = False) -> Engine:
    options = "-c statement_timeout=15000 -c lock_timeout=10000"
    extra: dict[str, Any] = {}
    if reads:
        # A stray write in a read fails instead of committing statement by statement.
        options += " -c default_transaction_read_only=on"
        extra["isolation_level"] = "AUTOCOMMIT"
    engine = sa.create_engine(
        url,
        pool_size=READ_POOL_SIZE if reads else WRITE_POOL_SIZE,
        max_overflow=0 if reads else WRITE_POOL_SIZE,
        pool_pre_ping=False,  # see _ping_when_idle
        pool_timeout=10,
        connect_args={
            "connect_timeout": 5,
            "options": options,
            # A server that vanishes mid-query (no FIN, no RST) is noticed within seconds,
            # not after the kernel's two hours of keepalive.
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": 15000,
        },
        json_serializer=_json_serializer,
        json_deserializer=orjson.loads,
        **extra,
    )
    _ping_when_idle(engine, failure)
    return engine


class _LastFailure:
    """When a database call last failed with a connection error, shared by the read and the
    write pool of one server."""

    def __init__(self) -> None:
        self.at = 0.0


def _ping_when_idle(engine: Engine, failure: _LastFailure) -> None:
    """`pool_pre_ping` for connections that may be stale: one that sat idle (a restart or
    failover may have cut it) or that was back in the pool when a call failed with a
    connection error. A busy pool of good connections pays no round trip per checkout."""

    @event.listens_for(engine, "handle_error")
    def _failed(context: Any) -> None:
        if context.is_disconnect or isinstance(context.sqlalchemy_exception, OperationalError):
            failure.at = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None:  # a new connection
            return
        if since > failure.at and time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            # The pool discards this connection and checks out a new one.
            raise DisconnectionError("pooled connection is gone") from exc


class Database:
    """The app's handle on its database; services receive the `Connection` it opens."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = is_sqlite_url(url)
        self._after_commit: list[AfterCommit] = []
        if self.is_sqlite:
            require_sqlite_json()
            path = sqlite_path(url)
            if path is not None:
                prepare_sqlite_file(path)
            self.engine = _sqlite_engine(url, immediate=True, pool_size=2)
            self.read_engine = _sqlite_engine(url, immediate=False, pool_size=4)
            self._writer: ThreadPoolExecutor | None = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="mc-db-writer"
            )
            # One long-lived read connection per thread that reads inline (the event loop):
            # no pool checkout, reset and checkin around every short read.
            self._held = threading.local()
            self._held_all: list[Connection] = []
            self._held_lock = threading.Lock()
        else:
            failure = _LastFailure()
            self.engine = _postgres_engine(url, failure)
            self.read_engine = _postgres_engine(url, failure, reads=True)
            self._writer = None
            # No more reads in threads than the read pool has connections.
            self._read_limiter = anyio.CapacityLimiter(READ_POOL_SIZE)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def on_commit(self, callback: AfterCommit) -> None:
        """Run `callback` after every committed write that published events."""
        self._after_commit.append(callback)

    # -- synchronous entry points (CLI, jobs already in a thread, migrations) --
    def write_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with _outage_as_unavailable(), self.engine.begin() as conn:
            result = fn(conn, *args, **kwargs)
            published = bool(conn.info.pop("events_published", False))
        if published:
            for callback in self._after_commit:
                callback()
        return result

    def read_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return _read_on(self.read_engine, fn, *args, **kwargs)

    def _held_connection(self) -> Connection:
        conn: Connection | None = getattr(self._held, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self.read_engine.connect()
            self._held.conn = conn
            with self._held_lock:
                self._held_all.append(conn)
        return conn

    def read_inline(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """SQLite: a short read on this thread's held connection, in its own transaction."""
        conn = self._held_connection()
        with _outage_as_unavailable(), conn.begin():
            return fn(conn, *args, **kwargs)

    # -- async entry points (routes, middleware) --
    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A short read: inline on SQLite, in a thread on PostgreSQL."""
        if self.is_sqlite:
            return self.read_inline(fn, *args, **kwargs)
        return await self._bounded(
            lambda: self.read_sync(fn, *args, **kwargs), CALL_TIMEOUT_S, self._read_limiter
        )

    async def read_heavy(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A read that may scan many rows (search, export): always in a thread."""
        if self.is_sqlite:
            return await anyio.to_thread.run_sync(lambda: self.read_sync(fn, *args, **kwargs))
        # On the general pool, as before reads had their own: a few long scans never hold
        # every connection that the short reads wait for.
        return await self._bounded(
            lambda: _read_on(self.engine, fn, *args, **kwargs), HEAVY_TIMEOUT_S
        )

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One transaction around `fn`, committed before this returns."""
        if self._writer is not None:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._writer, lambda: self.write_sync(fn, *args, **kwargs)
            )
        return await self._bounded(lambda: self.write_sync(fn, *args, **kwargs), CALL_TIMEOUT_S)

    async def _bounded(
        self, call: Callable[[], T], limit_s: float, limiter: anyio.CapacityLimiter | None = None
    ) -> T:
        """PostgreSQL: answer 503 when a call outlives `limit_s` (waiting for a thread
        included), even if the server stopped answering without closing the connection (the
        driver has no client-side timeout, so the thread is left to finish on its own; its
        outcome was never acknowledged)."""
        try:
            with anyio.fail_after(limit_s):
                return await anyio.to_thread.run_sync(call, abandon_on_cancel=True, limiter=limiter)
        except TimeoutError:
            log.warning("database call exceeded %.0f s", limit_s)
            raise ServiceUnavailable("Database unavailable") from None

    def dispose(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            with self._held_lock:
                held, self._held_all = self._held_all, []
            for conn in held:
                conn.close()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


# What a database that is down, restarting or out of reach raises: the driver's
# connection errors, a connection that died in use, or no pooled connection in time.
_UNREACHABLE = (OperationalError, InterfaceError, DBAPIError, PoolTimeoutError)


def _is_unreachable(exc: Exception) -> bool:
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


@contextlib.contextmanager
def _outage_as_unavailable() -> Iterator[None]:
    """A database that is down or out of reach answers 503; any other error passes."""
    try:
        yield
    except _UNREACHABLE as exc:
        if not _is_unreachable(exc):
            raise
        raise _unavailable(exc) from exc


def _read_on(engine: Engine, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with _outage_as_unavailable(), engine.begin() as conn:
        return fn(conn, *args, **kwargs)


# PostgreSQL gave up the transaction for another (serialization failure, deadlock): the
# database is up, the request may simply be sent again.
_CONFLICT_STATES = frozenset({"40001", "40P01"})


def _unavailable(exc: Exception) -> ServiceUnavailable:
    # The driver's message may carry SQL or parameters; it goes to the log, not the client.
    if getattr(getattr(exc, "orig", None), "sqlstate", None) in _CONFLICT_STATES:
        log.warning("transaction conflicted with another: %s", exc.__class__.__name__)
        return ServiceUnavailable("Database busy: the request conflicted with another; retry it")
    log.warning("database unavailable: %s", exc.__class__.__name__)
    return ServiceUnavailable("Database unavailable")
