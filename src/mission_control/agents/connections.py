"""Direct connections: a CLI or tool attaches to an agent (created on demand) and detaches."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.agents.access import ensure_own_agent, ensure_own_agent_name
from mission_control.agents.service import (
    NAME_RE,
    announce,
    announce_status,
    close_connections,
    find_agent,
    get_agent,
    insert_agent,
    public_agent,
)
from mission_control.db.tables import agents, connections
from mission_control.errors import BadRequest, NotFound
from mission_control.security.actor import Actor

LIST_LIMIT = 200
_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def default_agent_name(tool_name: str) -> str:
    """An agent name derived from the tool's name (`Claude Code` → `claude-code`)."""
    name = _NAME_CHARS.sub("-", tool_name.strip().lower()).strip("-._")[:63]
    return name or "agent"


def public_connection(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "connection_id": row["connection_id"],
        "agent_id": row["agent_id"],
        "agent_name": row["agent_name"],
        "tool_name": row["tool_name"],
        "tool_version": row["tool_version"],
        "status": row["status"],
        "metadata": row["metadata"] if isinstance(row["metadata"], dict) else {},
        "created_at": row["created_at"],
        "last_heartbeat_at": row["last_heartbeat_at"],
        "disconnected_at": row["disconnected_at"],
    }


def _set_status(
    conn: Connection, actor_name: str, agent: dict[str, Any], status: str, now: int
) -> None:
    previous = agent["status"]
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if status != "offline":
        values["last_seen"] = now
    conn.execute(sa.update(agents).where(agents.c.id == agent["id"]).values(**values))
    if previous != status:
        announce_status(conn, actor_name, public_agent({**agent, **values}, full=False), previous)


def connect(
    conn: Connection,
    actor: Actor,
    *,
    tool_name: str,
    tool_version: str | None,
    agent_name: str | None,
    agent_role: str | None,
    metadata: dict[str, Any] | None,
) -> dict[str, Any]:
    """Attach a tool to its agent (creating the agent if needed) and mark the agent online.

    The agent's earlier live connections are closed: one live connection per agent.
    """
    name = (agent_name or "").strip() or (
        actor.agent_name
        if actor.is_agent_key and actor.agent_name
        else default_agent_name(tool_name)
    )
    if not NAME_RE.match(name):
        raise BadRequest("Invalid agent_name. Expected ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
    ensure_own_agent_name(actor, name)
    now = int(time.time())
    agent = find_agent(conn, actor.workspace_id, name)
    if agent is None or agent["name"] != name:
        agent = insert_agent(
            conn,
            actor.workspace_id,
            {
                "name": name,
                "role": (agent_role or "agent").strip(),
                "status": "offline",
                "config": {"tool_name": tool_name, "tool_version": tool_version},
                "source": "direct",
            },
        )
        announce(
            conn,
            actor.display_name,
            public_agent(agent),
            event="agent.created",
            activity="agent_created",
            description=f"Agent {name} created by a direct connection from {tool_name}",
            data={"role": agent["role"], "tool_name": tool_name},
        )
    close_connections(conn, agent["id"], now)
    connection_id = secrets.token_hex(16)
    conn.execute(
        sa.insert(connections).values(
            connection_id=connection_id,
            agent_id=agent["id"],
            agent_name=name,
            tool_name=tool_name.strip(),
            tool_version=tool_version,
            status="connected",
            metadata=metadata or {},
            workspace_id=actor.workspace_id,
            created_at=now,
            last_heartbeat_at=now,
        )
    )
    _set_status(conn, actor.display_name, agent, "online", now)
    return {
        "connection_id": connection_id,
        "agent_id": agent["id"],
        "agent_name": name,
        "status": "connected",
        "sse_url": "/api/events",
        "heartbeat_url": f"/api/agents/{agent['id']}/heartbeat",
        "token_report_url": "/api/tokens",
    }


def list_connections(conn: Connection, actor: Actor) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(connections)
        .where(connections.c.workspace_id == actor.workspace_id)
        .order_by(connections.c.created_at.desc(), connections.c.id.desc())
        .limit(LIST_LIMIT)
    ).mappings()
    return [public_connection(r) for r in rows]


def disconnect(conn: Connection, actor: Actor, connection_id: str) -> dict[str, Any]:
    """Close a connection and set its agent `offline`."""
    row = (
        conn.execute(
            sa.select(connections).where(
                connections.c.connection_id == connection_id,
                connections.c.workspace_id == actor.workspace_id,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("Connection not found")
    ensure_own_agent(actor, {"id": row["agent_id"]})
    now = int(time.time())
    if row["status"] == "connected":
        conn.execute(
            sa.update(connections)
            .where(connections.c.id == row["id"])
            .values(status="disconnected", disconnected_at=now)
        )
        agent = get_agent(conn, actor.workspace_id, row["agent_id"])
        _set_status(conn, actor.display_name, agent, "offline", now)
    return {"status": "disconnected", "connection_id": connection_id}
