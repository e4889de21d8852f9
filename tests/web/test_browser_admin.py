"""Admin and operator pages in a real headless Chromium: editing pipelines, the 1Password
integrations on the settings page (a server of its own using the fake `op` of
tests/integrations), and the banner that sends an admin without two-factor login to /account
(a server of its own with MC_REQUIRE_2FA_FOR_ADMINS=1)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.integrations.conftest import GITHUB, OP_TOKEN, FakeOp
from tests.server import ServerProcess
from tests.web.conftest import ADMIN_PASS, ADMIN_USER, Site, Visitor, start_server

pytestmark = pytest.mark.browser

ENV_GITHUB = "ghp_from_the_environment_0000009Zq1"


def settle(page: Page) -> None:
    """Wait until the page's own API calls are done (live event streams stay open)."""
    page.wait_for_function("() => window.MC && window.MC.pending === 0")


def accept(dialog: Dialog) -> None:
    dialog.accept()


# ---------------------------------------------------------------------------- pipelines


def test_operator_edits_and_deletes_a_pipeline(site: Site, visitor: Visitor) -> None:
    stamp = time.time_ns()
    plan, build, ship = (
        site.api("POST", "/api/workflows", json={"name": f"{n} {stamp}", "task_prompt": n})[
            "template"
        ]
        for n in ("Plan", "Build", "Ship")
    )
    pipeline = site.api(
        "POST",
        "/api/pipelines",
        json={
            "name": f"Flow {stamp}",
            "description": "first draft",
            "steps": [{"template_id": plan["id"]}, {"template_id": build["id"]}],
        },
    )["pipeline"]
    visitor.login(site.user("operator"))
    page = visitor.page()
    page.goto("/pipelines")
    item = page.locator("#pipeline-list li", has_text=f"Flow {stamp}")
    item.get_by_role("button", name="Edit").click()
    expect(page.locator("#pipeline-dialog-title")).to_have_text("Edit pipeline")
    expect(page.locator("#pl-name")).to_have_value(f"Flow {stamp}")
    expect(page.locator("#pl-description")).to_have_value("first draft")
    steps = page.locator("#step-list .step")
    expect(steps).to_have_count(2)
    expect(steps.nth(0).locator("select").first).to_have_value(str(plan["id"]))
    expect(steps.nth(1).locator("select").first).to_have_value(str(build["id"]))

    # A refused change is shown in the dialog and saves nothing.
    page.fill("#pl-name", "")
    page.click("#pipeline-save")
    expect(page.locator("#pipeline-dialog .field-error")).to_contain_text("Validation failed")

    page.fill("#pl-name", f"Flow {stamp} v2")
    page.fill("#pl-description", "")
    steps.nth(1).locator("select").first.select_option(label=f"Ship {stamp}")
    steps.nth(1).locator("select").nth(1).select_option("continue")
    page.click("#add-step")
    steps.nth(2).locator("select").first.select_option(label=f"Build {stamp}")
    page.click("#pipeline-save")
    expect(page.locator("#pipeline-dialog")).not_to_be_visible()
    edited = page.locator("#pipeline-list li", has_text=f"Flow {stamp} v2")
    expect(edited).to_contain_text(f"Plan {stamp} → Ship {stamp} (continue) → Build {stamp}")
    [saved] = [
        p for p in site.api("GET", "/api/pipelines")["pipelines"] if p["id"] == pipeline["id"]
    ]
    assert saved["name"] == f"Flow {stamp} v2" and saved["description"] is None
    assert [(s["template_id"], s["on_failure"]) for s in saved["steps"]] == [
        (plan["id"], "stop"),
        (ship["id"], "continue"),
        (build["id"], "stop"),
    ]

    # The API lets operators delete pipelines, so the page offers it to them.
    page.on("dialog", accept)
    edited.get_by_role("button", name="Delete").click()
    expect(edited).to_have_count(0)
    ids = [p["id"] for p in site.api("GET", "/api/pipelines")["pipelines"]]
    assert pipeline["id"] not in ids
    assert visitor.console.errors(allow=("status of 400",)) == []


# ---------------------------------------------------------------- 1Password integrations


