"""Projects: create, read, update, archive/delete, their tasks and their agents."""

from __future__ import annotations

import re
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.activities.service import log_activity
from mission_control.db.rows import inserted_id
from mission_control.db.tables import agents, project_agent_assignments, projects, tasks
from mission_control.errors import BadRequest, Conflict, NotFound
from mission_control.security.actor import Actor
from mission_control.security.audit import audit

GENERAL_SLUG = "general"
NOT_FOUND = "Project not found"
MAX_DERIVED_PREFIX = 5
CLEARABLE = ("description", "github_repo", "deadline", "color")

assign = project_agent_assignments


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:64].rstrip("-")


def derive_prefix(name: str) -> str:
    letters = re.sub(r"[^A-Za-z0-9]", "", name).upper()
    return letters[:MAX_DERIVED_PREFIX] or "PRJ"


def _slug_taken(conn: Connection, workspace_id: int, slug: str) -> bool:
    return (
        conn.execute(
            sa.select(projects.c.id).where(
                projects.c.workspace_id == workspace_id, projects.c.slug == slug
            )
        ).first()
        is not None
    )


def _prefix_taken(
    conn: Connection, workspace_id: int, prefix: str, except_id: int | None = None
) -> bool:
    query = sa.select(projects.c.id).where(
        projects.c.workspace_id == workspace_id, projects.c.ticket_prefix == prefix
    )
    if except_id is not None:
        query = query.where(projects.c.id != except_id)
    return conn.execute(query).first() is not None


def _free_prefix(conn: Connection, workspace_id: int, base: str) -> str:
    """A derived prefix that collides gets a number: ALPHA, ALPHA2, ALPHA3, ..."""
    if not _prefix_taken(conn, workspace_id, base):
        return base
    for n in range(2, 1000):
        candidate = f"{base[: 12 - len(str(n))]}{n}"
        if not _prefix_taken(conn, workspace_id, candidate):
            return candidate
    raise Conflict("Ticket prefix already exists")


