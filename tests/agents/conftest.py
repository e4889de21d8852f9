"""Fixtures of the agents tests: agents, tasks, keys and a second workspace, written directly."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id
from mission_control.db.tables import agents, projects, tasks, workspaces
from mission_control.security.api_keys import create_agent_key
from tests.conftest import AppHarness

MakeAgent = Callable[..., Awaitable[dict[str, Any]]]
MakeTask = Callable[..., Awaitable[int]]
KeyClient = Callable[..., Awaitable[tuple[httpx.AsyncClient, int]]]


def _insert_agent(conn: Connection, name: str, fields: dict[str, Any]) -> dict[str, Any]:
    now = int(time.time())
    values = {
        "name": name,
        "role": "coder",
        "status": "offline",
        "workspace_id": 1,
        "created_at": now,
        "updated_at": now,
        **fields,
    }
    values["id"] = inserted_id(conn.execute(sa.insert(agents).values(**values)))
    return values


@pytest.fixture
def make_agent(harness: AppHarness) -> MakeAgent:
    """Insert an agent row directly (no events): `await make_agent("name", status=...)`."""

    async def make(name: str, **fields: Any) -> dict[str, Any]:
        return await harness.rt.db.write(_insert_agent, name, fields)

    return make


def _insert_task(conn: Connection, title: str, fields: dict[str, Any]) -> int:
    now = int(time.time())
    workspace_id = fields.get("workspace_id", 1)
    project_id = conn.execute(
        sa.select(projects.c.id).where(projects.c.workspace_id == workspace_id).limit(1)
    ).scalar()
    values = {
        "title": title,
        "status": "inbox",
        "priority": "medium",
        "created_by": "tests",
        "project_id": project_id,
        "workspace_id": workspace_id,
        "created_at": now,
        "updated_at": now,
        **fields,
    }
    return inserted_id(conn.execute(sa.insert(tasks).values(**values)))


@pytest.fixture
def make_task(harness: AppHarness) -> MakeTask:
    async def make(title: str, **fields: Any) -> int:
        return await harness.rt.db.write(_insert_task, title, fields)

    return make


def mint_key(
    conn: Connection, agent_id: int, workspace_id: int, scopes: list[str], expires_at: int | None
) -> tuple[int, str]:
    row, key = create_agent_key(
        conn,
        agent_id=agent_id,
        workspace_id=workspace_id,
        name="test key",
        scopes=scopes,
        expires_at=expires_at,
        created_by="tests",
        now=int(time.time()),
    )
    return int(row["id"]), key


@pytest.fixture
def key_client(harness: AppHarness) -> KeyClient:
    """A client holding a real agent key: `client, key_id = await key_client(agent, scopes)`."""

    async def make(
        agent: dict[str, Any],
        scopes: list[str] | None = None,
        expires_at: int | None = None,
        **headers: str,
    ) -> tuple[httpx.AsyncClient, int]:
        key_id, key = await harness.rt.db.write(
            mint_key,
            agent["id"],
            agent.get("workspace_id", 1),
            scopes if scopes is not None else ["operator", "agent:self"],
            expires_at,
        )
        return harness.new_client(**{"x-api-key": key, **headers}), key_id

    return make


def _second_workspace(conn: Connection) -> int:
    now = int(time.time())
    conn.execute(
        sa.insert(workspaces).values(
            id=2, slug="other", name="Other", created_at=now, updated_at=now
        )
    )
    conn.execute(
        sa.insert(projects).values(
            workspace_id=2,
            name="General",
            slug="general",
            ticket_prefix="TASK",
            created_at=now,
            updated_at=now,
        )
    )
    return 2


@pytest.fixture
async def other_workspace(harness: AppHarness) -> int:
    """A second workspace (id 2) with its own `general` project."""
    return int(await harness.rt.db.write(_second_workspace))


async def rows(harness: AppHarness, query: Any) -> list[dict[str, Any]]:
    """Rows of an arbitrary select, as dicts."""

    def run(conn: Connection) -> list[dict[str, Any]]:
        return [dict(r) for r in conn.execute(query).mappings()]

    return await harness.rt.db.read(run)
