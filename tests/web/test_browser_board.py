"""The task board in a real headless Chromium: column paging, filters and the edit dialog."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Site, Visitor, card, column, settle, tag

pytestmark = pytest.mark.browser

COLUMN_PAGE = 50  # tasks.js shows this many cards per column, then "Show more"


def _project(site: Site, name: str) -> int:
    project: dict[str, Any] = site.api("POST", "/api/projects", json={"name": name})["project"]
    return int(project["id"])


def test_a_column_counts_all_its_tasks_and_shows_more(site: Site, visitor: Visitor) -> None:
    # A project of its own keeps the count exact on the shared server.
    project = _project(site, f"Backlog sweep {tag()}")
    for n in range(COLUMN_PAGE + 5):
        site.task(f"Queued job {n:02d}", status="assigned", project_id=project)
    site.task("The only one in progress", status="in_progress", project_id=project)
    visitor.login(site.member("viewer"))
    page = visitor.page()
    page.goto(f"/tasks?project_id={project}")
    assigned = column(page, "assigned")
    expect(assigned.locator("[data-count]")).to_have_text(str(COLUMN_PAGE + 5))
    expect(assigned.locator(".task-card")).to_have_count(COLUMN_PAGE)
    # One busy column does not push the others off the board.
    expect(column(page, "in_progress").locator("[data-count]")).to_have_text("1")
    expect(card(page, "The only one in progress")).to_be_visible()
    expect(assigned.locator(".column-foot")).to_contain_text(f"{COLUMN_PAGE} of 55 shown")
    assigned.get_by_role("button", name="Show more").click()
    expect(assigned.locator(".task-card")).to_have_count(COLUMN_PAGE + 5)
    expect(assigned.get_by_role("button", name="Show more")).to_have_count(0)
    # Newest first: the oldest five arrive with the second page.
    expect(card(page, "Queued job 00")).to_be_visible()
    assert column(page, "done").locator("[data-count]").text_content() == "0"
    assert visitor.console.errors() == []


def test_the_edit_dialog_saves_a_change(site: Site, visitor: Visitor) -> None:
    title = f"Draft the on-call handbook ({tag()})"
    task = site.task(title, priority="low")
    visitor.login(site.member("operator"))
    page = visitor.page()
    page.goto(f"/tasks?task={task['id']}")
    expect(page.locator("#detail-title")).to_contain_text(title)
    page.click("#detail-edit")
    dialog = page.locator("#task-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#t-title")).to_have_value(title)
    expect(page.locator("#t-priority")).to_have_value("low")
    renamed = title.replace("Draft", "Publish")
    page.fill("#t-title", renamed)
    page.select_option("#t-priority", "high")
    page.click("#task-save")
    expect(dialog).to_be_hidden()
    # The detail reopens with the saved task, and the board shows it.
    expect(page.locator("#detail-title")).to_contain_text(renamed)
    expect(page.locator("#detail-fields")).to_contain_text("high")
    saved = site.api("GET", f"/api/tasks/{task['id']}")["task"]
    assert (saved["title"], saved["priority"]) == (renamed, "high")
    page.keyboard.press("Escape")
    expect(card(page, renamed)).to_be_visible()
    assert visitor.console.errors() == []


def test_board_filters_by_project_priority_and_assignee(site: Site, visitor: Visitor) -> None:
    viewer = site.member("viewer")
    project = _project(site, f"Filter run {tag()}")
    mine = site.task(
        f"Urgent for {viewer}", priority="critical", assigned_to=viewer, project_id=project
    )
    other = site.task(f"Someday ({tag()})", priority="low", project_id=project)
    elsewhere = site.task(f"Another project's task ({tag()})", priority="critical")
    visitor.login(viewer)
    page = visitor.page()
    page.goto("/tasks")
    expect(card(page, elsewhere["title"])).to_be_visible()
    page.select_option("#f-project", str(project))
    expect(card(page, elsewhere["title"])).to_have_count(0)
    expect(card(page, mine["title"])).to_be_visible()
    expect(card(page, other["title"])).to_be_visible()

    page.select_option("#f-priority", "low")
    expect(card(page, mine["title"])).to_have_count(0)
    expect(card(page, other["title"])).to_be_visible()

    page.select_option("#f-priority", "")
    page.fill("#f-assignee", viewer)
    page.press("#f-assignee", "Tab")  # the filter applies on change
    expect(card(page, other["title"])).to_have_count(0)
    expect(card(page, mine["title"])).to_be_visible()
    settle(page)
    expect(page.locator(".task-card")).to_have_count(1)
    assert visitor.console.errors() == []
