"""Browser fixtures: one real server per test session, one headless Chromium, a fresh browser
context per test, and people of each role made through the real API.

Needs Debian's /usr/bin/chromium and the `playwright` package (its own browser download is
not used); without them the browser tests are skipped with the reason.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from mission_control.db.migrate import upgrade
from tests.conftest import PostgresTestDatabase
from tests.server import ServerProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN_USER = "admin"
ADMIN_PASS = "web-suite-admin-password"
PASSWORD = "correct-horse-battery-staple"
# Generous: on a loaded 2-core machine two servers starting at once can take a while.
STARTUP_TIMEOUT = 120.0
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

try:
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

    # A busy 2-core machine can be slow to answer; assertions still wait for the state.
    expect.set_options(timeout=10_000)
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None  # type: ignore[assignment]


def _skip_reason() -> str | None:
    if sync_playwright is None:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return "/usr/bin/chromium is absent (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = _skip_reason()
    for item in items:
        if item.get_closest_marker("browser") and reason:
            item.add_marker(pytest.mark.skip(reason=reason))


class Database:
    """A database of its own for a server: a fresh SQLite file, or a new PostgreSQL database."""

    def __init__(self, db_kind: str, folder: Path) -> None:
        self._pg: PostgresTestDatabase | None = None
        if db_kind == "postgres":
            self._pg = PostgresTestDatabase()
            self.url = self._pg.url
        else:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.url = f"sqlite:///{folder / 'mission-control.db'}"
            upgrade(self.url)

    def drop(self) -> None:
        if self._pg is not None:
            self._pg.drop()


def start_server(db_kind: str, folder: Path, **env: str) -> tuple[ServerProcess, Database]:
    database = Database(db_kind, folder / "data")
    server = ServerProcess(
        database_url=database.url,
        data_dir=folder / "data",
        env={"MC_DISABLE_RATE_LIMIT": "1", **env},
        startup_timeout=STARTUP_TIMEOUT,
    )
    try:
        server.start()
    except Exception:
        database.drop()
        raise
    return server, database


@dataclass
class Site:
    """The running server plus an admin's HTTP session for arranging test data."""

    server: ServerProcess
    database: Database
    admin: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.admin = httpx.Client(base_url=self.server.base_url, timeout=30.0)
        response = self.admin.post(
            "/api/auth/login", json={"username": ADMIN_USER, "password": ADMIN_PASS}
        )
        assert response.status_code == 200, response.text

    @property
    def url(self) -> str:
        return self.server.base_url

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.admin.request(method, path, **kwargs)
        for _ in range(3):
            # Arranging data runs into the admin's identity limit (20 changes a minute)
            # like a busy real admin would: wait as told, then go on.
            if response.status_code != 429:
                break
            time.sleep(float(response.json().get("retry_after", 1)))
            response = self.admin.request(method, path, **kwargs)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json()

    def user(self, role: str, prefix: str = "") -> str:
        """A new user with `role` (password PASSWORD); returns the username."""
        name = f"{prefix or role}-{uuid.uuid4().hex[:6]}"
        self.api(
            "POST",
            "/api/auth/users",
            json={"username": name, "password": PASSWORD, "role": role, "display_name": name},
        )
        return name

    def task(self, title: str, **fields: Any) -> dict[str, Any]:
        task: dict[str, Any] = self.api("POST", "/api/tasks", json={"title": title, **fields})[
            "task"
        ]
        return task


