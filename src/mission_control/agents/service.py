"""The agent registry: lookups, listing with task stats, changes, registration, the offline sweep.

Every change logs an activity and publishes an `agent.*` event in the caller's transaction.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from mission_control.activities.service import log_activity
from mission_control.agents.access import ensure_own_agent
from mission_control.agents.schemas import MAX_TEXT_BYTES
from mission_control.bodies import ROW_ID_MAX
from mission_control.db.prepared import Prepared
from mission_control.db.rows import inserted_id
from mission_control.db.tables import agents, connections, tasks
from mission_control.errors import BadRequest, Conflict, NotFound, PayloadTooLarge
from mission_control.events.bus import publish
from mission_control.security.actor import Actor

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
AGENT_NOT_FOUND = "Agent not found"
STAT_STATUSES = ("assigned", "in_progress", "quality_review", "done")
# Columns every agent object carries; the large text fields are added for single objects.
_SUMMARY_COLUMNS = [c for c in agents.c if c.name not in ("soul_content", "working_memory")]


def public_agent(row: Mapping[Any, Any], *, full: bool = True) -> dict[str, Any]:
    """The agent as the API shows it: `config` always an object, `hidden` a boolean."""
    config = row.get("config")
    agent = {
        "id": row["id"],
        "name": row["name"],
        "role": row["role"],
        "status": row["status"],
        "session_key": row.get("session_key"),
        "last_seen": row.get("last_seen"),
        "last_activity": row.get("last_activity"),
        "config": config if isinstance(config, dict) else {},
        "runtime_type": row.get("runtime_type"),
        "hidden": bool(row.get("hidden")),
        "source": row.get("source") or "manual",
        "workspace_id": row["workspace_id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
    if full:
        agent["soul_content"] = row.get("soul_content")
        agent["working_memory"] = row.get("working_memory")
    return agent


def event_agent(agent: Mapping[str, Any]) -> dict[str, Any]:
    """What `agent.*` events carry: the agent without its large text fields."""
    return {k: v for k, v in agent.items() if k not in ("soul_content", "working_memory")}


def text_size_ok(value: str | None) -> None:
    if value is not None and len(value.encode("utf-8")) > MAX_TEXT_BYTES:
        raise PayloadTooLarge("Content exceeds the 512 KiB limit")


def find_agent(conn: Connection, workspace_id: int, ref: str | int) -> dict[str, Any] | None:
    """The agent with id or name `ref` in the workspace; an id wins over a numeric name."""
    scope = agents.c.workspace_id == workspace_id
    text = str(ref).strip()
    if text.isdigit() and len(text) < 12 and 0 < int(text) <= ROW_ID_MAX:
        row = conn.execute(sa.select(agents).where(scope, agents.c.id == int(text))).mappings()
        found = row.first()
        if found is not None:
            return dict(found)
    if not text or len(text) > 100 or _CONTROL_RE.search(text):
        return None  # names with control characters are refused, so none can match
    found = conn.execute(sa.select(agents).where(scope, agents.c.name == text)).mappings().first()
    return dict(found) if found is not None else None


def get_agent(conn: Connection, workspace_id: int, ref: str | int) -> dict[str, Any]:
    agent = find_agent(conn, workspace_id, ref)
    if agent is None:
        raise NotFound(AGENT_NOT_FOUND)
    return agent


def agent_for(conn: Connection, actor: Actor, ref: str | int) -> dict[str, Any]:
    """The agent `ref` in the actor's workspace, which a restricted agent key must own."""
    agent = get_agent(conn, actor.workspace_id, ref)
    ensure_own_agent(actor, agent)
    return agent


def read_agent(conn: Connection, actor: Actor, ref: str) -> dict[str, Any]:
    return public_agent(get_agent(conn, actor.workspace_id, ref))


@functools.lru_cache(maxsize=64)
def _task_stats_query(names: int) -> Prepared:
    """Task counts per assignee and status for `names` agents (one statement per page size:
    an IN list of plain parameters, which a prepared statement can hold)."""
    wanted: list[sa.BindParameter[Any]] = [sa.bindparam(f"name_{n}") for n in range(names)]
    return Prepared(
        sa.select(tasks.c.assigned_to, tasks.c.status, sa.func.count())
        .where(
            tasks.c.workspace_id == sa.bindparam("workspace_id"), tasks.c.assigned_to.in_(wanted)
        )
        .group_by(tasks.c.assigned_to, tasks.c.status)
    )


