"""Real answers of the feed, projects, search, standup and workspace routes validate against
the response models their OpenAPI entries declare, and those models name every key."""

from __future__ import annotations

import httpx
from pydantic import BaseModel

from mission_control.activities.schemas import ActivityList, ActivityStats
from mission_control.export.schemas import ExportJson
from mission_control.notifications.schemas import NotificationList
from mission_control.projects.schemas import (
    AssignmentList,
    ProjectEnvelope,
    ProjectList,
    ProjectTasks,
)
from mission_control.search.schemas import SearchOut
from mission_control.standup.schemas import StandupEnvelope, StandupHistory
from mission_control.status.schemas import StatusHealth, StatusOverview
from mission_control.workspaces.schemas import WorkspaceList
from tests.conftest import AppHarness
from tests.seed_rows import insert_agent
from tests.shapes import assert_shape


async def _check(client: httpx.AsyncClient, path: str, model: type[BaseModel]) -> None:
    body = assert_shape(await client.get(path), model)
    # Each list holds at least one item, so the item models are exercised too.
    for key in ("projects", "tasks", "assignments", "activities", "notifications", "results"):
        if key in body:
            assert body[key], (path, key)


async def test_answers_match_their_models(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    await insert_agent(harness, "modelled")
    created = await admin.post("/api/projects", json={"name": "Modelled", "description": "d"})
    pid = created.json()["project"]["id"]
    await admin.post(f"/api/projects/{pid}/agents", json={"agent_name": "modelled"})
    await admin.post(
        "/api/tasks", json={"title": "modelled task", "project_id": pid, "assigned_to": "modelled"}
    )
    await admin.post("/api/standup", json={})
    checks: list[tuple[str, type[BaseModel]]] = [
        ("/api/projects", ProjectList),
        (f"/api/projects/{pid}", ProjectEnvelope),
        (f"/api/projects/{pid}/tasks", ProjectTasks),
        (f"/api/projects/{pid}/agents", AssignmentList),
        ("/api/activities", ActivityList),
        ("/api/activities?stats=1", ActivityStats),
        ("/api/notifications?recipient=modelled", NotificationList),
        ("/api/search?q=modelled", SearchOut),
        ("/api/standup", StandupHistory),
        ("/api/standup/1", StandupEnvelope),
        ("/api/status?action=health", StatusHealth),
        ("/api/status", StatusOverview),
        ("/api/workspaces", WorkspaceList),
        ("/api/export?type=tasks&format=json", ExportJson),
    ]
    for path, model in checks:
        await _check(admin, path, model)
    doc = (await admin.get("/api/docs")).json()
    for path, method in (
        ("/api/projects", "get"),
        ("/api/projects/{pid}/agents", "post"),
        ("/api/notifications", "delete"),
        ("/api/activities", "get"),
    ):
        responses = doc["paths"][path][method]["responses"]["200" if method != "post" else "201"]
        assert "schema" in responses["content"]["application/json"], (path, method)
    delete_body = doc["paths"]["/api/notifications"]["delete"]["requestBody"]
    assert "ids" in str(delete_body)