class EmptyServer:
    """A server on an empty database (first-run setup), started in a thread alongside the
    main one so the slow part, starting a process on a busy machine, overlaps."""

    def __init__(self, db_kind: str, folder: Path) -> None:
        # Migrations run here, in this thread: Alembic's context is not thread-safe.
        self.database = Database(db_kind, folder / "data")
        self.server = ServerProcess(
            database_url=self.database.url,
            data_dir=folder / "data",
            env={"MC_DISABLE_RATE_LIMIT": "1"},
            startup_timeout=STARTUP_TIMEOUT,
        )
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.server.start()
        except BaseException as exc:  # handed to the test that needs it
            self.error = exc

    def get(self) -> ServerProcess:
        self._thread.join(timeout=STARTUP_TIMEOUT + 10)
        if self.error is not None:
            raise self.error
        assert not self._thread.is_alive(), "the empty server did not start in time"
        return self.server

    def stop(self) -> None:
        self._thread.join(timeout=STARTUP_TIMEOUT + 10)
        self.server.stop()
        self.database.drop()


@pytest.fixture(scope="session")
def empty_server_starter(
    db_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EmptyServer]:
    if _skip_reason():
        pytest.skip(_skip_reason() or "")
    starter = EmptyServer(db_kind, tmp_path_factory.mktemp("web-empty"))
    yield starter
    starter.stop()


@pytest.fixture
def empty_server(empty_server_starter: EmptyServer) -> ServerProcess:
    return empty_server_starter.get()


@pytest.fixture(scope="session")
def site(
    db_kind: str, tmp_path_factory: pytest.TempPathFactory, empty_server_starter: EmptyServer
) -> Iterator[Site]:
    server, database = start_server(
        db_kind,
        tmp_path_factory.mktemp("web-site"),
        AUTH_USER=ADMIN_USER,
        AUTH_PASS=ADMIN_PASS,
        MC_TRUSTED_PROXIES="127.0.0.1",
    )
    try:
        running = Site(server, database)
        yield running
        running.admin.close()
    finally:
        server.stop()
        database.drop()


# Module scope, not session: the sync API keeps an event loop running in this thread while it
# lives, which the anyio tests that run after the browser module could not share. All browser
# tests live in one module, so this is still one browser per run.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if _skip_reason():
        pytest.skip(_skip_reason() or "")
    assert sync_playwright is not None
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Console:
    """Everything the pages of one browser context said on the console, plus uncaught errors."""

    messages: list[tuple[str, str, str]] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", lambda m: self.messages.append((m.type, m.text, page.url)))
        page.on("pageerror", lambda e: self.messages.append(("pageerror", str(e), page.url)))

    def errors(self, *, allow: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
        return [
            m
            for m in self.messages
            if m[0] in ("error", "pageerror") and not any(re.search(a, m[1]) for a in allow)
        ]

    def csp_violations(self) -> list[tuple[str, str, str]]:
        return [m for m in self.messages if "Content Security Policy" in m[1]]


@dataclass
class Visitor:
    context: BrowserContext
    console: Console
    base_url: str

    def page(self) -> Page:
        page = self.context.new_page()
        self.console.attach(page)
        return page

    def login(self, username: str, password: str = PASSWORD) -> None:
        """Sign in through the API into this context's cookie jar (the form has its own test)."""
        response = self.context.request.post(
            self.base_url + "/api/auth/login", data={"username": username, "password": password}
        )
        assert response.status == 200, response.text()


@pytest.fixture
def visitor_factory(browser: Browser, site: Site) -> Iterator[Callable[..., Visitor]]:
    made: list[Visitor] = []

    def make(width: int = 1280, height: int = 900, base_url: str | None = None) -> Visitor:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            base_url=base_url or site.url,
            color_scheme="light",
        )
        context.set_default_timeout(10_000)
        visitor = Visitor(context, Console(), base_url or site.url)
        made.append(visitor)
        return visitor

    yield make
    for visitor in made:
        visitor.context.close()
    # Whatever a test did, no page may break the CSP or throw.
    for visitor in made:
        assert visitor.console.csp_violations() == []
        assert [m for m in visitor.console.messages if m[0] == "pageerror"] == []


@pytest.fixture
def visitor(visitor_factory: Callable[..., Visitor]) -> Visitor:
    return visitor_factory()


def shots_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
