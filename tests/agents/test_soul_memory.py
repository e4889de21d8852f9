"""Soul and working memory: read, replace, append, the 512 KiB limit."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from mission_control.db.tables import activities, agents
from tests.agents.conftest import MakeAgent, rows
from tests.conftest import AppHarness

LIMIT = 512 * 1024


async def test_soul_round_trip(
    harness: AppHarness,
    operator: httpx.AsyncClient,
    viewer: httpx.AsyncClient,
    make_agent: MakeAgent,
) -> None:
    agent = await make_agent("soulful")
    empty = (await viewer.get("/api/agents/soulful/soul")).json()
    assert empty["soul_content"] is None and empty["agent"] == {
        "id": agent["id"],
        "name": "soulful",
    }
    written = await operator.put("/api/agents/soulful/soul", json={"soul_content": "Be kind ✨"})
    assert written.status_code == 200 and written.json()["soul_content"] == "Be kind ✨"
    read = (await viewer.get(f"/api/agents/{agent['id']}/soul")).json()
    assert read["soul_content"] == "Be kind ✨" and read["size"] == len("Be kind ✨".encode())
    assert (
        await viewer.put("/api/agents/soulful/soul", json={"soul_content": "x"})
    ).status_code == 403
    acts = await rows(harness, sa.select(activities).where(activities.c.type == "agent_updated"))
    assert acts and acts[-1]["data"]["fields"] == ["soul_content"]


async def test_memory_replace_and_append(
    operator: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("thinker")
    first = await operator.put("/api/agents/thinker/memory", json={"working_memory": "step 1"})
    assert first.status_code == 200
    appended = await operator.put(
        "/api/agents/thinker/memory", json={"working_memory": "step 2", "append": True}
    )
    assert appended.json()["working_memory"] == "step 1\nstep 2"
    read = (await operator.get("/api/agents/thinker/memory")).json()
    assert read["working_memory"] == "step 1\nstep 2"
    replaced = await operator.put("/api/agents/thinker/memory", json={"working_memory": "fresh"})
    assert replaced.json()["working_memory"] == "fresh"
    assert (await operator.put("/api/agents/thinker/memory", json={})).status_code == 400
    assert (
        await operator.put("/api/agents/thinker/memory", json={"working_memory": 5})
    ).status_code == 400


async def test_too_large_is_413_and_not_saved(
    harness: AppHarness, operator: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    await make_agent("big")
    huge = await operator.put("/api/agents/big/memory", json={"working_memory": "x" * (LIMIT + 1)})
    assert huge.status_code == 413
    exact = await operator.put("/api/agents/big/memory", json={"working_memory": "x" * LIMIT})
    assert exact.status_code == 200
    overflow = await operator.put(
        "/api/agents/big/memory", json={"working_memory": "y", "append": True}
    )
    assert overflow.status_code == 413
    row = (await rows(harness, sa.select(agents).where(agents.c.name == "big")))[0]
    assert row["working_memory"] == "x" * LIMIT
    soul = await operator.put("/api/agents/big/soul", json={"soul_content": "é" * (LIMIT // 2 + 1)})
    assert soul.status_code == 413


async def test_unknown_agent(operator: httpx.AsyncClient) -> None:
    assert (await operator.get("/api/agents/ghost/memory")).status_code == 404
    missing = await operator.put("/api/agents/ghost/memory", json={"working_memory": "x"})
    assert missing.status_code == 404
