"""Page routes over ASGI: who gets which page, redirects, and no inline script or style."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from mission_control.web.pages import PAGES
from mission_control.web.routes import ago
from tests.conftest import AppHarness

pytestmark = pytest.mark.anyio

ADMIN_PAGES = [p.path for p in PAGES if p.min_role == "admin" and not p.needs]
SIGNED_IN_PAGES = [p.path for p in PAGES]


class InlineFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style blocks and attributes,
    inline event handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.nonces: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and not named.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> block")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")
            if name == "nonce" and value:
                self.nonces.add(value)


def inline_problems(html: str) -> tuple[list[str], set[str]]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems, finder.nonces


async def test_pages_redirect_to_login_without_a_session(harness: AppHarness) -> None:
    await harness.create_user("someone", "admin")
    for path in SIGNED_IN_PAGES:
        response = await harness.client.get(path)
        assert response.status_code == 303, path
        location = response.headers["location"]
        assert location.startswith("/login"), (path, location)
        if path != "/":
            assert location == f"/login?next={path}"


async def test_an_api_key_does_not_open_pages(harness: AppHarness) -> None:
    client = harness.key_client()
    response = await client.get("/settings")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_login_page_ignores_an_offsite_next(harness: AppHarness) -> None:
    await harness.create_user("someone", "admin")
    client = await harness.login_client("alice", "viewer")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = await client.get("/login", params={"next": target})
        assert response.status_code == 303
        assert response.headers["location"] == "/", target
    response = await client.get("/login", params={"next": "/tasks?status=done"})
    assert response.headers["location"] == "/tasks?status=done"


async def test_viewer_is_refused_admin_pages_and_sees_no_admin_nav(
    harness: AppHarness, viewer: httpx.AsyncClient
) -> None:
    home = await viewer.get("/")
    assert home.status_code == 200
    for path in ADMIN_PAGES:
        assert f'href="{path}"' not in home.text, path
        response = await viewer.get(path)
        assert response.status_code == 403, path
        assert "needs the <strong>admin</strong> role" in response.text


async def test_admin_nav_lists_admin_pages(admin: httpx.AsyncClient) -> None:
    home = await admin.get("/")
    for path in ADMIN_PAGES:
        assert f'href="{path}"' in home.text, path


async def test_task_board_renders_edit_controls_by_role(
    harness: AppHarness, viewer: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    viewer_page = (await viewer.get("/tasks")).text
    operator_page = (await operator.get("/tasks")).text
    assert 'id="new-task"' in operator_page
    assert 'id="new-task"' not in viewer_page
    assert 'id="task-dialog"' not in viewer_page


@pytest.mark.parametrize("page_path", SIGNED_IN_PAGES)
async def test_every_page_has_no_inline_script_or_style(
    admin: httpx.AsyncClient, page_path: str
) -> None:
    path = page_path
    response = await admin.get(path)
    assert response.status_code == 200, path
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy
    problems, nonces = inline_problems(response.text)
    assert problems == [], (path, problems)
    # Every nonce in the page is the one the CSP header allows.
    header_nonces = set(re.findall(r"'nonce-([^']+)'", policy))
    assert nonces and nonces <= header_nonces
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("page_path", ["/login", "/setup"])
async def test_auth_pages_have_no_inline_script_or_style(
    harness: AppHarness, page_path: str
) -> None:
    if page_path == "/login":  # with nobody to sign in as, /login sends you to /setup
        await harness.create_user("someone", "admin")
    response = await harness.client.get(page_path)
    assert response.status_code == 200
    problems, _ = inline_problems(response.text)
    assert problems == []


async def test_overview_partial_needs_a_session(
    harness: AppHarness, viewer: httpx.AsyncClient
) -> None:
    assert (await harness.client.get("/partials/overview")).status_code == 401
    response = await viewer.get("/partials/overview")
    assert response.status_code == 200 and 'id="metric-cards"' in response.text


async def test_unknown_page_is_a_404_page_for_people_signed_in(viewer: httpx.AsyncClient) -> None:
    response = await viewer.get("/no-such-page")
    assert response.status_code == 404 and "Page not found" in response.text


def test_relative_time_words() -> None:
    assert ago(1000, now=1010) == "just now"
    assert ago(1000, now=1000 + 180) == "3 min ago"
    assert ago(1000, now=1000 + 7200) == "2 h ago"
    assert ago(1000, now=1000 + 86400) == "1 day ago"
    assert ago(1000 + 600, now=1000) == "in 10 min"


async def test_pages_whose_api_has_not_landed_say_so(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    harness.app.state.web_api_paths = frozenset()
    for spec in PAGES:
        if spec.needs:
            response = await admin.get(spec.path)
            assert response.status_code == 200
            assert "Not available on this server yet" in response.text
            assert "/static/js/pages/" not in response.text  # no script calling a missing API


async def test_pages_render_their_own_template_once_their_api_is_served(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    extra = {spec.needs for spec in PAGES if spec.needs} | {
        "/api/integrations",
        "/api/auth/2fa",
        "/api/search",
    }
    harness.app.state.web_api_paths = frozenset(extra)
    for spec in PAGES:
        response = await admin.get(spec.path)
        assert response.status_code == 200, spec.path
        assert 'id="search-input"' in response.text
        assert "Not available on this server yet" not in response.text, spec.path
        assert f'src="/static/js/pages/{spec.script}"' in response.text
        problems, _ = inline_problems(response.text)
        assert problems == [], (spec.path, problems)


async def test_every_page_script_exists() -> None:
    from mission_control.web.routes import WEB_DIR

    for spec in PAGES:
        assert spec.script and (WEB_DIR / "static" / "js" / "pages" / spec.script).is_file()


async def test_login_page_offers_google_only_when_configured(
    harness_factory: Callable[..., Any],
) -> None:
    async with harness_factory() as plain:
        await plain.create_user("someone", "admin")
        page = await plain.client.get("/login")
        assert "google-signin" not in page.text
        assert "accounts.google.com" not in page.text
    # Same database: the user made above is there, so /login renders instead of /setup.
    async with harness_factory(google_client_id="1234-abc.apps.googleusercontent.com") as h:
        page = await h.client.get("/login")
        assert 'data-client-id="1234-abc.apps.googleusercontent.com"' in page.text
        nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"])
        assert nonce is not None
        assert (
            f'<script src="https://accounts.google.com/gsi/client" nonce="{nonce.group(1)}"'
            in page.text
        )
        problems, _ = inline_problems(page.text)
        assert problems == []


async def test_the_server_knows_which_apis_it_serves(harness: AppHarness) -> None:
    from mission_control.web.pages import serves

    assert serves(harness.app, "/api/tasks")
    assert serves(harness.app, "/api/auth/login")
    assert not serves(harness.app, "/api/no-such-thing")


async def test_audit_export_is_for_admins_and_is_itself_audited(
    harness: AppHarness, admin: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    anonymous = await harness.client.get("/audit/export")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    refused = await operator.get("/audit/export")
    assert refused.status_code == 403
    assert refused.json() == {"error": "Requires admin role or higher"}
    bad = await admin.get("/audit/export", params={"format": "xml"})
    assert bad.status_code == 400
    export = await admin.get("/audit/export", params={"format": "json", "action": "login"})
    assert export.status_code == 200
    assert export.headers["content-disposition"].startswith('attachment; filename="audit-')
    rows = export.json()
    assert rows and {r["action"] for r in rows} == {"login"}
    trail = (await admin.get("/api/audit", params={"action": "data_export"})).json()
    assert trail["total"] == 1
    detail = trail["events"][0]["detail"]
    assert detail["format"] == "json" and detail["count"] == len(rows)
