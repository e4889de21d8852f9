"""Browser fixtures: one real server per test session, one headless Chromium, a fresh browser
context per test, and people of each role made through the real API.

Needs Debian's /usr/bin/chromium and the `playwright` package (its own browser download is
not used); without them the browser tests are skipped with the reason.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

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
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        Locator,
        Page,
        expect,
        sync_playwright,
    )

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
    members: dict[str, str] = field(init=False, default_factory=dict)
    seeded_at: float = field(init=False, default=0.0)

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

    def member(self, role: str) -> str:
        """One user of `role` shared by the tests that only sign in as it (creating users
        counts against the admin's limit of 20 changes a minute)."""
        if role not in self.members:
            self.members[role] = self.user(role, prefix=f"shared-{role}")
        return self.members[role]

    def user_id(self, username: str) -> int:
        users = self.api("GET", "/api/auth/users")["users"]
        return int(next(u["id"] for u in users if u["username"] == username))

    def task(self, title: str, **fields: Any) -> dict[str, Any]:
        task: dict[str, Any] = self.api("POST", "/api/tasks", json={"title": title, **fields})[
            "task"
        ]
        return task


class BackgroundServer:
    """A server of its own started in a thread alongside the main one, so the slow part,
    starting a process on a busy machine, overlaps."""

    def __init__(self, db_kind: str, folder: Path, **env: str) -> None:
        # Migrations run here, in this thread: Alembic's context is not thread-safe.
        self.database = Database(db_kind, folder / "data")
        self.server = ServerProcess(
            database_url=self.database.url,
            data_dir=folder / "data",
            env={"MC_DISABLE_RATE_LIMIT": "1", **env},
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
        assert not self._thread.is_alive(), "the background server did not start in time"
        return self.server

    def stop(self) -> None:
        self._thread.join(timeout=STARTUP_TIMEOUT + 10)
        self.server.stop()
        self.database.drop()


@pytest.fixture(scope="session")
def empty_server_starter(
    db_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BackgroundServer]:
    """A server on an empty database (first-run setup)."""
    if _skip_reason():
        pytest.skip(_skip_reason() or "")
    starter = BackgroundServer(db_kind, tmp_path_factory.mktemp("web-empty"))
    yield starter
    starter.stop()


@pytest.fixture
def empty_server(empty_server_starter: BackgroundServer) -> ServerProcess:
    return empty_server_starter.get()


@pytest.fixture(scope="session")
def site(
    db_kind: str,
    tmp_path_factory: pytest.TempPathFactory,
    empty_server_starter: BackgroundServer,
    showcase_starter: BackgroundServer,
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
# lives, which the anyio tests that run after the browser modules could not share. So each
# browser module (a handful) starts its own Chromium, a second or so each.
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


# Reports every Content-Security-Policy violation a document sees to the test, whether or not
# the browser also logs it: added to each context before any page script runs.
CSP_LISTENER = """
window.addEventListener("securitypolicyviolation", function (e) {
  window.__mcCspViolation([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber].join(" "));
}, true);
"""


@dataclass
class Console:
    """Everything the pages of one browser context said on the console, uncaught errors, and
    the CSP violations its documents reported."""

    messages: list[tuple[str, str, str]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", lambda m: self.messages.append((m.type, m.text, page.url)))
        page.on("pageerror", lambda e: self.messages.append(("pageerror", str(e), page.url)))

    def listen_for_csp(self, context: BrowserContext) -> None:
        context.expose_function("__mcCspViolation", lambda text: self.violations.append(text))
        context.add_init_script(CSP_LISTENER)

    def errors(self, *, allow: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
        return [
            m
            for m in self.messages
            if m[0] in ("error", "pageerror") and not any(re.search(a, m[1]) for a in allow)
        ]

    def csp_violations(self) -> list[str]:
        logged = [m[1] for m in self.messages if "Content Security Policy" in m[1]]
        return logged + self.violations


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

    def make(
        width: int = 1280,
        height: int = 900,
        base_url: str | None = None,
        color_scheme: Literal["light", "dark"] = "light",
        **options: Any,
    ) -> Visitor:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            base_url=base_url or site.url,
            color_scheme=color_scheme,
            **options,
        )
        context.set_default_timeout(10_000)
        visitor = Visitor(context, Console(), base_url or site.url)
        visitor.console.listen_for_csp(context)
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


# ---------------------------------------------------------------- page helpers


def column(page: Page, status: str) -> Locator:
    return page.locator(f'.column[data-status="{status}"]')


def card(page: Page, title: str) -> Locator:
    return page.locator(".task-card", has_text=title)


def tag() -> str:
    """A short unique suffix: tests share one server."""
    return uuid.uuid4().hex[:4]


def settle(page: Page) -> None:
    """Wait until the page's own API calls are done (live event streams stay open)."""
    page.wait_for_function("() => window.MC && window.MC.pending === 0")
    page.wait_for_timeout(50)


# ---------------------------------------------------------------- README screenshots


def write_screenshots() -> bool:
    """The README's screenshots are rewritten only when asked: MC_WRITE_SCREENSHOTS=1."""
    return os.environ.get("MC_WRITE_SCREENSHOTS", "") == "1"


def screenshot(page: Page, name: str) -> bytes:
    """Take the viewport's picture; keep it in docs/screenshots only when asked to."""
    png = page.screenshot(full_page=False)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000, (name, len(png))
    if write_screenshots():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"{name}.png").write_bytes(png)
    return png


@pytest.fixture(scope="session")
def showcase_starter(
    db_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BackgroundServer]:
    """A server of its own for the README screenshots: nothing but the data seeded for them."""
    if _skip_reason():
        pytest.skip(_skip_reason() or "")
    starter = BackgroundServer(
        db_kind,
        tmp_path_factory.mktemp("web-showcase"),
        AUTH_USER=ADMIN_USER,
        AUTH_PASS=ADMIN_PASS,
    )
    yield starter
    starter.stop()


@pytest.fixture(scope="session")
def showcase(showcase_starter: BackgroundServer) -> Iterator[Site]:
    """The screenshot server, seeded once with a small, fixed, realistic workspace."""
    running = Site(showcase_starter.get(), showcase_starter.database)
    try:
        seed_showcase(running)
        running.seeded_at = time.time()
        yield running
    finally:
        running.admin.close()


def seed_showcase(site: Site) -> None:
    """Always the same people, agents, tasks and usage, in the same order (so the same ids
    and ticket refs): the screenshots differ only when the interface does."""
    for username, role, display in (
        ("dana", "operator", "Dana Whitfield"),
        ("lee", "viewer", "Lee Okafor"),
    ):
        site.api(
            "POST",
            "/api/auth/users",
            json={
                "username": username,
                "password": PASSWORD,
                "role": role,
                "display_name": display,
            },
        )
    for name, role, status in (
        ("claude-coder", "coder", "busy"),
        ("review-bot", "reviewer", "idle"),
        ("docs-writer", "writer", "idle"),
        ("ops-runner", "devops", "offline"),
    ):
        site.api("POST", "/api/agents", json={"name": name, "role": role, "status": status})
    tasks = {}
    for title, status, priority, who in (
        ("Nightly backup verification", "done", "medium", "ops-runner"),
        ("Write the retention runbook", "inbox", "medium", None),
        ("Add rate-limit headers to the API docs", "inbox", "low", None),
        ("Rotate staging credentials", "assigned", "critical", "ops-runner"),
        ("Fix the login redirect loop", "in_progress", "high", "claude-coder"),
        ("Document the webhook signature", "in_progress", "medium", "docs-writer"),
        ("Review the session idle timeout", "review", "high", "review-bot"),
        ("Flaky queue test on PostgreSQL", "failed", "high", "claude-coder"),
    ):
        tasks[title] = site.task(title, status=status, priority=priority, assigned_to=who)
    site.api(
        "POST",
        f"/api/tasks/{tasks['Fix the login redirect loop']['id']}/comments",
        json={"content": "The loop starts when the next parameter points back at /login."},
    )
    for agent, model, tokens_in, tokens_out in (
        ("claude-coder", "claude-sonnet-4", 182_000, 41_000),
        ("review-bot", "claude-sonnet-4", 64_000, 9_500),
        ("docs-writer", "claude-haiku-4", 120_000, 30_000),
    ):
        site.api(
            "POST",
            "/api/tokens",
            json={
                "model": model,
                "sessionId": f"{agent}:cli",
                "inputTokens": tokens_in,
                "outputTokens": tokens_out,
            },
        )
