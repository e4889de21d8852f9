"""The tools: agents, heartbeat, working memory, tasks, the queue, comments, costs, health."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from mission_control import __version__
from mission_control.mcp_server.api import MissionControlApi

INSTRUCTIONS = (
    "Mission Control tracks agents and their tasks. As an agent: send `heartbeat` regularly, "
    "call `poll_queue` to claim your next task, keep notes in working memory, comment on "
    "tasks, and move tasks through their statuses with `update_task` (moving to done needs "
    "an approved review)."
)

Agent = Annotated[str, Field(description="The agent's name (or numeric id).")]
TaskId = Annotated[int, Field(description="The task's numeric id.", ge=1)]


def _agent_path(agent: str, tail: str = "") -> str:
    return f"/api/agents/{quote(agent, safe='')}{tail}"


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def build_server(api: MissionControlApi) -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer(
        name="mission-control", version=__version__, instructions=INSTRUCTIONS
    )

    @server.tool()
    async def list_agents(
        status: Annotated[
            str | None, Field(description="offline, idle, busy, sleeping, error or online")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=200, description="Most agents to return.")] = 50,
    ) -> dict[str, Any]:
        """List the agents Mission Control knows, newest first, with their status and task counts."""
        result: dict[str, Any] = await api.call(
            "GET", "/api/agents", params={"status": status, "limit": limit}
        )
        return result

    @server.tool()
    async def get_agent(agent: Agent) -> dict[str, Any]:
        """Get one agent: role, status, last seen, config."""
        result: dict[str, Any] = await api.call("GET", _agent_path(agent))
        return result

    @server.tool()
    async def heartbeat(
        agent: Agent,
        model: Annotated[
            str | None, Field(description="Report token usage for this model.")
        ] = None,
        input_tokens: Annotated[
            int, Field(ge=0, description="Input tokens used since the last heartbeat.")
        ] = 0,
        output_tokens: Annotated[
            int, Field(ge=0, description="Output tokens used since the last heartbeat.")
        ] = 0,
    ) -> dict[str, Any]:
        """Tell Mission Control the agent is alive; answers with assigned tasks and unread notifications."""
        body = None
        if model:
            body = {
                "token_usage": {
                    "model": model,
                    "inputTokens": input_tokens,
                    "outputTokens": output_tokens,
                }
            }
        result: dict[str, Any] = await api.call("POST", _agent_path(agent, "/heartbeat"), json=body)
        return result

    @server.tool()
    async def read_memory(agent: Agent) -> dict[str, Any]:
        """Read the agent's working memory (its scratchpad kept between sessions)."""
        result: dict[str, Any] = await api.call("GET", _agent_path(agent, "/memory"))
        return result

    @server.tool()
    async def write_memory(
        agent: Agent,
        content: Annotated[str, Field(description="Text to store (at most 512 KiB in total).")],
        append: Annotated[bool, Field(description="Append instead of replacing.")] = False,
    ) -> dict[str, Any]:
        """Replace or append to the agent's working memory."""
        result: dict[str, Any] = await api.call(
            "PUT", _agent_path(agent, "/memory"), json={"working_memory": content, "append": append}
        )
        return result

    @server.tool()
    async def list_tasks(
        status: Annotated[
            str | None,
            Field(
                description="backlog, inbox, assigned, in_progress, review, quality_review, done or failed"
            ),
        ] = None,
        assigned_to: Annotated[
            str | None, Field(description="Only tasks of this agent or user.")
        ] = None,
        priority: Annotated[str | None, Field(description="critical, high, medium or low")] = None,
        limit: Annotated[int, Field(ge=1, le=200, description="Most tasks to return.")] = 50,
    ) -> dict[str, Any]:
        """List tasks, newest first, optionally filtered."""
        result: dict[str, Any] = await api.call(
            "GET",
            "/api/tasks",
            params={
                "status": status,
                "assigned_to": assigned_to,
                "priority": priority,
                "limit": limit,
            },
        )
        return result

    @server.tool()
    async def get_task(task_id: TaskId) -> dict[str, Any]:
        """Get one task with its description, status, assignee and ticket reference."""
        result: dict[str, Any] = await api.call("GET", f"/api/tasks/{task_id}")
        return result

    @server.tool()
    async def create_task(
        title: Annotated[str, Field(min_length=1, max_length=500, description="What needs doing.")],
        description: Annotated[
            str | None, Field(description="Details; @name mentions notify people and agents.")
        ] = None,
        priority: Annotated[
            str | None, Field(description="critical, high, medium (default) or low")
        ] = None,
        assigned_to: Annotated[str | None, Field(description="Agent or user to assign.")] = None,
        project_id: Annotated[
            int | None, Field(description="Project id (default: General).")
        ] = None,
        tags: Annotated[list[str] | None, Field(description="Labels.")] = None,
    ) -> dict[str, Any]:
        """Create a task (inbox, or assigned when assigned_to is set); answers with its id and ticket."""
        result: dict[str, Any] = await api.call(
            "POST",
            "/api/tasks",
            json=_compact(
                {
                    "title": title,
                    "description": description,
                    "priority": priority,
                    "assigned_to": assigned_to,
                    "project_id": project_id,
                    "tags": tags,
                }
            ),
        )
        return result

    @server.tool()
    async def update_task(
        task_id: TaskId,
        status: Annotated[
            str | None, Field(description="New status; done needs an approved review.")
        ] = None,
        priority: Annotated[str | None, Field(description="New priority.")] = None,
        assigned_to: Annotated[str | None, Field(description="New assignee.")] = None,
        title: Annotated[str | None, Field(description="New title.")] = None,
        description: Annotated[str | None, Field(description="New description.")] = None,
        error_message: Annotated[str | None, Field(description="Why the task failed.")] = None,
        resolution: Annotated[str | None, Field(description="How the task was resolved.")] = None,
    ) -> dict[str, Any]:
        """Change a task: move it, reassign it, record its outcome."""
        body = _compact(
            {
                "status": status,
                "priority": priority,
                "assigned_to": assigned_to,
                "title": title,
                "description": description,
                "error_message": error_message,
                "resolution": resolution,
            }
        )
        result: dict[str, Any] = await api.call("PUT", f"/api/tasks/{task_id}", json=body)
        return result

    @server.tool()
    async def poll_queue(
        agent: Agent,
        max_capacity: Annotated[
            int, Field(ge=1, le=20, description="Tasks the agent may have in progress.")
        ] = 1,
    ) -> dict[str, Any]:
        """Claim the agent's next task (atomically) or get the one in progress; reason says which."""
        result: dict[str, Any] = await api.call(
            "GET", "/api/tasks/queue", params={"agent": agent, "max_capacity": max_capacity}
        )
        return result

    @server.tool()
    async def list_comments(task_id: TaskId) -> dict[str, Any]:
        """A task's comments, threaded (each with its replies)."""
        result: dict[str, Any] = await api.call("GET", f"/api/tasks/{task_id}/comments")
        return result

    @server.tool()
    async def add_comment(
        task_id: TaskId,
        content: Annotated[
            str, Field(min_length=1, description="The comment; @name mentions notify.")
        ],
        parent_id: Annotated[int | None, Field(description="Reply to this comment id.")] = None,
    ) -> dict[str, Any]:
        """Comment on a task (or reply to a comment)."""
        result: dict[str, Any] = await api.call(
            "POST",
            f"/api/tasks/{task_id}/comments",
            json=_compact({"content": content, "parent_id": parent_id}),
        )
        return result

    @server.tool()
    async def token_stats(
        timeframe: Annotated[str, Field(description="hour, day, week, month or all")] = "day",
    ) -> dict[str, Any]:
        """Token usage and cost by model, session and agent."""
        result: dict[str, Any] = await api.call(
            "GET", "/api/tokens", params={"action": "stats", "timeframe": timeframe}
        )
        return result

    @server.tool()
    async def health() -> dict[str, Any]:
        """Is Mission Control up, with its version and checks."""
        result: dict[str, Any] = await api.call("GET", "/api/status", params={"action": "health"})
        return result

    @server.tool()
    async def dashboard() -> dict[str, Any]:
        """Counts for the dashboard: tasks by status, agents by status, recent failures."""
        result: dict[str, Any] = await api.call(
            "GET", "/api/status", params={"action": "dashboard"}
        )
        return result

    return server


async def serve_stdio() -> None:
    api = MissionControlApi.from_env()
    try:
        await build_server(api).run_stdio_async()
    finally:
        await api.close()
