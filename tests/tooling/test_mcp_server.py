"""The MCP server, driven over stdio by the SDK's own client, against a real server."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.conftest import TEST_API_KEY
from tests.server import ServerProcess

SRC = Path(__file__).resolve().parents[2] / "src"
EXPECTED_TOOLS = {
    "list_agents",
    "get_agent",
    "heartbeat",
    "read_memory",
    "write_memory",
    "list_tasks",
    "get_task",
    "create_task",
    "update_task",
    "poll_queue",
    "list_comments",
    "add_comment",
    "token_stats",
    "health",
    "dashboard",
}


@asynccontextmanager
async def mcp_session(url: str, key: str = TEST_API_KEY) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "mission_control", "mcp"],
        env={
            "MC_URL": url,
            "MC_API_KEY": key,
            "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        },
    )
    with open(os.devnull, "w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


def _payload(result: Any) -> Any:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


def _error_text(result: Any) -> str:
    assert result.is_error
    return " ".join(getattr(block, "text", "") for block in result.content)


async def test_tools_are_listed_with_schemas(live_server: ServerProcess) -> None:
    async with mcp_session(live_server.base_url) as session:
        tools = (await session.list_tools()).tools
    assert {t.name for t in tools} == EXPECTED_TOOLS
    for tool in tools:
        assert tool.description and len(tool.description) > 20, tool.name
        assert tool.input_schema["type"] == "object"
    create = next(t for t in tools if t.name == "create_task")
    assert create.input_schema["required"] == ["title"]
    assert "description" in create.input_schema["properties"]["priority"]


async def test_every_tool_against_the_server(live_server: ServerProcess) -> None:
    headers = {"X-API-Key": TEST_API_KEY}
    async with httpx.AsyncClient(base_url=live_server.base_url, headers=headers) as http:
        assert (
            await http.post("/api/agents", json={"name": "mcp-agent", "role": "coder"})
        ).status_code == 201
    async with mcp_session(live_server.base_url) as session:
        call = session.call_tool
        assert _payload(await call("health", {}))["status"] == "ok"
        assert "agents" in json.dumps(_payload(await call("dashboard", {})))
        agents = _payload(await call("list_agents", {}))["agents"]
        assert [a["name"] for a in agents] == ["mcp-agent"]
        assert _payload(await call("get_agent", {"agent": "mcp-agent"}))["agent"]["role"] == "coder"
        beat = _payload(
            await call(
                "heartbeat",
                {
                    "agent": "mcp-agent",
                    "model": "claude-sonnet",
                    "input_tokens": 10,
                    "output_tokens": 5,
                },
            )
        )
        assert beat["agent"] == "mcp-agent"
        await call("write_memory", {"agent": "mcp-agent", "content": "line one"})
        await call("write_memory", {"agent": "mcp-agent", "content": "\nline two", "append": True})
        memory = _payload(await call("read_memory", {"agent": "mcp-agent"}))
        assert "line one" in json.dumps(memory) and "line two" in json.dumps(memory)
        task = _payload(await call("create_task", {"title": "From MCP", "priority": "high"}))[
            "task"
        ]
        assert (
            _payload(await call("get_task", {"task_id": task["id"]}))["task"]["title"] == "From MCP"
        )
        listed = _payload(await call("list_tasks", {"priority": "high"}))["tasks"]
        assert [t["id"] for t in listed] == [task["id"]]
        claim = _payload(await call("poll_queue", {"agent": "mcp-agent"}))
        assert claim["reason"] == "assigned" and claim["task"]["id"] == task["id"]
        comment = _payload(await call("add_comment", {"task_id": task["id"], "content": "hi"}))
        thread = _payload(await call("list_comments", {"task_id": task["id"]}))
        assert thread["comments"][0]["id"] == comment["comment"]["id"]
        moved = _payload(await call("update_task", {"task_id": task["id"], "status": "review"}))
        assert moved["task"]["status"] == "review"
        assert "summary" in _payload(await call("token_stats", {"timeframe": "all"}))
        # API refusals come back as tool errors the model can read, not as crashes.
        refused = await call("update_task", {"task_id": task["id"], "status": "done"})
        assert "Aegis approval" in _error_text(refused)
        missing = await call("get_task", {"task_id": 999999})
        assert "404" in _error_text(missing)
        unknown = await call("no_such_tool", {})
        assert unknown.is_error
        # The session still works after errors.
        assert _payload(await call("health", {}))["status"] == "ok"


async def test_server_down_and_bad_key_are_tool_errors(
    live_server: ServerProcess, dead_url: str
) -> None:
    async with mcp_session(dead_url) as session:
        result = await session.call_tool("list_tasks", {})
        assert "unreachable" in _error_text(result)
    async with mcp_session(live_server.base_url, key="not-a-key") as session:
        result = await session.call_tool("list_tasks", {})
        assert "401" in _error_text(result)
