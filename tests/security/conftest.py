"""Fixtures of the security suite: real server processes and raw database access."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.server import ServerProcess

ServerFactory = Callable[..., ServerProcess]


@pytest.fixture
def server_factory(database_url: str, tmp_path: Path) -> Iterator[ServerFactory]:
    """`server_factory(MC_ENV="production", ...)` starts a real server on this test's database."""
    started: list[ServerProcess] = []

    def start(**env: str) -> ServerProcess:
        server = ServerProcess(
            database_url=database_url,
            data_dir=tmp_path / f"server{len(started)}",
            env={k: str(v) for k, v in env.items()},
        )
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def db_engine(database_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def session_cookie(set_cookie_headers: list[str]) -> tuple[str, str]:
    """(name, value) of the session cookie among raw `Set-Cookie` headers."""
    for header in set_cookie_headers:
        name, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        if name in ("mc-session", "__Host-mc-session") and value:
            return name, value
    raise AssertionError(f"no session cookie in {set_cookie_headers!r}")


def login_body(username: str, password: str = PASSWORD) -> dict[str, Any]:
    return {"username": username, "password": password}
