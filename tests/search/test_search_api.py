"""/api/search: matching, ranking, roles, agent keys, validation, workspace isolation."""

from __future__ import annotations

import httpx
from sqlalchemy.engine import Connection

from mission_control.activities.service import log_activity
from mission_control.search.service import like_pattern, relevance
from tests.conftest import AppHarness
from tests.seed_rows import agent_key_client, insert_agent, insert_task, other_workspace_client


async def _search(client: httpx.AsyncClient, **params: object) -> dict[str, object]:
    response = await client.get("/api/search", params=params)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _pairs(body: dict[str, object]) -> list[tuple[str, str]]:
    return [(r["type"], r["title"]) for r in body["results"]]  # type: ignore[attr-defined,index]


async def test_finds_tasks_agents_and_activities(
    harness: AppHarness, viewer: httpx.AsyncClient
) -> None:
    await insert_task(harness, "Deploy the Falcon rocket", description="stage two")
    await insert_task(harness, "Unrelated chore", description="mentions falcon in passing")
    await insert_agent(harness, "falcon-bot", role="devops")
    await insert_agent(harness, "ghost-falcon", hidden=True)
    await harness.rt.db.write(
        lambda c: log_activity(
            c,
            type="task_created",
            entity_type="task",
            entity_id=1,
            actor="tests",
            description="Created task Falcon launch",
        )
    )
    body = await _search(viewer, q="FALCON")
    assert body["query"] == "FALCON"
    pairs = _pairs(body)
    assert body["count"] == len(pairs) == 4
    assert ("task", "Deploy the Falcon rocket") in pairs
    assert ("task", "Unrelated chore") in pairs
    assert ("agent", "falcon-bot") in pairs
    assert ("activity", "Created task Falcon launch") in pairs
    assert not any(title == "ghost-falcon" for _, title in pairs)  # hidden agents stay hidden
    # Title matches outrank a match in the description only.
    assert pairs[-1] == ("task", "Unrelated chore")
    item = body["results"][0]  # type: ignore[index]
    assert set(item) == {"type", "id", "title", "subtitle", "created_at", "relevance"}
    assert isinstance(item["created_at"], int) and item["created_at"] > 0


async def test_type_filter_and_limit(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    for n in range(5):
        await insert_task(harness, f"widget {n}")
    await insert_agent(harness, "widget-agent")
    only_agents = await _search(viewer, q="widget", type="agent")
    assert _pairs(only_agents) == [("agent", "widget-agent")]
    capped = await _search(viewer, q="widget", limit=2)
    assert capped["count"] == 2
    huge = await _search(viewer, q="widget", limit=100000)
    assert huge["count"] == 6
    zero = await _search(viewer, q="widget", limit=0)
    assert zero["count"] == 1  # clamped to 1, never unlimited


async def test_like_wildcards_are_literal(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    await insert_task(harness, "100% done")
    await insert_task(harness, "1000 items")
    await insert_task(harness, "snake_case name")
    await insert_task(harness, "snakeXcase name")
    assert _pairs(await _search(viewer, q="0%")) == [("task", "100% done")]
    assert _pairs(await _search(viewer, q="e_c")) == [("task", "snake_case name")]
    injected = await _search(viewer, q="' OR 1=1 --")
    assert injected["count"] == 0
    assert like_pattern("a%b_c\\") == "%a\\%b\\_c\\\\%"


def test_relevance_order() -> None:
    assert relevance("deploy", "Deploy") == 100
    assert relevance("dep", "Deploy now") == 80
    assert relevance("loy", "Deploy") == 60
    assert relevance("x", "Deploy", ("x marks",)) == 30


async def test_audit_only_for_admins(
    harness: AppHarness, admin: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    def add(conn: Connection) -> None:
        from mission_control.security.audit import write_audit

        write_audit(conn, "zebra_rotation", actor="tests", target_type="key", target_id="z1")

    await harness.rt.db.write(add)
    found = await _search(admin, q="zebra")
    assert ("audit", "zebra_rotation") in _pairs(found)
    assert (await _search(operator, q="zebra"))["count"] == 0
    assert (await _search(operator, q="zebra", type="audit"))["count"] == 0


async def test_bad_input(viewer: httpx.AsyncClient) -> None:
    for params in ({}, {"q": ""}, {"q": "a"}, {"q": "  b  "}, {"q": "x" * 201}):
        response = await viewer.get("/api/search", params=params)
        assert response.status_code == 400, params
        assert "error" in response.json()
    short = await viewer.get("/api/search", params={"q": "a"})
    assert short.json() == {"error": "Search query must be at least 2 characters"}
    assert (await viewer.get("/api/search", params={"q": "ok", "type": "users"})).status_code == 400
    assert (await viewer.get("/api/search", params={"q": "ok", "limit": "ten"})).status_code == 400
    unicode = await viewer.get("/api/search", params={"q": "ünïcødé ✓"})
    assert unicode.status_code == 200 and unicode.json()["count"] == 0


async def test_needs_authentication(harness: AppHarness) -> None:
    async with harness.new_client() as anon:
        response = await anon.get("/api/search", params={"q": "anything"})
        assert response.status_code == 401


async def test_agent_key_sees_only_its_tasks(harness: AppHarness) -> None:
    agent_id = await insert_agent(harness, "scout")
    await insert_task(harness, "orbit mine", assigned_to="scout")
    await insert_task(harness, "orbit theirs", assigned_to="someone-else")
    await insert_task(harness, "orbit nobody")
    async with await agent_key_client(harness, agent_id, ["viewer"]) as client:
        body = await _search(client, q="orbit")
        assert _pairs(body) == [("task", "orbit mine")]
    async with await agent_key_client(harness, agent_id, ["viewer", "admin"]) as client:
        assert (await _search(client, q="orbit", type="task"))["count"] == 3


async def test_other_workspace_is_invisible(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    await insert_task(harness, "home secret plan")
    await insert_agent(harness, "home-secret-agent")
    away, ws_id = await other_workspace_client(harness, "admin")
    try:
        await insert_task(harness, "away secret plan", workspace_id=ws_id)
        away_body = await _search(away, q="secret")
        assert _pairs(away_body) == [("task", "away secret plan")]
    finally:
        await away.aclose()
    home_pairs = _pairs(await _search(admin, q="secret"))
    assert ("task", "away secret plan") not in home_pairs
    assert ("task", "home secret plan") in home_pairs


async def test_heavy_rate_limit(harness_factory: object) -> None:
    async with harness_factory(disable_rate_limit=False) as h:  # type: ignore[operator]
        async with h.key_client() as client:
            codes = [
                (await client.get("/api/search", params={"q": "load"})).status_code
                for _ in range(11)
            ]
            assert codes[:10] == [200] * 10
            assert codes[10] == 429
            limited = await client.get("/api/search", params={"q": "load"})
        assert limited.status_code == 429 and "retry_after" in limited.json()
        assert int(limited.headers["retry-after"]) >= 1
