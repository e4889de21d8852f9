"""Rows written straight into the database for tests: workspaces, agents, tasks, projects."""

from __future__ import annotations

import time
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id
from mission_control.db.tables import agents, projects, tasks, workspaces
from tests.conftest import AppHarness


def _add_workspace(conn: Connection, slug: str) -> int:
    now = int(time.time())
    ws_id = inserted_id(
        conn.execute(
            sa.insert(workspaces).values(
                slug=slug, name=slug.title(), created_at=now, updated_at=now
            )
        )
    )
    conn.execute(
        sa.insert(projects).values(
            workspace_id=ws_id,
            name="General",
            slug="general",
            ticket_prefix="TASK",
            status="active",
            created_at=now,
            updated_at=now,
        )
    )
    return ws_id


async def add_workspace(harness: AppHarness, slug: str = "other") -> int:
    """A second workspace with its own `general` project."""
    result: int = await harness.rt.db.write(_add_workspace, slug)
    return result


async def other_workspace_client(
    harness: AppHarness, role: str = "admin", slug: str = "other"
) -> tuple[httpx.AsyncClient, int]:
    """A logged-in client whose user lives in a second workspace."""
    ws_id = await add_workspace(harness, slug)
    username = f"{slug}-{role}"
    await harness.create_user(username, role, workspace_id=ws_id)
    client = harness.new_client()
    response = await client.post(
        "/api/auth/login", json={"username": username, "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 200, response.text
    return client, ws_id


def _general_id(conn: Connection, workspace_id: int) -> int:
    return int(
        conn.execute(
            sa.select(projects.c.id).where(
                projects.c.workspace_id == workspace_id, projects.c.slug == "general"
            )
        ).scalar_one()
    )


def _insert(conn: Connection, table: sa.Table, values: dict[str, Any]) -> int:
    return inserted_id(conn.execute(sa.insert(table).values(**values)))


async def insert_agent(
    harness: AppHarness, name: str, *, workspace_id: int = 1, **fields: Any
) -> int:
    now = int(time.time())
    values: dict[str, Any] = {
        "name": name,
        "role": "coder",
        "status": "idle",
        "config": {},
        "workspace_id": workspace_id,
        "created_at": now,
        "updated_at": now,
    }
    values.update(fields)
    result: int = await harness.rt.db.write(_insert, agents, values)
    return result


async def insert_task(
    harness: AppHarness, title: str, *, workspace_id: int = 1, **fields: Any
) -> int:
    now = int(time.time())
    if "project_id" not in fields:
        fields["project_id"] = await harness.rt.db.read(_general_id, workspace_id)
    values: dict[str, Any] = {
        "title": title,
        "status": "inbox",
        "priority": "medium",
        "created_by": "tests",
        "tags": [],
        "metadata": {},
        "workspace_id": workspace_id,
        "created_at": now,
        "updated_at": now,
    }
    values.update(fields)
    result: int = await harness.rt.db.write(_insert, tasks, values)
    return result


async def agent_key_client(
    harness: AppHarness, agent_id: int, scopes: list[str], *, workspace_id: int = 1
) -> httpx.AsyncClient:
    """A client presenting a real agent key for `agent_id`."""
    from mission_control.security.api_keys import create_agent_key

    _row, key = await harness.rt.db.write(
        lambda c: create_agent_key(
            c,
            agent_id=agent_id,
            workspace_id=workspace_id,
            name="test",
            scopes=scopes,
            expires_at=None,
            created_by="tests",
            now=int(time.time()),
        )
    )
    return harness.new_client(**{"x-api-key": key})
