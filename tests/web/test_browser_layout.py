"""Every page at both widths and in both themes, the theme switch, the phone menu, and the
README's screenshots, in a real headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from mission_control.web.pages import PAGES
from tests.web.conftest import ADMIN_PASS, ADMIN_USER, Site, Visitor, screenshot, settle

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# The README's pictures: page path → file name stem.
SHOTS = {"/": "overview", "/tasks": "tasks", "/audit": "audit"}


def _background_luminance(page: Page) -> float:
    rgb = page.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(v) for v in re.findall(r"\d+", rgb)[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def _overflowing(page: Page) -> list[str]:
    """The text reaching past the right edge (to name the culprit)."""
    found: list[str] = page.evaluate(
        """() => {
            const edge = document.documentElement.clientWidth + 1;
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            const out = [];
            while (walker.nextNode() && out.length < 5) {
                const range = document.createRange();
                range.selectNodeContents(walker.currentNode);
                const right = range.getBoundingClientRect().right;
                const parent = walker.currentNode.parentElement;
                if (right > edge && !parent.closest('.board-wrap')) {
                    out.push(parent.tagName + '#' + parent.id + '.' + parent.className + ' '
                        + Math.round(right) + ' ' + walker.currentNode.textContent.slice(0, 40));
                }
            }
            return out;
        }"""
    )
    return found


@pytest.mark.parametrize(
    ("width", "height", "scheme"),
    [(1280, 900, "light"), (390, 844, "light"), (1280, 900, "dark")],
    ids=["1280-light", "390-light", "1280-dark"],
)
def test_every_page_loads_without_console_errors_or_csp_violations(
    site: Site, visitor_factory: Callable[..., Visitor], width: int, height: int, scheme: str
) -> None:
    visitor = visitor_factory(width=width, height=height, color_scheme=scheme)
    visitor.login(ADMIN_USER, ADMIN_PASS)
    page = visitor.page()
    for spec in PAGES:
        page.goto(spec.path)
        expect(page.locator("h1")).to_be_visible()
        settle(page)
        # The theme the browser asks for is the one drawn.
        luminance = _background_luminance(page)
        assert (luminance < 0.2) if scheme == "dark" else (luminance > 0.8), (spec.path, luminance)
        if width < 400:
            # Nothing but the board may scroll sideways on a phone.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, (spec.path, overflow, _overflowing(page))
    assert visitor.console.errors() == [], visitor.console.errors()
    assert visitor.console.csp_violations() == []


def test_the_theme_switch_is_remembered_across_a_reload(site: Site, visitor: Visitor) -> None:
    visitor.login(site.member("viewer"))
    page = visitor.page()
    page.goto("/")
    toggle = page.locator("#theme-toggle")
    expect(toggle).to_have_text("Dark theme")
    assert _background_luminance(page) > 0.8
    toggle.click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(toggle).to_have_text("Light theme")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.locator("#theme-toggle")).to_have_text("Light theme")
    assert _background_luminance(page) < 0.2
    # And back: the choice is the person's, not the system's.
    page.locator("#theme-toggle").click()
    page.goto("/tasks")
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    assert visitor.console.errors() == []


def test_the_phone_menu_opens_and_closes_the_navigation(
    site: Site, visitor_factory: Callable[..., Visitor]
) -> None:
    visitor = visitor_factory(**PHONE)
    visitor.login(site.member("viewer"))
    page = visitor.page()
    page.goto("/")
    nav = page.locator("#sidebar")
    tasks_link = nav.locator('a[href="/tasks"]')
    menu = page.locator("#menu-toggle")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(tasks_link).not_to_be_in_viewport()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(tasks_link).to_be_in_viewport()
    expect(nav.locator("a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    menu.click()
    tasks_link.click()
    expect(page).to_have_url(re.compile(r"/tasks$"))
    assert visitor.console.errors() == []


def test_readme_screenshots_of_the_seeded_workspace(
    showcase: Site, visitor_factory: Callable[..., Visitor]
) -> None:
    """Taken on a server of their own with a fixed data set, so they change only when the
    interface does; written to docs/screenshots only with MC_WRITE_SCREENSHOTS=1."""
    for width, height in ((1280, 900), (390, 844)):
        visitor = visitor_factory(width=width, height=height, base_url=showcase.url)
        visitor.login(ADMIN_USER, ADMIN_PASS)
        page = visitor.page()
        # The page's clock stands two hours after the seeding: every relative time reads
        # "2 h ago" however long the seeding took on a busy machine.
        page.clock.set_fixed_time(showcase.seeded_at + 2 * 3600)
        for path, name in SHOTS.items():
            page.goto(path)
            expect(page.locator("h1")).to_be_visible()
            if path != "/audit":  # the audit log does not follow live events
                expect(page.locator("#live-status")).to_have_text("Live")
            settle(page)
            if path == "/audit":
                expect(page.locator("#chain-status")).to_contain_text("Chain intact")
            if path == "/tasks":
                expect(page.locator(".task-card")).to_have_count(8)
            screenshot(page, f"{name}-{width}")
        assert visitor.console.errors() == [], visitor.console.errors()
