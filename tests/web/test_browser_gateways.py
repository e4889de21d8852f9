"""The gateways page in a real headless Chromium against a real server talking to the
protocol-level OpenClaw gateway fake (tests/gateways/fake_gateway.py) on loopback."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.gateways.fake_gateway import FakeGateway, running
from tests.web.conftest import Site, Visitor

pytestmark = pytest.mark.browser

SESSIONS = [
    {
        "key": "agent:main:main",
        "kind": "direct",
        "displayName": "Main chat",
        "model": "openai/gpt",
        "sessionId": "4f7c2a51-0d6e-4d3b-9a4e-5b8d2c1f0a11",
    },
    {
        "key": "agent:main:discord:channel:ops",
        "kind": "group",
        "displayName": "#ops",
        "model": "openai/gpt",
        "sessionId": "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
    },
]


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    now = int(time.time() * 1000)
    fake = FakeGateway(sessions=[{**s, "updatedAt": now - 120_000} for s in SESSIONS])
    with running(fake):
        yield fake


def row(page: Page, gateway_id: int) -> Locator:
    return page.locator(f'#gateway-rows tr[data-gateway="{gateway_id}"]')


def status(line: Locator) -> Locator:
    return line.locator("td").nth(2).locator(".badge")


def register(site: Site, name: str, url: str, token: str) -> int:
    created = site.api("POST", "/api/gateways", json={"name": name, "url": url, "token": token})
    return int(created["gateway"]["id"])


def test_gateway_page_lists_sessions_and_agents_and_explains_a_refusal(
    site: Site, visitor: Visitor, gateway: FakeGateway
) -> None:
    stamp = uuid.uuid4().hex[:4]
    good = register(site, f"lab-{stamp}", gateway.url, gateway.token)
    bad = register(site, f"stale-{stamp}", gateway.url, "not-the-gateway-token")
    visitor.login(site.user("admin"))
    page = visitor.page()
    page.goto("/gateways")

    row(page, good).get_by_role("button", name="Sessions").click()
    detail = page.locator("#gateway-detail")
    expect(detail.locator("h2")).to_have_text(f"Sessions of lab-{stamp}")
    expect(detail.locator("tbody tr")).to_have_count(2)
    expect(detail).to_contain_text("agent:main:discord:channel:ops")
    expect(detail).to_contain_text("Main chat")
    expect(detail.locator("tbody tr").first.locator("time")).to_have_text("2 min ago")
    expect(detail).to_contain_text("2 of 2 session(s)")

    row(page, good).get_by_role("button", name="Agents").click()
    expect(detail.locator("h2")).to_have_text(f"Agents of lab-{stamp}")
    expect(detail.locator("tbody tr")).to_have_count(1)
    expect(detail.locator("tbody tr").first).to_contain_text("main")
    expect(detail.locator("tbody tr").first).to_contain_text("default")
    expect(detail.locator("tbody tr").first).to_contain_text("openai/gpt")

    # The gateway refuses the wrong token: the error and what to do sit beside the button.
    stale = row(page, bad)
    stale.get_by_role("button", name="Sessions").click()
    problem = stale.locator(".field-error")
    expect(problem).to_contain_text("gateway token mismatch")
    expect(problem.locator(".field-guidance")).to_contain_text(
        "The gateway token does not match gateway.auth.token"
    )
    # The list shown before stays the good gateway's.
    expect(detail.locator("h2")).to_have_text(f"Agents of lab-{stamp}")
    stale.get_by_role("button", name="Agents").click()
    expect(problem).to_contain_text("gateway token mismatch")
    assert visitor.console.errors(allow=("status of 502",)) == []


def test_gateway_added_checked_and_edited_in_the_page(
    site: Site, visitor: Visitor, gateway: FakeGateway
) -> None:
    name = f"edge-{uuid.uuid4().hex[:4]}"
    visitor.login(site.user("admin"))
    page = visitor.page()
    page.goto("/gateways")
    page.click("#new-gateway")
    page.fill("#gw-name", name)
    page.fill("#gw-url", gateway.url)
    page.fill("#gw-token", "a-token-from-last-year")
    page.click("#gateway-save")
    expect(page.locator("#gateway-dialog")).not_to_be_visible()
    [stored] = [g for g in site.api("GET", "/api/gateways")["gateways"] if g["name"] == name]
    line = row(page, stored["id"])
    expect(line).to_contain_text("stored")

    page.click("#check-gateways")
    expect(status(line)).to_have_text("error")
    expect(line).to_contain_text("gateway token mismatch")
    expect(line).to_contain_text("Update the token stored for this gateway")

    # Rotate the token and rename; the dialog comes filled in and never shows the token.
    line.get_by_role("button", name="Edit").click()
    expect(page.locator("#gateway-dialog-title")).to_have_text("Edit gateway")
    expect(page.locator("#gw-name")).to_have_value(name)
    expect(page.locator("#gw-url")).to_have_value(gateway.url)
    expect(page.locator("#gw-token")).to_have_value("")
    page.fill("#gw-name", name + "-renamed")
    page.fill("#gw-token", gateway.token)
    page.check("#gateway-form input[name=is_primary]")
    page.click("#gateway-save")
    expect(page.locator("#gateway-dialog")).not_to_be_visible()
    expect(line).to_contain_text(name + "-renamed")
    expect(line).to_contain_text("primary")
    page.click("#check-gateways")
    expect(status(line)).to_have_text("online")
    line.get_by_role("button", name="Sessions").click()
    expect(page.locator("#gateway-detail tbody tr")).to_have_count(2)
    after = site.api("GET", f"/api/gateways/{stored['id']}")["gateway"]
    assert after["name"] == name + "-renamed" and after["is_primary"] is True
    assert after["has_token"] is True and "token" not in after

    # Clearing the token: the gateway then refuses, and the page says so.
    line.get_by_role("button", name="Edit").click()
    page.check("#gw-clear-field input")
    expect(page.locator("#gw-token")).to_be_disabled()
    page.click("#gateway-save")
    expect(page.locator("#gateway-dialog")).not_to_be_visible()
    expect(line.locator("td").nth(3)).to_have_text("none")
    assert site.api("GET", f"/api/gateways/{stored['id']}")["gateway"]["has_token"] is False

    # A refused edit (a name another gateway has) is shown in the dialog, nothing saved.
    other = register(site, f"other-{uuid.uuid4().hex[:4]}", gateway.url, gateway.token)
    line.get_by_role("button", name="Edit").click()
    page.fill("#gw-name", site.api("GET", f"/api/gateways/{other}")["gateway"]["name"])
    page.click("#gateway-save")
    expect(page.locator("#gateway-dialog .field-error")).to_contain_text("already exists")
    assert site.api("GET", f"/api/gateways/{stored['id']}")["gateway"]["name"] == name + "-renamed"
    assert visitor.console.errors(allow=("status of 409",)) == []