@pytest.fixture(scope="module")
def op_site(
    db_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Site, FakeOp]]:
    """A server whose `op` (MC_OP_BIN) is the fake CLI, with a service account token and a
    GITHUB_TOKEN in its environment to fall back to."""
    folder = tmp_path_factory.mktemp("web-op")
    fake = FakeOp(folder / "bin")
    server, database = start_server(
        db_kind,
        folder,
        AUTH_USER=ADMIN_USER,
        AUTH_PASS=ADMIN_PASS,
        MC_OP_BIN=str(fake.path),
        OP_SERVICE_ACCOUNT_TOKEN=OP_TOKEN,
        GITHUB_TOKEN=ENV_GITHUB,
    )
    try:
        running = Site(server, database)
        yield running, fake
        running.admin.close()
    finally:
        server.stop()
        database.drop()


def test_settings_pull_a_named_item_show_the_1password_status_and_clear(
    op_site: tuple[Site, FakeOp], visitor_factory: Callable[..., Visitor]
) -> None:
    site, fake = op_site
    visitor = visitor_factory(base_url=site.url)
    visitor.login(site.user("admin"))
    page = visitor.page()
    page.goto("/settings")
    op_bin = str(fake.path)
    expect(page.locator("#op-status")).to_have_text(
        f"1Password: Vault “default” · op found at {op_bin} · service account token set."
    )
    row = page.locator('#integration-rows tr[data-env-var="GITHUB_TOKEN"]')
    expect(row).to_contain_text("env")
    expect(row).to_contain_text("••••9Zq1")
    expect(row.get_by_role("button", name="Clear")).to_have_count(0)

    # An item that is not named like the variable.
    row.get_by_label("1Password item for GITHUB_TOKEN").fill("github-ci")
    row.get_by_role("button", name="Pull from 1Password").click()
    expect(row).to_contain_text("1password (github-ci)")
    expect(row).to_contain_text("••••" + GITHUB[-4:])
    assert fake.calls[-1]["argv"][:5] == ["item", "get", "github-ci", "--vault", "default"]

    # A missing item: op's own message beside the button, the value kept.
    row.get_by_label("1Password item for GITHUB_TOKEN").fill("no-such-item")
    row.get_by_role("button", name="Pull from 1Password").click()
    expect(row.locator(".field-error")).to_contain_text("no-such-item")
    expect(row).to_contain_text("1password (github-ci)")

    # Clearing the stored value falls back to the environment's.
    page.on("dialog", accept)
    row.get_by_role("button", name="Clear").click()
    expect(row).to_contain_text("••••9Zq1")
    expect(row.get_by_role("button", name="Clear")).to_have_count(0)
    listed = site.api("GET", "/api/integrations")["integrations"]
    [github] = [i for i in listed if i["env_var"] == "GITHUB_TOKEN"]
    assert github["source"] == "env" and github["op_item"] is None

    page.click("#op-test")
    expect(page.locator("#op-result")).to_have_text(
        "1Password works: vault default. Signed in to https://my.1password.com as service account."
    )
    assert visitor.console.errors(allow=("status of 404", "status of 502")) == []


# ------------------------------------------------------------- 2FA required for admins


@pytest.fixture(scope="module")
def twofa_server(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server, database = start_server(
        db_kind,
        tmp_path_factory.mktemp("web-2fa"),
        AUTH_USER=ADMIN_USER,
        AUTH_PASS=ADMIN_PASS,
        MC_REQUIRE_2FA_FOR_ADMINS="1",
    )
    try:
        yield server
    finally:
        server.stop()
        database.drop()


def test_admin_without_two_factor_is_sent_to_the_account_page(
    twofa_server: ServerProcess, visitor_factory: Callable[..., Visitor]
) -> None:
    import pyotp

    visitor = visitor_factory(base_url=twofa_server.base_url)
    visitor.login(ADMIN_USER, ADMIN_PASS)
    page = visitor.page()
    page.goto("/settings")
    settle(page)
    banner = page.locator("#twofa-required")
    expect(banner).to_have_count(1)  # one banner however many calls were refused
    expect(banner).to_contain_text("Set up two-factor login first.")
    banner.get_by_role("link", name="Set it up on your account page").click()
    expect(page).to_have_url(re.compile(r"/account#twofa-title$"))
    expect(page.locator("#twofa-status")).to_contain_text("off")

    page.click("#twofa-start")
    expect(page.locator("#twofa-secret")).not_to_be_empty()
    secret = page.locator("#twofa-secret").text_content() or ""
    page.fill("#twofa-code", pyotp.TOTP(secret).now())
    page.click("#twofa-confirm")
    expect(page.locator("#twofa-codes .secret-value")).to_be_visible()

    page.goto("/settings")
    settle(page)
    expect(page.locator("#apikey-status")).not_to_have_text("Loading…")
    expect(page.locator("#twofa-required")).to_have_count(0)
    assert visitor.console.errors(allow=("status of 403",)) == []
