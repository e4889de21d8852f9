"""Admin and operator pages in a real headless Chromium: editing pipelines."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Dialog, expect

from tests.web.conftest import Site, Visitor

pytestmark = pytest.mark.browser


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
