"""`@mentions`, task subscriptions and the notifications that follow task changes."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from mission_control.db.prepared import Prepared
from mission_control.db.tables import agents, task_subscriptions, users
from mission_control.errors import BadRequest
from mission_control.notifications.service import notify
from mission_control.security.actor import Actor

MENTION_RE = re.compile(r"(^|[^A-Za-z0-9._-])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})")

_SUBSCRIBE = Prepared(
    build=lambda dialect: (
        (postgresql.insert if dialect == "postgresql" else sqlite.insert)(task_subscriptions)
        .values(
            task_id=sa.bindparam("task_id"),
            subscriber=sa.bindparam("subscriber"),
            workspace_id=sa.bindparam("workspace_id"),
            created_at=sa.bindparam("created_at"),
        )
        .on_conflict_do_nothing()
    )
)
_SUBSCRIBERS = Prepared(
    sa.select(task_subscriptions.c.subscriber)
    .where(task_subscriptions.c.task_id == sa.bindparam("task_id"))
    .order_by(task_subscriptions.c.id)
)


def parse_mentions(text: str | None) -> list[str]:
    """Mentioned names in order of first appearance, without duplicates."""
    if not text:
        return []
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(text):
        seen.setdefault(match.group(2), None)
    return list(seen)


def resolve_mentions(conn: Connection, workspace_id: int, names: list[str]) -> list[str]:
    """Map mentioned names to recipients (a username or an agent name), case-insensitively.

    Any name that is neither a user nor an agent of the workspace → 400 with
    `missing_mentions`, raised before anything is written.
    """
    if not names:
        return []
    lowered = {name.lower() for name in names}
    known: dict[str, str] = {}
    for row in conn.execute(
        sa.select(agents.c.name).where(
            agents.c.workspace_id == workspace_id, sa.func.lower(agents.c.name).in_(lowered)
        )
    ):
        known.setdefault(row.name.lower(), row.name)
    for row in conn.execute(
        sa.select(users.c.username).where(
            users.c.workspace_id == workspace_id, sa.func.lower(users.c.username).in_(lowered)
        )
    ):
        known.setdefault(row.username.lower(), row.username)
    missing = [name for name in names if name.lower() not in known]
    if missing:
        raise BadRequest(
            "Unknown mentions: " + ", ".join(f"@{name}" for name in missing),
            missing_mentions=missing,
        )
    recipients: dict[str, None] = {}
    for name in names:
        recipients.setdefault(known[name.lower()], None)
    return list(recipients)


def recipient_name(actor: Actor) -> str | None:
    """The name notifications reach this actor under, if it can receive any."""
    if actor.kind == "agent_key":
        return actor.agent_name
    if actor.person_id is not None:
        return actor.username
    return None


def is_self(actor: Actor, recipient: str) -> bool:
    own = {actor.username, actor.display_name, actor.agent_name}
    return recipient in own


def subscribe(
    conn: Connection, workspace_id: int, task_id: int, names: Iterable[str | None]
) -> None:
    """Subscribe each name to the task once (repeats are ignored)."""
    wanted = sorted({name for name in names if name})
    if not wanted:
        return
    now = int(time.time())
    rows = [
        {"task_id": task_id, "subscriber": name, "workspace_id": workspace_id, "created_at": now}
        for name in wanted
    ]
    _SUBSCRIBE.many(conn, rows)


def subscribers(conn: Connection, task_id: int) -> list[str]:
    return [row[0] for row in _SUBSCRIBERS.all(conn, {"task_id": task_id})]


def notify_many(
    conn: Connection,
    actor: Actor,
    recipients: Iterable[str],
    *,
    type: str,
    title: str,
    message: str,
    source_type: str,
    source_id: int,
    skip: set[str] | None = None,
) -> set[str]:
    """Notify each recipient once, never the actor itself; returns who was notified."""
    done: set[str] = set(skip or ())
    sent: set[str] = set()
    for recipient in recipients:
        if recipient in done or is_self(actor, recipient):
            continue
        done.add(recipient)
        sent.add(recipient)
        notify(
            conn,
            recipient=recipient,
            type=type,
            title=title,
            message=message,
            source_type=source_type,
            source_id=source_id,
            workspace_id=actor.workspace_id,
        )
    return sent
