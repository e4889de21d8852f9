"""Integration secrets: the catalogue, where each value comes from, encrypted storage, and
1Password pulls recorded in the audit log without the values."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import upsert
from mission_control.db.tables import integration_secrets
from mission_control.errors import BadRequest, Conflict
from mission_control.integrations.onepassword.cli import OnePasswordCli
from mission_control.security.actor import Actor
from mission_control.security.audit import audit
from mission_control.security.secretbox import SecretBox, SecretBoxError
from mission_control.settings import Settings

MAX_STORED = 200
MASK = "••••"
# Below this length even the last 4 characters are too large a share of the secret.
REVEAL_LAST4_FROM = 12


@dataclass(frozen=True)
class Known:
    env_var: str
    label: str
    category: str


CATALOG: tuple[Known, ...] = (
    Known("ANTHROPIC_API_KEY", "Anthropic", "ai"),
    Known("OPENAI_API_KEY", "OpenAI", "ai"),
    Known("OPENROUTER_API_KEY", "OpenRouter", "ai"),
    Known("GEMINI_API_KEY", "Google Gemini", "ai"),
    Known("GITHUB_TOKEN", "GitHub", "dev"),
    Known("OPENCLAW_GATEWAY_TOKEN", "OpenClaw gateway", "gateway"),
)
_KNOWN = {k.env_var: k for k in CATALOG}

# Stored values may be handed to child processes (agents) when asked, so names that steer
# Mission Control itself, 1Password, the dynamic loader or interpreters are refused.
RESERVED_PREFIXES = ("MC_", "MISSION_CONTROL_", "AUTH_", "OP_", "LD_", "DYLD_", "PYTHON", "NODE_")
RESERVED_NAMES = frozenset(
    {
        "API_KEY",
        "API_KEY_FILE",
        "PATH",
        "HOME",
        "SHELL",
        "USER",
        "GOOGLE_CLIENT_ID",
        "NEXT_PUBLIC_GOOGLE_CLIENT_ID",
    }
)
_FORBIDDEN_CHARS = re.compile(r"[\r\n\x00]")


def check_env_var(name: str) -> str:
    if name in RESERVED_NAMES or name.startswith(RESERVED_PREFIXES):
        raise BadRequest(f"{name} is reserved and cannot be stored as an integration secret")
    return name


def check_value(value: str) -> str:
    """Refuse what cannot live in an environment variable or a `.env` line."""
    if _FORBIDDEN_CHARS.search(value):
        raise BadRequest("Secret values cannot contain newlines or NUL characters")
    if not value.strip():
        raise BadRequest("Secret value is empty")
    return value


def redact(value: str) -> str:
    return MASK + value[-4:] if len(value) >= REVEAL_LAST4_FROM else MASK


def env_value(settings: Settings, env_var: str) -> str | None:
    if env_var == "OPENCLAW_GATEWAY_TOKEN" and settings.openclaw_gateway_token:
        return settings.openclaw_gateway_token
    return os.environ.get(env_var) or None


def _rows(conn: Connection) -> dict[str, dict[str, Any]]:
    query = sa.select(integration_secrets).order_by(integration_secrets.c.env_var)
    return {r["env_var"]: dict(r) for r in conn.execute(query.limit(MAX_STORED)).mappings()}


def _row(conn: Connection, env_var: str) -> dict[str, Any] | None:
    query = sa.select(integration_secrets).where(integration_secrets.c.env_var == env_var)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def _view(
    settings: Settings, box: SecretBox, env_var: str, row: dict[str, Any] | None
) -> dict[str, Any]:
    known = _KNOWN.get(env_var)
    from_env = env_value(settings, env_var)
    value, readable = from_env, True
    source = "env" if from_env else "unset"
    if row is not None:
        source = row["source"]
        try:
            value = box.decrypt(row["value_encrypted"])
        except SecretBoxError:
            value, readable = None, False
    return {
        "env_var": env_var,
        "label": known.label if known else env_var,
        "category": known.category if known else "custom",
        "source": source,
        "configured": source != "unset",
        "redacted": redact(value) if value else None,
        "readable": readable,
        "env_set": from_env is not None,
        "op_item": row["op_item"] if row else None,
        "updated_by": row["updated_by"] if row else None,
        "updated_at": row["updated_at"] if row else None,
    }


def list_integrations(conn: Connection, settings: Settings, box: SecretBox) -> dict[str, Any]:
    """The catalogue first, then custom stored names; values only ever redacted."""
    rows = _rows(conn)
    names = [k.env_var for k in CATALOG] + [n for n in rows if n not in _KNOWN]
    cli = OnePasswordCli.from_settings(settings)
    binary = cli.resolve_binary()
    return {
        "integrations": [_view(settings, box, name, rows.get(name)) for name in names],
        "onepassword": {
            "vault": cli.vault,
            "binary": binary,
            "available": binary is not None,
            "service_account": bool(cli.token),
            "timeout_s": cli.timeout_s,
        },
    }


def integration(
    conn: Connection, settings: Settings, box: SecretBox, env_var: str
) -> dict[str, Any]:
    return _view(settings, box, env_var, _row(conn, env_var))


def _upsert(conn: Connection, values: dict[str, Any]) -> None:
    upsert(conn, integration_secrets, integration_secrets.c.env_var, values)


def _room_for(conn: Connection, env_var: str) -> None:
    if _row(conn, env_var) is not None:
        return
    count = conn.execute(sa.select(sa.func.count()).select_from(integration_secrets)).scalar()
    if (count or 0) >= MAX_STORED:
        raise Conflict(f"At most {MAX_STORED} integration secrets can be stored")


def set_value(
    conn: Connection,
    actor: Actor,
    settings: Settings,
    box: SecretBox,
    env_var: str,
    value: str | None,
) -> dict[str, Any]:
    """Store `value` encrypted (source `stored`), or remove the stored value when None."""
    check_env_var(env_var)
    now = int(time.time())
    if value is None:
        removed = conn.execute(
            sa.delete(integration_secrets).where(integration_secrets.c.env_var == env_var)
        ).rowcount
        change = "cleared" if removed else "unchanged"
    else:
        check_value(value)
        _room_for(conn, env_var)
        _upsert(
            conn,
            {
                "env_var": env_var,
                "value_encrypted": box.encrypt(value),
                "source": "stored",
                "op_item": None,
                "updated_by": actor.display_name,
                "updated_at": now,
            },
        )
        change = "set"
    audit(
        conn,
        actor,
        "integration_update",
        target_type="integration",
        target_id=env_var,
        detail={"env_var": env_var, "change": change},
    )
    return integration(conn, settings, box, env_var)


def pull_item(conn: Connection, env_var: str, item: str | None) -> str:
    """The 1Password item to read: the one asked for, the one used last time, or the name."""
    if item is not None:
        return item
    row = _row(conn, env_var)
    return row["op_item"] if row and row["op_item"] else env_var


def pull_targets(conn: Connection) -> list[tuple[str, str]]:
    """Every stored secret that came from 1Password, with its item."""
    query = (
        sa.select(integration_secrets.c.env_var, integration_secrets.c.op_item)
        .where(integration_secrets.c.op_item.is_not(None))
        .order_by(integration_secrets.c.env_var)
        .limit(MAX_STORED)
    )
    return [(r.env_var, r.op_item) for r in conn.execute(query)]


def store_pulled(
    conn: Connection,
    actor: Actor,
    box: SecretBox,
    vault: str,
    pulled: list[tuple[str, str, str]],
) -> None:
    """Save `(env_var, item, value)` triples in one transaction, one audit row each."""
    now = int(time.time())
    for env_var, item, value in pulled:
        _room_for(conn, env_var)
        _upsert(
            conn,
            {
                "env_var": env_var,
                "value_encrypted": box.encrypt(value),
                "source": "1password",
                "op_item": item,
                "updated_by": actor.display_name,
                "updated_at": now,
            },
        )
        audit(
            conn,
            actor,
            "integration_pull_1password",
            target_type="integration",
            target_id=env_var,
            detail={"env_var": env_var, "item": item, "vault": vault, "ok": True},
        )


def record_pull_failure(
    conn: Connection, actor: Actor, vault: str, failures: list[dict[str, str]]
) -> None:
    """A failed pull changes nothing, but an admin asked for a secret: keep a trace."""
    audit(
        conn,
        actor,
        "integration_pull_1password",
        target_type="integration",
        target_id=failures[0]["env_var"] if len(failures) == 1 else None,
        detail={"vault": vault, "ok": False, "failures": failures[:20]},
    )


def record_test(conn: Connection, actor: Actor, vault: str, ok: bool, code: str | None) -> None:
    audit(
        conn,
        actor,
        "integration_test",
        target_type="integration",
        target_id="1password",
        detail={"vault": vault, "ok": ok, "code": code},
    )


def is_set(conn: Connection, settings: Settings, env_var: str) -> bool:
    """Whether `resolve` has a value for `env_var`, without decrypting anything."""
    return _row(conn, env_var) is not None or env_value(settings, env_var) is not None


def resolve(conn: Connection, settings: Settings, box: SecretBox, env_var: str) -> str | None:
    """The value in use for `env_var` (stored first, then the environment), for the code
    that explicitly needs it, such as a gateway connection."""
    row = _row(conn, env_var)
    if row is not None:
        return box.decrypt(row["value_encrypted"])
    return env_value(settings, env_var)
