"""The one rule for agent keys: without the `admin` scope a key acts only for its own agent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mission_control.errors import Forbidden
from mission_control.security.actor import Actor

AGENT_KEY_DENIED = "Access denied: agent key may only access its own tasks."
AGENT_HEADER_MISMATCH = "Access denied: X-Agent-Name does not match the agent key."
AGENT_NAME_HEADER = "x-agent-name"


def may_act_for(
    actor: Actor, *, agent_id: int | None = None, agent_name: str | None = None
) -> bool:
    """True unless `actor` is a restricted agent key and the agent is not its own."""
    if not actor.agent_restricted:
        return True
    if agent_id is not None:
        return actor.agent_id == agent_id
    return agent_name is not None and actor.agent_name == agent_name


def ensure_own_agent(actor: Actor, agent: Mapping[str, Any]) -> None:
    """403 when a restricted agent key reaches for another agent's row."""
    if not may_act_for(actor, agent_id=int(agent["id"])):
        raise Forbidden(AGENT_KEY_DENIED)


def ensure_own_agent_name(actor: Actor, agent_name: str | None) -> None:
    """403 when a restricted agent key names an agent other than its own (queue, tasks)."""
    if not may_act_for(actor, agent_name=agent_name):
        raise Forbidden(AGENT_KEY_DENIED)


def caller_agent_name(actor: Actor, header_value: str | None) -> str | None:
    """The `X-Agent-Name` label of a request; with an agent key it must name the key's agent.

    An agent key that sends no header is labelled with its own agent's name.
    """
    name = (header_value or "").strip() or None
    if actor.is_agent_key:
        if name is not None and name != actor.agent_name:
            raise Forbidden(AGENT_HEADER_MISMATCH)
        return actor.agent_name
    return name


def is_self(actor: Actor, agent: Mapping[str, Any], caller_name: str | None) -> bool:
    """The request comes from the agent itself: its own key, or `X-Agent-Name` naming it."""
    if actor.is_agent_key:
        return actor.agent_id == int(agent["id"])
    return caller_name is not None and caller_name == agent["name"]
