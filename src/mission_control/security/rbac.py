"""The one role check: `require_role(min_role)` as a FastAPI dependency."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from mission_control.errors import Forbidden, Unauthorized
from mission_control.security.actor import ANONYMOUS, Actor, Role

PERMISSION_DENIED_AUDIT_SAMPLE = 0.1


def current_actor(request: Request) -> Actor:
    actor: Actor = request.state._state.get("actor", ANONYMOUS)
    return actor


async def ensure_role(request: Request, actor: Actor, min_role: Role) -> None:
    """The role check itself: 401 for nobody, 403 (a `permission_denied` security event,
    sampled into the audit) below `min_role`. `require_role` runs it before a handler; a
    handler whose need depends on the body (one field that needs more) calls it directly."""
    if not actor.is_authenticated:
        raise Unauthorized("Authentication required")
    if actor.at_least(min_role):
        return
    runtime = request.app.state.runtime
    await runtime.security.report(
        "permission_denied",
        actor.ip,
        severity="warning",
        detail={
            "path": request.url.path,
            "method": request.method,
            "role": actor.role,
            "required": min_role,
        },
        # 403s are audited as a sample; every one is still a security event
        audit_action="permission_denied"
        if random.random() < PERMISSION_DENIED_AUDIT_SAMPLE
        else None,
        actor_name=actor.username,
        actor_id=actor.id,
        user_agent=actor.user_agent,
    )
    raise Forbidden(f"Requires {min_role} role or higher")


def require_role(min_role: Role) -> Callable[[Request], Awaitable[Actor]]:
    async def dependency(request: Request) -> Actor:
        actor = current_actor(request)
        await ensure_role(request, actor, min_role)
        return actor

    dependency.__name__ = f"require_{min_role}"
    return dependency


ViewerActor = Annotated[Actor, Depends(require_role("viewer"))]
OperatorActor = Annotated[Actor, Depends(require_role("operator"))]
AdminActor = Annotated[Actor, Depends(require_role("admin"))]


async def any_actor(request: Request) -> Actor:
    """The actor, authenticated or not (async, so FastAPI calls it without a thread hop)."""
    return current_actor(request)


AnyActor = Annotated[Actor, Depends(any_actor)]