def task_stats(
    conn: Connection, workspace_id: int, names: Iterable[str]
) -> dict[str, dict[str, int]]:
    """Task counts per assignee for many agents, from one grouped query."""
    wanted = list(dict.fromkeys(names))
    stats = {name: dict.fromkeys(("total", *STAT_STATUSES, "completed"), 0) for name in wanted}
    if not wanted:
        return stats
    params: dict[str, Any] = {f"name_{n}": name for n, name in enumerate(wanted)}
    params["workspace_id"] = workspace_id
    rows = _task_stats_query(len(wanted)).all(conn, params)
    for assignee, status, count in rows:
        entry = stats[assignee]
        entry["total"] += count
        if status in entry:
            entry[status] += count
    for entry in stats.values():
        entry["completed"] = entry["done"]
    return stats


@functools.cache
def _list_queries(by_status: bool, by_role: bool, show_hidden: bool) -> tuple[Prepared, Prepared]:
    """Count and page statements for one combination of filters, built once."""
    where = [agents.c.workspace_id == sa.bindparam("workspace_id")]
    if by_status:
        where.append(agents.c.status == sa.bindparam("status"))
    if by_role:
        where.append(agents.c.role == sa.bindparam("role"))
    if not show_hidden:
        where.append(agents.c.hidden == sa.false())
    count = sa.select(sa.func.count()).select_from(agents).where(*where)
    page = (
        sa.select(*_SUMMARY_COLUMNS)
        .where(*where)
        .order_by(agents.c.created_at.desc(), agents.c.id.desc())
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("offset", type_=sa.Integer))
    )
    return Prepared(count), Prepared(page)


