"""The two-factor QR code on /account is an image the browser can draw."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Site, Visitor

pytestmark = pytest.mark.browser


def test_enrolment_qr_code_loads(site: Site, visitor: Visitor) -> None:
    visitor.login(site.user("viewer"))
    page = visitor.page()
    page.goto("/account")
    page.click("#twofa-start")
    qr = page.locator("#twofa-qr")
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    expect(page.locator("#twofa-setup")).to_be_visible()
    # A src the browser cannot decode leaves a broken image: complete, but 0 pixels wide.
    page.wait_for_function("document.getElementById('twofa-qr').complete")
    assert qr.evaluate("img => img.naturalWidth") > 0
    assert visitor.console.errors() == []
