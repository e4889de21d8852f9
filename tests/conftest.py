"""Test fixtures: the real app on a fresh real database per test (SQLite or PostgreSQL).

`--db=postgres` (or MC_TEST_DB=postgres) runs the suite on PostgreSQL: each test session
gets its own database (so several suites can run at once) and each test starts from its
freshly migrated state.
"""

from __future__ import annotations

import inspect
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from mission_control.app import create_app
from mission_control.db.migrate import upgrade
from mission_control.settings import Settings

PG_BASE_URL = os.environ.get(
    "MC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEST_API_KEY = "test-global-api-key-0123456789abcdef0123456789"
PASSWORD = "correct-horse-battery-staple"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("MC_TEST_DB", "sqlite"),
        choices=["sqlite", "postgres"],
        help="database the suite runs on",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.Function) and inspect.iscoroutinefunction(item.obj):
            item.add_marker(pytest.mark.anyio)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


def _pg_admin_engine() -> sa.Engine:
    return sa.create_engine(PG_BASE_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _pg_url(name: str) -> str:
    return PG_BASE_URL.rsplit("/", 1)[0] + "/" + name


class PostgresTestDatabase:
    """One database per test session; each test starts from the migrated, seeded state.

    Resetting (TRUNCATE + re-inserting the rows the migrations seeded) takes milliseconds,
    where cloning a template database per test takes seconds on a busy machine.
    """

    def __init__(self) -> None:
        self.name = f"mc_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.url = _pg_url(self.name)
        self.admin = _pg_admin_engine()
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        upgrade(self.url)
        self.engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        self.metadata = sa.MetaData()
        self.metadata.reflect(self.engine)
        self.tables = [t for t in self.metadata.sorted_tables if t.name != "alembic_version"]
        with self.engine.connect() as conn:
            self.seed = {
                t.name: [dict(r) for r in conn.execute(sa.select(t)).mappings()]
                for t in self.tables
            }

    def reset(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": self.name},
            )
        # DELETE, not TRUNCATE: on tables this small it is far cheaper.
        with self.engine.begin() as conn:
            for table in reversed(self.tables):
                conn.execute(sa.delete(table))
            for table in self.tables:
                rows = self.seed[table.name]
                if rows:
                    conn.execute(sa.insert(table), rows)
                if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 1), '
                            f'(SELECT MAX(id) FROM "{table.name}") IS NOT NULL)'
                        )
                    )

    def drop(self) -> None:
        self.engine.dispose()
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def db_template(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """SQLite: a migrated file each test copies. PostgreSQL: the session's database."""
    if db_kind == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        upgrade(f"sqlite:///{path}")
        yield str(path)
        return
    database = PostgresTestDatabase()
    yield database
    database.drop()


@pytest.fixture
def database_url(db_kind: str, db_template: Any, tmp_path: Path) -> str:
    if db_kind == "sqlite":
        data = tmp_path / "data"
        data.mkdir(mode=0o700)
        target = data / "mission-control.db"
        shutil.copyfile(db_template, target)
        os.chmod(target, 0o600)
        return f"sqlite:///{target}"
    db_template.reset()
    return str(db_template.url)


@pytest.fixture
def settings_factory(database_url: str, tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "mc_env": "development",
            "data_dir": tmp_path / "data",
            "database_url": database_url,
            "api_key": TEST_API_KEY,
            "disable_rate_limit": True,
            "argon2_memory_kib": 8192,
            "argon2_time_cost": 1,
            # On the app's own loop, where tests move its clock; the delivery process is
            # tested with real servers (tests/webhooks/test_sender_process.py and others).
            "webhook_sender": "inline",
            "_env_file": None,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory()


class AppHarness:
    """The app under test with helpers to act as different people."""

    def __init__(self, app: Any, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client
        self.rt = app.state.runtime

    def new_client(self, ip: str = "127.0.0.1", **headers: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(ip, 50000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)

    async def create_user(
        self, username: str, role: str = "operator", password: str = PASSWORD, **fields: Any
    ) -> dict[str, Any]:
        from mission_control.security.actor import system_actor
        from mission_control.users.service import create_user

        password_hash = await self.rt.passwords.hash(password)
        return await self.rt.db.write(
            create_user,
            system_actor("tests"),
            username=username,
            password_hash=password_hash,
            role=role,
            **fields,
        )

    async def login_client(
        self, username: str, role: str = "operator", password: str = PASSWORD
    ) -> httpx.AsyncClient:
        """A client holding a real session cookie of a new user with `role`."""
        await self.create_user(username, role, password)
        client = self.new_client()
        response = await client.post(
            "/api/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return client

    def key_client(self, key: str = TEST_API_KEY) -> httpx.AsyncClient:
        return self.new_client(**{"x-api-key": key})


@pytest.fixture
async def harness(settings: Settings) -> AsyncIterator[AppHarness]:
    app = create_app(settings, migrate=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield AppHarness(app, client)


@pytest.fixture
def harness_factory(settings_factory: Callable[..., Settings]) -> Callable[..., Any]:
    """Build an app with other settings: `async with harness_factory(mc_env=...) as h:`."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[AppHarness]:
        app = create_app(settings_factory(**overrides), migrate=False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as client:
                yield AppHarness(app, client)

    return make


@pytest.fixture
async def admin(harness: AppHarness) -> AsyncIterator[httpx.AsyncClient]:
    client = await harness.login_client("root-admin", "admin")
    yield client
    await client.aclose()


@pytest.fixture
async def operator(harness: AppHarness) -> AsyncIterator[httpx.AsyncClient]:
    client = await harness.login_client("ops-person", "operator")
    yield client
    await client.aclose()


@pytest.fixture
async def viewer(harness: AppHarness) -> AsyncIterator[httpx.AsyncClient]:
    client = await harness.login_client("view-person", "viewer")
    yield client
    await client.aclose()
