"""/docs, the interactive API reference, in a real Chromium: vendored Swagger UI, strict CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Site, Visitor

pytestmark = pytest.mark.browser

# Runs before any page script; Playwright's init scripts are not subject to the page's CSP.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_docs_render_the_operations_from_our_own_files_under_the_csp(
    site: Site, visitor: Visitor
) -> None:
    page = visitor.page()
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto("/docs")
    assert response is not None and response.status == 200
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]

    # Swagger UI breaks the shown path with <wbr>s and renders only the operations in view;
    # the first one is the task list, and its data-path keeps the path whole.
    operation = page.locator(".opblock-get", has=page.locator('[data-path="/api/tasks"]')).first
    expect(operation).to_be_visible()
    assert page.locator(".opblock").count() > 3
    # Opening an operation renders its details (parameters, responses) from the schema.
    operation.locator(".opblock-summary-control").click()
    expect(operation.locator(".responses-wrapper")).to_be_visible()
    expect(operation.locator(".parameters")).to_contain_text("status")

    assert page.evaluate("window.__cspViolations") == []
    assert visitor.console.errors() == [], visitor.console.errors()
    assert visitor.console.csp_violations() == []
    assert requested and all(url.startswith(site.url + "/") for url in requested), requested
    assert site.url + "/static/vendor/swagger-ui/swagger-ui-bundle.js" in requested
