"""Who is making a request: exactly one actor per request."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

Role = Literal["viewer", "operator", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "operator", "admin")
ROLE_LEVELS: dict[str, int] = {"viewer": 0, "operator": 1, "admin": 2}

ActorKind = Literal["user", "global_key", "agent_key", "personal_key", "anonymous", "system"]
# Kinds that speak for one user account: its session, or one of its personal (`mcu_`) keys.
PERSON_KINDS: frozenset[str] = frozenset({"user", "personal_key"})

DEFAULT_TENANT_ID = 1
DEFAULT_WORKSPACE_ID = 1


def role_at_least(role: str, minimum: str) -> bool:
    return ROLE_LEVELS.get(role, -1) >= ROLE_LEVELS[minimum]


@dataclass(frozen=True, slots=True)
class Actor:
    """The identity behind a request, plus where the request came from."""

    kind: ActorKind
    id: int
    username: str
    display_name: str
    role: Role
    workspace_id: int = DEFAULT_WORKSPACE_ID
    tenant_id: int = DEFAULT_TENANT_ID
    ip: str = ""
    user_agent: str = ""
    session_id: int | None = None
    key_id: int | None = None
    agent_id: int | None = None
    agent_name: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    user: dict[str, Any] | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def person_id(self) -> int | None:
        """The user account behind this actor (session or personal key), else None."""
        return self.id if self.kind in PERSON_KINDS else None

    def is_same_person(self, user_id: int) -> bool:
        """Whether this actor is that user, signed in or through one of their personal keys:
        the test of every "not on yourself" rule."""
        return self.person_id == user_id

    @property
    def is_agent_key(self) -> bool:
        return self.kind == "agent_key"

    @property
    def agent_restricted(self) -> bool:
        """An agent key without the `admin` scope may only act for its own agent."""
        return self.kind == "agent_key" and "admin" not in self.scopes

    def at_least(self, minimum: Role) -> bool:
        return role_at_least(self.role, minimum)

    def with_origin(self, ip: str, user_agent: str) -> Actor:
        return replace(self, ip=ip, user_agent=user_agent)


ANONYMOUS = Actor(kind="anonymous", id=-1, username="", display_name="", role="viewer")

GLOBAL_KEY_ACTOR = Actor(
    kind="global_key", id=0, username="api", display_name="API Access", role="admin"
)


def system_actor(name: str = "system") -> Actor:
    """The actor of scheduled jobs and CLI commands run on the server itself."""
    return Actor(kind="system", id=0, username=name, display_name=name, role="admin", ip="local")
