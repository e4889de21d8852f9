"""What an agent key may touch among tasks: only its own agent's, unless it has `admin` scope."""

from __future__ import annotations

from typing import Any

from mission_control.errors import Forbidden
from mission_control.security.actor import Actor

OWN_TASKS_ONLY = "Access denied: agent key may only access its own tasks."


def check_agent(actor: Actor, agent_name: str) -> None:
    """403 when a restricted agent key acts for another agent."""
    if actor.agent_restricted and agent_name != actor.agent_name:
        raise Forbidden(OWN_TASKS_ONLY)


def check_task(actor: Actor, task: dict[str, Any]) -> None:
    """403 when a restricted agent key reaches a task that is not assigned to its agent."""
    if actor.agent_restricted and task.get("assigned_to") != actor.agent_name:
        raise Forbidden(OWN_TASKS_ONLY)


def visible_assignee(actor: Actor, requested: str | None) -> str | None:
    """The `assigned_to` filter a list must use: a restricted agent key sees only its own."""
    if not actor.agent_restricted:
        return requested
    if requested is not None:
        check_agent(actor, requested)
    return actor.agent_name
