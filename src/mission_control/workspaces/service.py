"""Workspaces of a tenant: list, create (with its `general` project), rename, delete.

A workspace is deleted only when nothing but its feed, its notifications and an empty
`general` project still points at it; anything else (users, agents, tasks, audit rows …)
answers 409 and nothing changes, so no row is ever left pointing at a missing workspace.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id
from mission_control.db.tables import (
    activities,
    metadata,
    notifications,
    projects,
    workspaces,
)
from mission_control.errors import BadRequest, Conflict, NotFound
from mission_control.projects.service import GENERAL_SLUG, slugify
from mission_control.security.actor import Actor
from mission_control.security.audit import audit

DEFAULT_SLUG = "default"
NOT_FOUND = "Workspace not found"
MAX_WORKSPACES = 200
# Rows that go with a deleted workspace; every other reference blocks the delete.
_GOES_WITH_IT = {activities.name, notifications.name}


def _out(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "slug": row.slug,
        "name": row.name,
        "tenant_id": row.tenant_id,
        "isolation": row.isolation,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def list_workspaces(conn: Connection, actor: Actor) -> list[dict[str, Any]]:
    """Admins see every workspace of their tenant; everyone else sees their own."""
    query = sa.select(workspaces).where(workspaces.c.tenant_id == actor.tenant_id)
    if not actor.at_least("admin"):
        query = query.where(workspaces.c.id == actor.workspace_id)
    rows = conn.execute(query.order_by(workspaces.c.id).limit(MAX_WORKSPACES)).all()
    return [_out(r) for r in rows]


def _get(conn: Connection, actor: Actor, ident: int) -> Any:
    query = sa.select(workspaces).where(
        workspaces.c.id == ident, workspaces.c.tenant_id == actor.tenant_id
    )
    if not actor.at_least("admin"):
        query = query.where(workspaces.c.id == actor.workspace_id)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


def get_workspace(conn: Connection, actor: Actor, ident: int) -> dict[str, Any]:
    return _out(_get(conn, actor, ident))


def create_workspace(
    conn: Connection, actor: Actor, name: str, slug: str | None, *, now: int | None = None
) -> dict[str, Any]:
    now = now if now is not None else int(time.time())
    name = name.strip()
    if not name:
        raise BadRequest("name is required")
    slug = slug or slugify(name)
    if not slug:
        raise BadRequest("name must contain a letter or digit, or give a slug")
    if conn.execute(sa.select(workspaces.c.id).where(workspaces.c.slug == slug)).first():
        raise Conflict("Workspace slug already exists")
    ident = inserted_id(
        conn.execute(
            sa.insert(workspaces).values(
                slug=slug, name=name, tenant_id=actor.tenant_id, created_at=now, updated_at=now
            )
        )
    )
    # Every workspace has the `general` project that tasks fall back to.
    conn.execute(
        sa.insert(projects).values(
            workspace_id=ident,
            name="General",
            slug=GENERAL_SLUG,
            ticket_prefix="TASK",
            status="active",
            created_at=now,
            updated_at=now,
        )
    )
    audit(
        conn,
        actor,
        "workspace_create",
        target_type="workspace",
        target_id=ident,
        detail={"slug": slug, "name": name},
    )
    return get_workspace(conn, actor, ident)


def rename_workspace(
    conn: Connection, actor: Actor, ident: int, name: str, *, now: int | None = None
) -> dict[str, Any]:
    row = _get(conn, actor, ident)
    name = name.strip()
    if not name:
        raise BadRequest("name is required")
    if name != row.name:
        conn.execute(
            sa.update(workspaces)
            .where(workspaces.c.id == ident)
            .values(name=name, updated_at=now if now is not None else int(time.time()))
        )
        audit(
            conn,
            actor,
            "workspace_update",
            target_type="workspace",
            target_id=ident,
            detail={"slug": row.slug, "from": row.name, "to": name},
        )
    return get_workspace(conn, actor, ident)


def _references(conn: Connection, ident: int) -> dict[str, int]:
    """Rows in tables other than those that go with the workspace, by table."""
    found: dict[str, int] = {}
    for table in metadata.sorted_tables:
        column = table.c.get("workspace_id")
        if column is None or table.name in _GOES_WITH_IT or table is workspaces:
            continue
        if not any(fk.column.table is workspaces for fk in column.foreign_keys):
            continue  # e.g. the events outbox, trimmed by retention
        where = column == ident
        if table is projects:
            where = sa.and_(where, projects.c.slug != GENERAL_SLUG)
        count = conn.execute(sa.select(sa.func.count()).select_from(table).where(where))
        n = int(count.scalar_one())
        if n:
            found[table.name] = n
    return found


def delete_workspace(conn: Connection, actor: Actor, ident: int) -> str:
    row = _get(conn, actor, ident)
    if row.slug == DEFAULT_SLUG:
        raise BadRequest("The default workspace cannot be deleted")
    if ident == actor.workspace_id:
        raise BadRequest("You cannot delete the workspace you are in")
    # The general project counts as content once it holds tasks (the tasks block below).
    blockers = _references(conn, ident)
    if blockers:
        raise Conflict(
            "Workspace is not empty",
            details=[f"{table}: {n}" for table, n in sorted(blockers.items())],
        )
    for table in (activities, notifications):
        conn.execute(sa.delete(table).where(table.c.workspace_id == ident))
    conn.execute(sa.delete(projects).where(projects.c.workspace_id == ident))
    conn.execute(sa.delete(workspaces).where(workspaces.c.id == ident))
    audit(
        conn,
        actor,
        "workspace_delete",
        target_type="workspace",
        target_id=ident,
        detail={"slug": row.slug, "name": row.name},
    )
    return str(row.slug)