def list_agents(
    conn: Connection,
    workspace_id: int,
    *,
    status: str | None,
    role: str | None,
    show_hidden: bool,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of agents, newest first, each with `taskStats`; and the total."""
    params: dict[str, Any] = {"workspace_id": workspace_id, "status": status, "role": role}
    count, page = _list_queries(bool(status), bool(role), show_hidden)
    total = count.scalar(conn, params)
    rows = page.mappings(conn, {**params, "limit": limit, "offset": offset})
    items = [public_agent(row, full=False) for row in rows]
    stats = task_stats(conn, workspace_id, (item["name"] for item in items))
    for item in items:
        item["taskStats"] = stats[item["name"]]
    return items, int(total or 0)


def announce(
    conn: Connection,
    actor_name: str,
    agent: dict[str, Any],
    *,
    event: str,
    activity: str,
    description: str,
    data: dict[str, Any] | None = None,
) -> None:
    log_activity(
        conn,
        type=activity,
        entity_type="agent",
        entity_id=agent["id"],
        actor=actor_name,
        description=description,
        data={"name": agent["name"], **(data or {})},
        workspace_id=agent["workspace_id"],
    )
    publish(conn, agent["workspace_id"], event, event_agent(agent))


def announce_status(
    conn: Connection, actor_name: str, agent: dict[str, Any], previous: str
) -> None:
    """Activity `agent_status_change` and event `agent.status_changed`."""
    announce(
        conn,
        actor_name,
        agent,
        event="agent.status_changed",
        activity="agent_status_change",
        description=f"Agent {agent['name']} is now {agent['status']} (was {previous})",
        data={"status": agent["status"], "previous_status": previous},
    )


def clean_name(raw: str | None) -> str:
    name = (raw or "").strip()
    if _CONTROL_RE.search(name):
        raise BadRequest("Agent name must not contain control characters")
    return name


def insert_agent(conn: Connection, workspace_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Insert a new agent row; 409 when the name is taken in the workspace."""
    scope = (agents.c.workspace_id == workspace_id, agents.c.name == values["name"])
    if conn.execute(sa.select(agents.c.id).where(*scope)).first() is not None:
        raise Conflict("Agent name already exists")
    now = int(time.time())
    row = {"workspace_id": workspace_id, "created_at": now, "updated_at": now, **values}
    try:
        with conn.begin_nested():
            agent_id = inserted_id(conn.execute(sa.insert(agents).values(**row)))
    except IntegrityError:  # a concurrent insert of the same name won
        raise Conflict("Agent name already exists") from None
    return get_agent(conn, workspace_id, agent_id)


def create_agent(conn: Connection, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
    text_size_ok(fields.get("soul_content"))
    agent = insert_agent(conn, actor.workspace_id, {**fields, "source": "manual"})
    public = public_agent(agent)
    announce(
        conn,
        actor.display_name,
        public,
        event="agent.created",
        activity="agent_created",
        description=f"Created agent {agent['name']} ({agent['role']})",
        data={"role": agent["role"], "status": agent["status"]},
    )
    return public


def apply_changes(
    conn: Connection, actor: Actor, agent: dict[str, Any], changes: dict[str, Any]
) -> dict[str, Any]:
    """Write `changes` (config merged into the stored config) and announce them."""
    if not changes:
        raise BadRequest("No fields to update")
    text_size_ok(changes.get("soul_content"))
    values = dict(changes)
    if "config" in values:
        current = agent["config"] if isinstance(agent.get("config"), dict) else {}
        values["config"] = {**current, **(values["config"] or {})}
    now = int(time.time())
    values["updated_at"] = now
    if "status" in values and values["status"] != "offline":
        values["last_seen"] = now
    conn.execute(sa.update(agents).where(agents.c.id == agent["id"]).values(**values))
    updated = public_agent(get_agent(conn, agent["workspace_id"], agent["id"]))
    changed = sorted(changes)
    announce(
        conn,
        actor.display_name,
        updated,
        event="agent.updated",
        activity="agent_updated",
        description=f"Updated agent {agent['name']}: {', '.join(changed)}",
        data={"fields": changed},
    )
    if "status" in changes and changes["status"] != agent["status"]:
        announce_status(conn, actor.display_name, updated, agent["status"])
    return updated


def update_agent(
    conn: Connection, actor: Actor, ref: str, changes: dict[str, Any]
) -> dict[str, Any]:
    return apply_changes(conn, actor, agent_for(conn, actor, ref), changes)


def update_by_name(conn: Connection, actor: Actor, name: str, changes: dict[str, Any]) -> None:
    row = (
        conn.execute(
            sa.select(agents).where(
                agents.c.workspace_id == actor.workspace_id, agents.c.name == name
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(AGENT_NOT_FOUND)
    agent = dict(row)
    ensure_own_agent(actor, agent)
    apply_changes(conn, actor, agent, changes)


def delete_agent(conn: Connection, actor: Actor, ref: str) -> str:
    agent = agent_for(conn, actor, ref)
    conn.execute(sa.delete(agents).where(agents.c.id == agent["id"]))
    announce(
        conn,
        actor.display_name,
        public_agent(agent),
        event="agent.deleted",
        activity="agent_deleted",
        description=f"Deleted agent {agent['name']}",
    )
    return str(agent["name"])


def set_hidden(conn: Connection, actor: Actor, ref: str, hidden: bool) -> dict[str, Any]:
    agent = agent_for(conn, actor, ref)
    if bool(agent["hidden"]) == hidden:
        return public_agent(agent)
    conn.execute(
        sa.update(agents)
        .where(agents.c.id == agent["id"])
        .values(hidden=hidden, updated_at=int(time.time()))
    )
    updated = public_agent(get_agent(conn, actor.workspace_id, agent["id"]))
    announce(
        conn,
        actor.display_name,
        updated,
        event="agent.updated",
        activity="agent_updated",
        description=f"{'Hid' if hidden else 'Unhid'} agent {agent['name']}",
        data={"fields": ["hidden"], "hidden": hidden},
    )
    return updated


def register_agent(
    conn: Connection,
    actor: Actor,
    *,
    name: str,
    role: str,
    capabilities: list[str] | None,
    framework: str | None,
) -> tuple[dict[str, Any], bool]:
    """Self-registration: a new agent starts `idle`; a known one is refreshed to `idle`."""
    extra: dict[str, Any] = {}
    if capabilities is not None:
        extra["capabilities"] = capabilities
    if framework is not None:
        extra["framework"] = framework
    now = int(time.time())
    existing = find_agent(conn, actor.workspace_id, name)
    if existing is not None and existing["name"] == name:
        ensure_own_agent(actor, existing)
        previous = existing["status"]
        status = "busy" if previous == "busy" else "idle"
        config = existing["config"] if isinstance(existing.get("config"), dict) else {}
        conn.execute(
            sa.update(agents)
            .where(agents.c.id == existing["id"])
            .values(status=status, last_seen=now, config={**config, **extra}, updated_at=now)
        )
        agent = public_agent(get_agent(conn, actor.workspace_id, existing["id"]))
        if extra:
            announce(
                conn,
                actor.display_name,
                agent,
                event="agent.updated",
                activity="agent_updated",
                description=f"Agent {name} registered again",
                data={"fields": sorted(extra)},
            )
        if status != previous:
            announce_status(conn, actor.display_name, agent, previous)
        return agent, False
    row = insert_agent(
        conn,
        actor.workspace_id,
        {
            "name": name,
            "role": role,
            "status": "idle",
            "last_seen": now,
            "config": extra,
            "source": "self_registered",
        },
    )
    agent = public_agent(row)
    announce(
        conn,
        actor.display_name,
        agent,
        event="agent.created",
        activity="agent_created",
        description=f"Agent {name} registered itself ({role})",
        data={"role": role, "registered": True},
    )
    return agent, True


def read_text(conn: Connection, actor: Actor, ref: str, field: str) -> dict[str, Any]:
    agent = get_agent(conn, actor.workspace_id, ref)
    content = agent[field]
    return {
        "agent": {"id": agent["id"], "name": agent["name"]},
        field: content,
        "size": len(content.encode("utf-8")) if content else 0,
        "updated_at": agent["updated_at"],
    }


def write_text(
    conn: Connection, actor: Actor, ref: str, field: str, content: str | None, *, append: bool
) -> dict[str, Any]:
    """Replace (or append to) the agent's soul or working memory; > 512 KiB is refused."""
    agent = agent_for(conn, actor, ref)
    current = agent[field] or ""
    if append and current and content:
        content = current + ("" if current.endswith("\n") else "\n") + content
    elif append:
        content = current + (content or "")
    text_size_ok(content)
    now = int(time.time())
    conn.execute(
        sa.update(agents)
        .where(agents.c.id == agent["id"])
        .values({field: content, "updated_at": now})
    )
    updated = public_agent(get_agent(conn, actor.workspace_id, agent["id"]))
    label = "soul" if field == "soul_content" else "working memory"
    announce(
        conn,
        actor.display_name,
        updated,
        event="agent.updated",
        activity="agent_updated",
        description=f"Updated the {label} of agent {agent['name']}",
        data={"fields": [field], "append": append},
    )
    return {
        "success": True,
        "agent": {"id": agent["id"], "name": agent["name"]},
        field: content,
        "size": len(content.encode("utf-8")) if content else 0,
        "updated_at": now,
    }


def close_connections(conn: Connection, agent_id: int, now: int) -> None:
    """Close every open direct connection of an agent."""
    conn.execute(
        sa.update(connections)
        .where(connections.c.agent_id == agent_id, connections.c.status == "connected")
        .values(status="disconnected", disconnected_at=now)
    )


def sweep_offline(conn: Connection, now: int, timeout_minutes: int) -> list[dict[str, Any]]:
    """Mark agents `offline` whose last sign of life is older than the timeout (all workspaces),
    and close their open direct connections.

    An agent that never sent a heartbeat is judged by its last update.
    """
    cutoff = now - max(1, timeout_minutes) * 60
    seen = sa.func.coalesce(agents.c.last_seen, agents.c.updated_at)
    stale = conn.execute(
        sa.select(agents).where(agents.c.status != "offline", seen < cutoff).order_by(agents.c.id)
    ).mappings()
    swept = []
    for row in list(stale):
        changed = conn.execute(
            sa.update(agents)
            .where(agents.c.id == row["id"], agents.c.status != "offline")
            .values(status="offline", updated_at=now)
        ).rowcount
        if not changed:
            continue
        # A direct connection of an agent gone silent is over too (and so falls to retention).
        close_connections(conn, row["id"], now)
        agent = public_agent({**row, "status": "offline", "updated_at": now}, full=False)
        announce_status(conn, "system", agent, row["status"])
        swept.append(agent)
    return swept