def _decorate(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add `task_count` and `assigned_agents` to project rows (two queries for the list)."""
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    counts: dict[int, int] = dict(
        conn.execute(
            sa.select(tasks.c.project_id, sa.func.count())
            .where(tasks.c.project_id.in_(ids))
            .group_by(tasks.c.project_id)
        ).all()
    )
    members: dict[int, list[str]] = {pid: [] for pid in ids}
    for pid, name in conn.execute(
        sa.select(assign.c.project_id, assign.c.agent_name)
        .where(assign.c.project_id.in_(ids))
        .order_by(assign.c.agent_name)
    ):
        members[pid].append(name)
    out = []
    for row in rows:
        item = dict(row)
        item["task_count"] = int(counts.get(row["id"], 0))
        item["assigned_agents"] = members[row["id"]]
        out.append(item)
    return out


def list_projects(
    conn: Connection, workspace_id: int, *, include_archived: bool = False
) -> list[dict[str, Any]]:
    query = sa.select(projects).where(projects.c.workspace_id == workspace_id)
    if not include_archived:
        query = query.where(projects.c.status != "archived")
    rows = [dict(r) for r in conn.execute(query.order_by(projects.c.id).limit(1000)).mappings()]
    return _decorate(conn, rows)


def _row(conn: Connection, workspace_id: int, project_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            sa.select(projects).where(
                projects.c.id == project_id, projects.c.workspace_id == workspace_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(NOT_FOUND)
    return dict(row)


def get_project(conn: Connection, workspace_id: int, project_id: int) -> dict[str, Any]:
    return _decorate(conn, [_row(conn, workspace_id, project_id)])[0]


def _activity(
    conn: Connection, actor: Actor, kind: str, project: dict[str, Any], text: str, **data: Any
) -> None:
    log_activity(
        conn,
        type=kind,
        entity_type="project",
        entity_id=project["id"],
        actor=actor.display_name,
        description=text,
        data={"name": project["name"], **data},
        workspace_id=project["workspace_id"],
    )


def create_project(conn: Connection, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
    ws = actor.workspace_id
    name = fields["name"].strip()
    if not name:
        raise BadRequest("Project name is required")
    slug = fields.get("slug") or slugify(name)
    if not slug:
        raise BadRequest("Project name must contain letters or digits (or give a slug)")
    if _slug_taken(conn, ws, slug):
        raise Conflict("Project slug already exists")
    if fields.get("ticket_prefix"):
        prefix = fields["ticket_prefix"].upper()
        if _prefix_taken(conn, ws, prefix):
            raise Conflict("Ticket prefix already exists")
    else:
        prefix = _free_prefix(conn, ws, derive_prefix(name))
    now = int(time.time())
    values = {
        "workspace_id": ws,
        "name": name,
        "slug": slug,
        "description": fields.get("description"),
        "ticket_prefix": prefix,
        "ticket_counter": 0,
        "status": "active",
        "github_repo": fields.get("github_repo"),
        "deadline": fields.get("deadline"),
        "color": fields.get("color"),
        "metadata": {},
        "created_at": now,
        "updated_at": now,
    }
    project_id = inserted_id(conn.execute(sa.insert(projects).values(**values)))
    project = get_project(conn, ws, project_id)
    _activity(conn, actor, "project_created", project, f"Created project {name}", slug=slug)
    return project


def _replace_members(
    conn: Connection, workspace_id: int, project_id: int, names: list[str], now: int
) -> None:
    wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    known = set(
        conn.execute(
            sa.select(agents.c.name).where(
                agents.c.workspace_id == workspace_id, agents.c.name.in_(wanted)
            )
        ).scalars()
    )
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise BadRequest(f"Unknown agents: {', '.join(unknown[:20])}", unknown_agents=unknown)
    current = set(
        conn.execute(
            sa.select(assign.c.agent_name).where(assign.c.project_id == project_id)
        ).scalars()
    )
    gone = current - set(wanted)
    if gone:
        conn.execute(
            sa.delete(assign).where(
                assign.c.project_id == project_id, assign.c.agent_name.in_(gone)
            )
        )
    for name in wanted:
        if name not in current:
            conn.execute(
                sa.insert(assign).values(
                    project_id=project_id, agent_name=name, role="member", assigned_at=now
                )
            )


def update_project(
    conn: Connection, actor: Actor, project_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Apply a PATCH in one transaction: any error leaves the project as it was."""
    ws = actor.workspace_id
    project = _row(conn, ws, project_id)
    values: dict[str, Any] = {}
    for key in CLEARABLE:
        if key in changes:
            values[key] = changes[key]
    if changes.get("name") is not None:
        name = changes["name"].strip()
        if not name:
            raise BadRequest("Project name is required")
        values["name"] = name
    if changes.get("ticket_prefix") is not None:
        prefix = changes["ticket_prefix"].upper()
        if prefix != project["ticket_prefix"] and _prefix_taken(conn, ws, prefix, project_id):
            raise Conflict("Ticket prefix already exists")
        values["ticket_prefix"] = prefix
    status = changes.get("status")
    if status is not None and status != project["status"]:
        if project["slug"] == GENERAL_SLUG and status == "archived":
            raise BadRequest("The general project cannot be archived")
        values["status"] = status
    now = int(time.time())
    if changes.get("assigned_agents") is not None:
        _replace_members(conn, ws, project_id, changes["assigned_agents"], now)
    if values:
        values["updated_at"] = now
        conn.execute(sa.update(projects).where(projects.c.id == project_id).values(**values))
    updated = get_project(conn, ws, project_id)
    changed = sorted(set(values) - {"updated_at"} | ({"assigned_agents"} & set(changes)))
    if changed:
        _activity(
            conn,
            actor,
            "project_updated",
            updated,
            f"Updated project {updated['name']}",
            fields=changed,
        )
    return updated


def archive_project(conn: Connection, actor: Actor, project_id: int) -> None:
    project = _row(conn, actor.workspace_id, project_id)
    if project["slug"] == GENERAL_SLUG:
        raise BadRequest("The general project cannot be archived")
    conn.execute(
        sa.update(projects)
        .where(projects.c.id == project_id)
        .values(status="archived", updated_at=int(time.time()))
    )
    audit(conn, actor, "project_archive", target_type="project", target_id=project_id)
    _activity(conn, actor, "project_archived", project, f"Archived project {project['name']}")


def delete_project(conn: Connection, actor: Actor, project_id: int) -> int:
    """Delete a project; its tasks move to `general` with new ticket numbers there."""
    ws = actor.workspace_id
    project = _row(conn, ws, project_id)
    if project["slug"] == GENERAL_SLUG:
        raise BadRequest("The general project cannot be deleted")
    general = (
        conn.execute(
            sa.select(projects)
            .where(projects.c.workspace_id == ws, projects.c.slug == GENERAL_SLUG)
            .with_for_update()
        )
        .mappings()
        .first()
    )
    if general is None:
        raise BadRequest("This workspace has no general project to take the tasks")
    moving = list(
        conn.execute(
            sa.select(tasks.c.id).where(tasks.c.project_id == project_id).order_by(tasks.c.id)
        ).scalars()
    )
    counter = int(general["ticket_counter"])
    now = int(time.time())
    for task_id in moving:
        counter += 1
        conn.execute(
            sa.update(tasks)
            .where(tasks.c.id == task_id)
            .values(project_id=general["id"], project_ticket_no=counter, updated_at=now)
        )
    if moving:
        conn.execute(
            sa.update(projects)
            .where(projects.c.id == general["id"])
            .values(ticket_counter=counter, updated_at=now)
        )
    conn.execute(sa.delete(assign).where(assign.c.project_id == project_id))
    conn.execute(sa.delete(projects).where(projects.c.id == project_id))
    audit(
        conn,
        actor,
        "project_delete",
        target_type="project",
        target_id=project_id,
        detail={"name": project["name"], "tasks_moved": len(moving)},
    )
    _activity(
        conn,
        actor,
        "project_deleted",
        project,
        f"Deleted project {project['name']}",
        tasks_moved=len(moving),
    )
    return len(moving)


def _task_item(row: Any, project: dict[str, Any]) -> dict[str, Any]:
    item = dict(row)
    item["tags"] = item.get("tags") or []
    item["metadata"] = item.get("metadata") or {}
    number = item.get("project_ticket_no")
    item["ticket_ref"] = f"{project['ticket_prefix']}-{number:03d}" if number else None
    item["project_name"] = project["name"]
    item["project_prefix"] = project["ticket_prefix"]
    return item


def project_tasks(
    conn: Connection, workspace_id: int, project_id: int, *, limit: int, offset: int
) -> dict[str, Any]:
    project = get_project(conn, workspace_id, project_id)
    where = [tasks.c.project_id == project_id, tasks.c.workspace_id == workspace_id]
    total = conn.execute(sa.select(sa.func.count()).select_from(tasks).where(*where)).scalar_one()
    rows = conn.execute(
        sa.select(tasks)
        .where(*where)
        .order_by(tasks.c.created_at.desc(), tasks.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).mappings()
    return {
        "project": project,
        "tasks": [_task_item(r, project) for r in rows],
        "total": int(total),
    }


def list_assignments(conn: Connection, workspace_id: int, project_id: int) -> list[dict[str, Any]]:
    _row(conn, workspace_id, project_id)
    rows = conn.execute(
        sa.select(assign).where(assign.c.project_id == project_id).order_by(assign.c.agent_name)
    ).mappings()
    return [dict(r) for r in rows]


def add_assignment(
    conn: Connection, actor: Actor, project_id: int, agent_name: str, role: str
) -> bool:
    """Assign an agent; answers False when the pair already existed (nothing changes)."""
    project = _row(conn, actor.workspace_id, project_id)
    exists = conn.execute(
        sa.select(assign.c.id).where(
            assign.c.project_id == project_id, assign.c.agent_name == agent_name
        )
    ).first()
    if exists is not None:
        return False
    conn.execute(
        sa.insert(assign).values(
            project_id=project_id, agent_name=agent_name, role=role, assigned_at=int(time.time())
        )
    )
    _activity(
        conn,
        actor,
        "project_agent_assigned",
        project,
        f"Assigned {agent_name} to project {project['name']}",
        agent_name=agent_name,
        role=role,
    )
    return True


def remove_assignment(conn: Connection, actor: Actor, project_id: int, agent_name: str) -> int:
    project = _row(conn, actor.workspace_id, project_id)
    removed = int(
        conn.execute(
            sa.delete(assign).where(
                assign.c.project_id == project_id, assign.c.agent_name == agent_name
            )
        ).rowcount
        or 0
    )
    if removed:
        _activity(
            conn,
            actor,
            "project_agent_removed",
            project,
            f"Removed {agent_name} from project {project['name']}",
            agent_name=agent_name,
        )
    return removed
