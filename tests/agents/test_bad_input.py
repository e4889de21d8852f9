"""Bad input on the agents routes: each is a clear 4xx in the one error shape, on SQLite and
PostgreSQL alike, and leaves nothing half-written (agents, keys, connections, token usage,
activities, events and audit rows stay as they were)."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa

from mission_control.db.tables import (
    activities,
    agent_api_keys,
    agents,
    audit_log,
    connections,
    events,
    token_usage,
)
from tests.agents.conftest import MakeAgent, rows
from tests.conftest import AppHarness
from tests.refusals import assert_refused

HUGE = 10**20  # past any 64-bit column
WATCHED = (agents, agent_api_keys, connections, token_usage, activities, events, audit_log)


async def _snapshot(harness: AppHarness) -> dict[str, Any]:
    return {
        table.name: await rows(harness, sa.select(table).order_by(*table.primary_key.columns))
        for table in WATCHED
    }


async def _refused(
    harness: AppHarness, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> dict[str, Any]:
    return await assert_refused(_snapshot, harness, client, method, url, **kwargs)


async def test_wrong_types(
    harness: AppHarness, admin: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    agent = await make_agent("typed")
    url = f"/api/agents/{agent['id']}"
    for method, path, body, field in (
        ("POST", "/api/agents", {"name": "n", "role": 5}, "role"),
        ("POST", "/api/agents", {"name": ["n"], "role": "coder"}, "name"),
        ("POST", "/api/agents", {"name": "n", "role": "coder", "config": [1]}, "config"),
        ("PUT", url, {"config": "verbose"}, "config"),
        ("PUT", url, {"role": {"r": 1}}, "role"),
        ("PUT", "/api/agents", {"name": "typed", "last_activity": 12}, "last_activity"),
        ("PUT", f"{url}/soul", {"soul_content": ["x"]}, "soul_content"),
        ("PUT", f"{url}/memory", {"working_memory": 5}, "working_memory"),
        ("POST", "/api/agents/register", {"name": "n", "capabilities": "web"}, "capabilities"),
        (
            "POST",
            f"{url}/heartbeat",
            {"token_usage": {"model": "m", "inputTokens": "many", "outputTokens": 1}},
            "token_usage.inputTokens",
        ),
        ("POST", f"{url}/keys", {"scopes": "admin"}, "scopes"),
        ("POST", f"{url}/keys", {"expires_in_days": "7"}, "expires_in_days"),
        ("DELETE", f"{url}/keys", {"key_id": "first"}, "key_id"),
        ("POST", "/api/connect", {"tool_name": 3}, "tool_name"),
    ):
        await _refused(
            harness, admin, method, path, json=body, error="Validation failed", detail=field
        )


async def test_unknown_enum_values(
    harness: AppHarness, admin: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    agent = await make_agent("enum")
    url = f"/api/agents/{agent['id']}"
    for method, path, body, field in (
        ("POST", "/api/agents", {"name": "n", "role": "coder", "status": "dancing"}, "status"),
        ("PUT", url, {"status": "asleep"}, "status"),
        ("PUT", "/api/agents", {"name": "enum", "status": "ONLINE"}, "status"),
    ):
        await _refused(
            harness, admin, method, path, json=body, error="Validation failed", detail=field
        )
    await _refused(
        harness,
        admin,
        "GET",
        "/api/agents?status=asleep",
        error="Invalid status. Expected one of: offline, idle, busy, sleeping, error, online",
    )
    role = await _refused(
        harness, admin, "POST", "/api/agents/register", json={"name": "n", "role": "king"}
    )
    assert "role" in role["error"]
    scopes = await _refused(harness, admin, "POST", f"{url}/keys", json={"scopes": ["root"]})
    assert any("unknown scope 'root'" in d for d in scopes["details"])
    await _refused(
        harness,
        admin,
        "GET",
        f"{url}/diagnostics?section=gossip&privileged=1",
        error="Invalid section: gossip. Expected one of: summary, tasks, errors, activity, "
        "trends, tokens",
    )
    bad_section = await _refused(
        harness, admin, "GET", f"{url}/attribution?section=gossip&privileged=1"
    )
    assert "gossip" in bad_section["error"]
    for hours in ("0", "721", "-1", "abc", str(HUGE)):
        await _refused(
            harness,
            admin,
            "GET",
            f"{url}/attribution?hours={hours}&privileged=1",
            error="Invalid hours. Expected integer 1..720.",
        )


async def test_oversized_strings(
    harness: AppHarness, admin: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    agent = await make_agent("big")
    url = f"/api/agents/{agent['id']}"
    for method, path, body, field in (
        ("POST", "/api/agents", {"name": "n" * 101, "role": "coder"}, "name"),
        ("POST", "/api/agents", {"name": "n", "role": "r" * 101}, "role"),
        ("POST", "/api/agents", {"name": "n", "role": "r", "session_key": "k" * 201}, None),
        ("PUT", url, {"runtime_type": "t" * 65}, "runtime_type"),
        ("POST", "/api/agents/register", {"name": "n", "framework": "f" * 101}, "framework"),
        ("POST", "/api/agents/register", {"name": "n", "capabilities": ["c" * 201]}, None),
        ("POST", "/api/connect", {"tool_name": "t" * 101}, "tool_name"),
        ("POST", f"{url}/keys", {"name": "k" * 101}, "name"),
    ):
        await _refused(
            harness, admin, method, path, json=body, error="Validation failed", detail=field
        )
    too_long_name = await _refused(
        harness, admin, "POST", "/api/agents/register", json={"name": "a" * 64}
    )
    assert too_long_name["error"] == "Validation failed" or "name" in too_long_name["error"]
    big = "s" * (512 * 1024 + 1)
    for method, path, body in (
        ("PUT", f"{url}/soul", {"soul_content": big}),
        ("PUT", f"{url}/memory", {"working_memory": big}),
        ("POST", "/api/agents", {"name": "n", "role": "r", "soul_content": big}),
    ):
        await _refused(
            harness,
            admin,
            method,
            path,
            json=body,
            status=413,
            error="Content exceeds the 512 KiB limit",
        )


async def test_nul_characters_are_refused(
    harness: AppHarness, admin: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    """PostgreSQL text cannot hold NUL: a 400 on both databases, never a 500."""
    agent = await make_agent("clean")
    url = f"/api/agents/{agent['id']}"
    for method, path, body, where in (
        ("POST", "/api/agents", {"name": "a\x00", "role": "coder"}, "name"),
        (
            "POST",
            "/api/agents",
            {"name": "n", "role": "coder", "config": {"k": "\x00"}},
            "config.k",
        ),
        ("PUT", url, {"role": "r\x00"}, "role"),
        ("PUT", "/api/agents", {"name": "clean", "last_activity": "\x00"}, "last_activity"),
        ("PUT", f"{url}/soul", {"soul_content": "\x00"}, "soul_content"),
        ("PUT", f"{url}/memory", {"working_memory": "m\x00"}, "working_memory"),
        ("POST", "/api/agents/register", {"name": "n", "capabilities": ["\x00"]}, "capabilities.0"),
        (
            "POST",
            f"{url}/heartbeat",
            {"token_usage": {"model": "m\x00", "inputTokens": 1, "outputTokens": 1}},
            "token_usage.model",
        ),
        ("POST", f"{url}/keys", {"name": "\x00"}, "name"),
        ("POST", "/api/connect", {"tool_name": "t\x00"}, "tool_name"),
    ):
        await _refused(
            harness,
            admin,
            method,
            path,
            json=body,
            error="Validation failed",
            detail=f"{where} must not contain NUL characters",
        )
    for path in ("/api/agents/clean%00", "/api/agents/%00/soul", "/api/agents/a%00b/heartbeat"):
        await _refused(harness, admin, "GET", path, status=404, error="Agent not found")
    await _refused(harness, admin, "GET", "/api/agents?role=r%00", error="Invalid role")


async def test_ids_names_and_numbers(
    harness: AppHarness, admin: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    """`{id}` is an id or a name: anything that is neither is simply not found."""
    agent = await make_agent("numbered")
    for ref in ("abc", "-1", "0", "1.5", str(2**31), str(HUGE), "%20"):
        for method, suffix, body in (
            ("GET", "", None),
            ("PUT", "", {"role": "x"}),
            ("DELETE", "", None),
            ("GET", "/heartbeat", None),
            ("PUT", "/memory", {"working_memory": "m"}),
            ("GET", "/keys", None),
        ):
            await _refused(
                harness,
                admin,
                method,
                f"/api/agents/{ref}{suffix}",
                json=body,
                status=404,
                error="Agent not found",
            )
    url = f"/api/agents/{agent['id']}"
    for key_id in (HUGE, 2**31, 0, -3):
        await _refused(harness, admin, "DELETE", f"{url}/keys", json={"key_id": key_id})
    await _refused(
        harness,
        admin,
        "POST",
        f"{url}/heartbeat",
        json={"token_usage": {"model": "m", "inputTokens": 1, "outputTokens": 1, "taskId": HUGE}},
        detail="token_usage.taskId",
    )
    await _refused(
        harness,
        admin,
        "POST",
        f"{url}/heartbeat",
        json={"token_usage": {"model": "m", "inputTokens": -1, "outputTokens": 1}},
        detail="token_usage.inputTokens",
    )
    await _refused(harness, admin, "POST", f"{url}/keys", json={"expires_at": HUGE})


async def test_limits_and_offsets(
    harness: AppHarness, viewer: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    for name in ("a1", "a2", "a3"):
        await make_agent(name)
    tiny = (await viewer.get("/api/agents?limit=-1")).json()
    assert tiny["limit"] == 1 and len(tiny["agents"]) == 1 and tiny["total"] == 3
    huge = (await viewer.get(f"/api/agents?limit={HUGE}")).json()
    assert huge["limit"] == 200 and len(huge["agents"]) == 3
    back = (await viewer.get("/api/agents?offset=-7")).json()
    assert len(back["agents"]) == 3 and back["page"] == 1
    far = await viewer.get(f"/api/agents?offset={HUGE}")
    assert far.status_code == 200 and far.json()["agents"] == [] and far.json()["total"] == 3
    await _refused(
        harness, viewer, "GET", "/api/agents?limit=many", error="limit must be an integer"
    )
    await _refused(
        harness, viewer, "GET", "/api/agents?offset=1e3", error="offset must be an integer"
    )


async def test_missing_and_malformed_bodies(
    harness: AppHarness, admin: httpx.AsyncClient, make_agent: MakeAgent
) -> None:
    agent = await make_agent("bodies")
    url = f"/api/agents/{agent['id']}"
    for method, path in (
        ("POST", "/api/agents"),
        ("PUT", "/api/agents"),
        ("PUT", url),
        ("POST", "/api/agents/register"),
        ("PUT", f"{url}/soul"),
        ("PUT", f"{url}/memory"),
        ("POST", "/api/connect"),
    ):
        missing = await _refused(harness, admin, method, path, error="Validation failed")
        assert missing["details"] == ["body: Field required"], (method, path)
        for raw in (b"{nope", b"name=x", b"\xff\xfe", b'{"name": "x"'):
            await _refused(
                harness,
                admin,
                method,
                path,
                content=raw,
                headers={"content-type": "application/json"},
                error="Invalid request body",
            )
        for not_an_object in (["x"], "x", 7):
            await _refused(harness, admin, method, path, json=not_an_object)
    for path in (f"{url}/keys", "/api/connect"):
        no_body = await _refused(harness, admin, "DELETE", path)
        assert "body required" in no_body["error"].lower()
    not_json = await _refused(
        harness,
        admin,
        "POST",
        f"{url}/heartbeat",
        content=b"{beat",
        headers={"content-type": "application/json"},
    )
    assert not_json == {"error": "Invalid request body"}


async def test_other_workspace_rows_are_404(
    harness: AppHarness, admin: httpx.AsyncClient, make_agent: MakeAgent, other_workspace: int
) -> None:
    foreign = await make_agent("foreign", workspace_id=other_workspace, soul_content="theirs")
    for ref in (str(foreign["id"]), "foreign"):
        url = f"/api/agents/{ref}"
        for method, suffix, body in (
            ("GET", "", None),
            ("PUT", "", {"role": "x"}),
            ("DELETE", "", None),
            ("GET", "/soul", None),
            ("PUT", "/soul", {"soul_content": "mine now"}),
            ("GET", "/memory", None),
            ("PUT", "/memory", {"working_memory": "m", "append": True}),
            ("POST", "/hide", None),
            ("DELETE", "/hide", None),
            ("GET", "/heartbeat", None),
            ("POST", "/heartbeat", {}),
            ("GET", "/keys", None),
            ("POST", "/keys", {}),
            ("DELETE", "/keys", {"key_id": 1}),
            ("GET", "/attribution?privileged=1", None),
            ("GET", "/diagnostics?privileged=1", None),
        ):
            await _refused(
                harness,
                admin,
                method,
                f"{url}{suffix}",
                json=body,
                status=404,
                error="Agent not found",
            )
    await _refused(
        harness,
        admin,
        "PUT",
        "/api/agents",
        json={"name": "foreign", "status": "busy"},
        status=404,
    )
    listed = (await admin.get("/api/agents?show_hidden=1")).json()
    assert listed["agents"] == [] and listed["total"] == 0
    row = (await rows(harness, sa.select(agents).where(agents.c.id == foreign["id"])))[0]
    assert row["soul_content"] == "theirs" and row["status"] == "offline"
