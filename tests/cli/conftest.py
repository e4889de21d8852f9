"""Fixtures for `mc` tests: the CLI run in-process against this test's real database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from sqlalchemy.engine import Connection, Engine
from typer.testing import CliRunner

from mission_control.cli import app

# Variables a developer's shell might carry that would change what the CLI sees.
CLEARED = (
    "API_KEY",
    "API_KEY_FILE",
    "AUTH_USER",
    "AUTH_PASS",
    "AUTH_PASS_FILE",
    "AUTH_PASS_B64",
    "MC_ENV",
    "NODE_ENV",
    "MC_ALLOWED_HOSTS",
    "MC_TRUSTED_PROXIES",
    "MC_DISABLE_RATE_LIMIT",
    "MC_LOG_LEVEL",
    "MC_REDIS_URL",
)


@pytest.fixture
def cli_environ(database_url: str, tmp_path: Path) -> dict[str, str | None]:
    env: dict[str, str | None] = dict.fromkeys(CLEARED)
    env.update(
        {
            "MISSION_CONTROL_DATA_DIR": str(tmp_path / "data"),
            "MC_DATABASE_URL": database_url,
            "MC_ARGON2_MEMORY_KIB": "8192",
            "MC_ARGON2_TIME_COST": "1",
            "COLUMNS": "200",
        }
    )
    return env


@pytest.fixture
def mc(
    cli_environ: dict[str, str | None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """`mc(*args, input=..., **env)` runs the real `mc` app; cwd is the test's temp folder."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    runner = CliRunner()

    def run(*args: str, input: str | None = None, **env: str | None) -> Result:
        return runner.invoke(app, list(args), input=input, env={**cli_environ, **env})

    return run


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    yield eng
    eng.dispose()


@pytest.fixture
def query(engine: Engine) -> Callable[..., list[dict[str, Any]]]:
    def run(statement: Any) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(statement).mappings()]

    return run


@pytest.fixture
def write(engine: Engine) -> Callable[[Callable[[Connection], Any]], Any]:
    def run(fn: Callable[[Connection], Any]) -> Any:
        with engine.begin() as conn:
            return fn(conn)

    return run
