"""The /login, /setup and placeholder / pages: redirects, no inline code, and their flows."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import PASSWORD, AppHarness

pytestmark = pytest.mark.anyio


class _Inline(HTMLParser):
    """Collects what a nonce CSP without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if "style" in names:
            self.problems.append(f"style attribute on <{tag}>")
        if any(name.startswith("on") for name in names):
            self.problems.append(f"event handler attribute on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self.scripts.append(names)
            self._in_script = True
        for name in ("href", "src", "action"):
            if names.get(name) is not None and tag in ("script", "link", "img", "iframe"):
                self.urls.append(names[name] or "")
            if (names.get(name) or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("inline script body")


def _check_page(response: httpx.Response) -> None:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    parser = _Inline()
    parser.feed(response.text)
    assert parser.problems == []
    assert parser.scripts, "the page loads its script from /static"
    for script in parser.scripts:
        assert (script.get("src") or "").startswith("/static/")


async def test_api_docs_page_loads_only_same_origin_files_under_the_csp(
    harness: AppHarness,
) -> None:
    page = await harness.client.get("/docs")
    _check_page(page)
    assert "script-src 'self' 'nonce-" in page.headers["content-security-policy"]
    parser = _Inline()
    parser.feed(page.text)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in parser.urls
    assert "/static/vendor/swagger-ui/swagger-ui.css" in parser.urls
    for url in parser.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert (await harness.client.get(url)).status_code == 200, url
    assert 'data-openapi-url="/api/docs"' in page.text


async def test_setup_page_while_empty_then_redirects_to_login(harness: AppHarness) -> None:
    page = await harness.client.get("/setup")
    _check_page(page)
    assert 'id="setup-form"' in page.text and 'data-endpoint="/api/setup"' in page.text
    assert (await harness.client.get("/login")).headers["location"] == "/setup"
    await harness.create_user("first")
    moved = await harness.client.get("/setup")
    assert moved.status_code == 303 and moved.headers["location"] == "/login"


async def test_login_page(harness: AppHarness) -> None:
    await harness.create_user("first")
    page = await harness.client.get("/login")
    _check_page(page)
    assert 'data-endpoint="/api/auth/login"' in page.text


@pytest.mark.parametrize("path", ["/", "/tasks", "/agents/12", "/settings?tab=keys"])
async def test_pages_redirect_to_login_when_signed_out(harness: AppHarness, path: str) -> None:
    response = await harness.client.get(path)
    assert response.status_code == 303
    # Back to the page asked for after signing in (a local path only; see tests/web).
    expected = "/login" if path == "/" else "/login?next=" + quote(path, safe="/")
    assert response.headers["location"] == expected
    assert response.headers["x-frame-options"] == "DENY"


async def test_an_api_key_is_not_a_page_session(harness: AppHarness) -> None:
    response = await harness.key_client().get("/")
    assert response.status_code == 303 and response.headers["location"] == "/login"


async def test_overview_shows_the_user_and_logout_ends_the_session(harness: AppHarness) -> None:
    await harness.create_user("pilot", "viewer", display_name="Pilot <b>One</b>")
    client = harness.new_client()
    login = await client.post(
        "/api/auth/login",
        json={"username": "pilot", "password": PASSWORD},
        headers={"origin": "http://testserver"},  # what the page's fetch sends
    )
    assert login.status_code == 200
    home = await client.get("/")
    _check_page(home)
    assert "<strong>Pilot &lt;b&gt;One&lt;/b&gt;</strong>" in home.text
    assert 'id="logout"' in home.text
    assert (await client.get("/login")).headers["location"] == "/"
    missing = await client.get("/no-such-page")
    assert missing.status_code == 404 and "Page not found" in missing.text
    out = await client.post("/api/auth/logout", json={}, headers={"origin": "http://testserver"})
    assert out.status_code == 200
    assert (await client.get("/")).headers["location"] == "/login"


async def test_setup_flow_as_the_page_posts_it(harness: AppHarness) -> None:
    client = harness.new_client()
    created = await client.post(
        "/api/setup",
        json={"username": "Owner", "password": PASSWORD, "display_name": "The Owner"},
        headers={"origin": "http://testserver", "sec-fetch-site": "same-origin"},
    )
    assert created.status_code == 201
    assert "<strong>The Owner</strong>" in (await client.get("/")).text


async def test_static_assets_are_served_with_headers(harness: AppHarness) -> None:
    script = await harness.client.get("/static/js/auth.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert script.headers["x-content-type-options"] == "nosniff"
    # The script handles the messages the login page promises.
    for needle in ("retry_after", "Retry-After", "Invalid username or password", "/api/setup"):
        assert needle in script.text or needle in (await harness.client.get("/setup")).text
    css = await harness.client.get("/static/css/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert (await harness.client.get("/static/js/missing.js")).status_code == 404
    assert not re.search(r"\beval\(|new Function\(", script.text)


@pytest.mark.parametrize(
    "raw_next",
    [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d/evil.example",
        "/%0D%0A/evil.example",
        "/%20/evil.example",
        "/%5Cevil.example",
        "/x%5C..%5Cevil.example",
        "//evil.example",
        "/%5C/evil.example",
        "https://evil.example/",
        "evil.example",
    ],
)
async def test_login_next_is_only_a_local_path(harness: AppHarness, raw_next: str) -> None:
    await harness.create_user("someone", "viewer")
    page = await harness.client.get("/login?next=" + raw_next)
    assert page.status_code == 200
    assert 'data-next="/"' in page.text
    # A signed-in visit redirects at once, and just as safely.
    signed_in = await harness.login_client("signed-in", "viewer")
    response = await signed_in.get("/login?next=" + raw_next)
    assert response.status_code == 303 and response.headers["location"] == "/"


async def test_login_next_keeps_a_local_path_with_its_query(harness: AppHarness) -> None:
    await harness.create_user("someone", "viewer")
    page = await harness.client.get("/login", params={"next": "/tasks?x=1"})
    assert 'data-next="/tasks?x=1"' in page.text
    signed_in = await harness.login_client("signed-in", "viewer")
    response = await signed_in.get("/login", params={"next": "/tasks?x=1"})
    assert response.headers["location"] == "/tasks?x=1"
