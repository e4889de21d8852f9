"""Fixtures for the tasks tests: agents, agent keys, a second workspace, row counts."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id
from mission_control.db.tables import agents, projects, workspaces
from mission_control.security.api_keys import create_agent_key
from tests.conftest import PASSWORD, AppHarness


def _insert_agent(conn: Connection, name: str, workspace_id: int) -> int:
    now = int(time.time())
    return inserted_id(
        conn.execute(
            sa.insert(agents).values(
                name=name,
                role="coder",
                status="idle",
                workspace_id=workspace_id,
                created_at=now,
                updated_at=now,
            )
        )
    )


async def make_agent(harness: AppHarness, name: str, workspace_id: int = 1) -> int:
    return int(await harness.rt.db.write(_insert_agent, name, workspace_id))


async def agent_key_client(
    harness: AppHarness, name: str, scopes: list[str] | None = None, workspace_id: int = 1
) -> httpx.AsyncClient:
    """A client holding a real agent key for a new agent `name`."""
    agent_id = await make_agent(harness, name, workspace_id)

    def mint(conn: Connection) -> str:
        _row, key = create_agent_key(
            conn,
            agent_id=agent_id,
            workspace_id=workspace_id,
            name=f"{name}-key",
            scopes=scopes or ["operator"],
            expires_at=None,
            created_by="tests",
            now=int(time.time()),
        )
        return key

    key = await harness.rt.db.write(mint)
    return harness.new_client(**{"x-api-key": key})


def _second_workspace(conn: Connection) -> int:
    now = int(time.time())
    ws = inserted_id(
        conn.execute(
            sa.insert(workspaces).values(slug="other", name="Other", created_at=now, updated_at=now)
        )
    )
    conn.execute(
        sa.insert(projects).values(
            workspace_id=ws,
            name="General",
            slug="general",
            ticket_prefix="OTH",
            created_at=now,
            updated_at=now,
        )
    )
    return ws


async def second_workspace_client(harness: AppHarness, username: str = "outsider") -> Any:
    """(workspace id, a logged-in operator of a second workspace)."""
    ws = await harness.rt.db.write(_second_workspace)
    await harness.create_user(username, "operator", workspace_id=ws)
    client = harness.new_client()
    login = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return ws, client


async def count(harness: AppHarness, table: sa.Table, *where: Any) -> int:
    def run(conn: Connection) -> int:
        query = sa.select(sa.func.count()).select_from(table)
        if where:
            query = query.where(*where)
        return int(conn.execute(query).scalar() or 0)

    return int(await harness.rt.db.read(run))


async def fetch(harness: AppHarness, query: Any) -> list[dict[str, Any]]:
    def run(conn: Connection) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in conn.execute(query)]

    result: list[dict[str, Any]] = await harness.rt.db.read(run)
    return result


@pytest.fixture
async def ops(harness: AppHarness) -> Any:
    """An operator client whose display name is `Ops Person`."""
    await harness.create_user("ops", "operator", display_name="Ops Person")
    client = harness.new_client()
    login = await client.post("/api/auth/login", json={"username": "ops", "password": PASSWORD})
    assert login.status_code == 200
    yield client
    await client.aclose()
