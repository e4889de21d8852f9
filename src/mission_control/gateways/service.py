"""The gateway registry: rows with encrypted tokens, their probe results, and audit rows; and
the environment's gateway, whose token may also be stored through /api/integrations."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.rows import inserted_id, upsert
from mission_control.db.tables import gateways, settings_table
from mission_control.errors import BadRequest, Conflict, NotFound
from mission_control.integrations.openclaw.client import display_url
from mission_control.integrations.openclaw.pool import ENV_KEY
from mission_control.integrations.secrets.service import is_set, resolve
from mission_control.security.actor import Actor
from mission_control.security.audit import audit
from mission_control.security.secretbox import SecretBox, SecretBoxError
from mission_control.settings import Settings

NOT_FOUND = "Gateway not found"
MAX_GATEWAYS = 100
MAX_ERROR = 500
STATUSES = ("online", "offline", "error")
ENV_TOKEN = "OPENCLAW_GATEWAY_TOKEN"  # noqa: S105 - the name of the variable
# The environment gateway's device token, encrypted with the URL it was issued for. The
# `security.` prefix keeps it out of /api/settings.
ENV_DEVICE_TOKEN_SETTING = "security.openclaw_env_device_token"  # noqa: S105 - a key name
NO_ENV_GATEWAY = "No gateway is configured in the environment"


@dataclass(frozen=True)
class Target:
    """A gateway as the live client needs it (secrets decrypted, never serialised)."""

    key: str
    id: int | None
    name: str
    url: str
    token: str
    device_token: str
    problem: str = ""

    def __repr__(self) -> str:  # keep secrets out of tracebacks and debug output
        return f"Target(key={self.key!r}, name={self.name!r}, url={display_url(self.url)!r})"


def check_url(url: str) -> str:
    """A ws:// or wss:// URL with a host; credentials in it are refused (use `token`)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise BadRequest("url is not a valid URL") from None
    if parts.scheme not in ("ws", "wss"):
        raise BadRequest("url must start with ws:// or wss://")
    if not parts.hostname:
        raise BadRequest("url must name a host")
    if parts.username is not None or parts.password is not None:
        raise BadRequest("url must not carry credentials; send the token in `token`")
    if parts.query or parts.fragment:
        raise BadRequest("url must not have a query or fragment; send the token in `token`")
    return url


def public(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "url": row["url"],
        "source": "stored",
        "is_primary": bool(row["is_primary"]),
        "status": row["status"],
        "last_error": row["last_error"],
        "last_seen": row["last_seen"],
        "has_token": bool(row["token_encrypted"]),
        "has_device_token": bool(row["device_token_encrypted"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def env_configured(conn: Connection, settings: Settings) -> bool:
    """An environment gateway exists: OPENCLAW_GATEWAY_URL/HOST/PORT, or a gateway token in
    the environment or stored through /api/integrations (then at the default URL)."""
    return settings.openclaw_configured or is_set(conn, settings, ENV_TOKEN)


def _env_device_token(conn: Connection, box: SecretBox, url: str) -> str:
    raw = conn.execute(
        sa.select(settings_table.c.value).where(settings_table.c.key == ENV_DEVICE_TOKEN_SETTING)
    ).scalar()
    if raw is None:
        return ""
    try:
        kept = json.loads(box.decrypt(raw))
    except (SecretBoxError, ValueError):
        return ""  # unreadable: sign in with the gateway token, which issues a new one
    if not isinstance(kept, dict) or kept.get("url") != url:
        return ""  # issued by the gateway at another URL
    token = kept.get("token")
    return token if isinstance(token, str) else ""


def store_env_device_token(conn: Connection, box: SecretBox, url: str, token: str) -> None:
    """Keep (or forget, when empty) the device token the environment's gateway issued."""
    if not token:
        conn.execute(
            sa.delete(settings_table).where(settings_table.c.key == ENV_DEVICE_TOKEN_SETTING)
        )
        return
    values = {
        "key": ENV_DEVICE_TOKEN_SETTING,
        "value": box.encrypt(json.dumps({"url": url, "token": token})),
        "description": "Device token issued by the environment's OpenClaw gateway (encrypted)",
        "category": "security",
        "updated_by": "gateway",
        "updated_at": int(time.time()),
    }
    upsert(conn, settings_table, settings_table.c.key, values)


def _env_target(conn: Connection, box: SecretBox, settings: Settings) -> Target | None:
    try:
        token, problem = resolve(conn, settings, box, ENV_TOKEN) or "", ""
    except SecretBoxError:
        token, problem = (
            "",
            "The stored OPENCLAW_GATEWAY_TOKEN cannot be decrypted (MC_SECRET_KEY or the key "
            "file changed); store it again with PUT /api/integrations.",
        )
    if not (settings.openclaw_configured or token or problem):
        return None
    url = settings.openclaw_url
    device = _env_device_token(conn, box, url)
    return Target(ENV_KEY, None, "environment", url, token, device, problem=problem)


def env_target(conn: Connection, box: SecretBox, settings: Settings) -> Target:
    """The environment's gateway with its token (stored first, then the environment)."""
    found = _env_target(conn, box, settings)
    if found is None:
        raise BadRequest(NO_ENV_GATEWAY)
    return found


def env_entry(
    conn: Connection, box: SecretBox, settings: Settings, *, status: str = "unknown"
) -> dict[str, Any] | None:
    """The gateway configured by OPENCLAW_GATEWAY_* (read-only here), when there is one."""
    found = _env_target(conn, box, settings)
    if found is None:
        return None
    return {
        "id": None,
        "name": "environment",
        "url": found.url,
        "source": "env",
        "is_primary": False,
        "status": status,
        "last_error": found.problem or None,
        "last_seen": None,
        "has_token": bool(found.token or found.problem),
        "has_device_token": bool(found.device_token),
        "created_at": None,
        "updated_at": None,
    }


def _rows(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    result = conn.execute(
        sa.select(gateways)
        .where(gateways.c.workspace_id == workspace_id)
        .order_by(gateways.c.is_primary.desc(), gateways.c.id)
        .limit(MAX_GATEWAYS)
    ).mappings()
    return [dict(r) for r in result]


def list_gateways(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    return [public(r) for r in _rows(conn, workspace_id)]


def _row(conn: Connection, workspace_id: int, gateway_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            sa.select(gateways).where(
                gateways.c.id == gateway_id, gateways.c.workspace_id == workspace_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(NOT_FOUND)
    return dict(row)


def get_gateway(conn: Connection, workspace_id: int, gateway_id: int) -> dict[str, Any]:
    return public(_row(conn, workspace_id, gateway_id))


def _target(row: dict[str, Any], box: SecretBox) -> Target:
    try:
        token = box.decrypt(row["token_encrypted"]) if row["token_encrypted"] else ""
        device = box.decrypt(row["device_token_encrypted"]) if row["device_token_encrypted"] else ""
    except SecretBoxError:
        return Target(
            str(row["id"]),
            row["id"],
            row["name"],
            row["url"],
            "",
            "",
            problem="The stored token cannot be decrypted (MC_SECRET_KEY or the key file "
            "changed); store the token again with PATCH /api/gateways/{id}.",
        )
    return Target(str(row["id"]), row["id"], row["name"], row["url"], token, device)


def target(conn: Connection, box: SecretBox, workspace_id: int, gateway_id: int) -> Target:
    return _target(_row(conn, workspace_id, gateway_id), box)


def all_targets(
    conn: Connection, box: SecretBox, workspace_id: int, settings: Settings
) -> list[Target]:
    found = [_target(r, box) for r in _rows(conn, workspace_id)]
    env = _env_target(conn, box, settings)
    if env is not None:
        found.append(env)
    return found


def _name_taken(conn: Connection, workspace_id: int, name: str, except_id: int = 0) -> bool:
    return (
        conn.execute(
            sa.select(gateways.c.id).where(
                gateways.c.workspace_id == workspace_id,
                gateways.c.name == name,
                gateways.c.id != except_id,
            )
        ).first()
        is not None
    )


def _clear_primary(conn: Connection, workspace_id: int, except_id: int = 0) -> None:
    conn.execute(
        sa.update(gateways)
        .where(gateways.c.workspace_id == workspace_id, gateways.c.id != except_id)
        .values(is_primary=False)
    )


def create_gateway(
    conn: Connection,
    actor: Actor,
    box: SecretBox,
    fields: dict[str, Any],
    *,
    device_token: str = "",
    status: str = "unknown",
) -> dict[str, Any]:
    ws = actor.workspace_id
    name = fields["name"].strip()
    if not name:
        raise BadRequest("name is required")
    url = check_url(fields["url"])
    if _name_taken(conn, ws, name):
        raise Conflict("A gateway with this name already exists")
    count = conn.execute(
        sa.select(sa.func.count()).select_from(gateways).where(gateways.c.workspace_id == ws)
    ).scalar_one()
    if count >= MAX_GATEWAYS:
        raise BadRequest(f"At most {MAX_GATEWAYS} gateways can be registered")
    if fields.get("is_primary"):
        _clear_primary(conn, ws)
    now = int(time.time())
    token = fields.get("token") or ""
    gateway_id = inserted_id(
        conn.execute(
            sa.insert(gateways).values(
                workspace_id=ws,
                name=name,
                url=url,
                token_encrypted=box.encrypt(token) if token else None,
                device_token_encrypted=box.encrypt(device_token) if device_token else None,
                is_primary=bool(fields.get("is_primary")),
                status=status,
                last_seen=now if status == "online" else None,
                created_at=now,
                updated_at=now,
            )
        )
    )
    audit(
        conn,
        actor,
        "integration_gateway_create",
        target_type="gateway",
        target_id=gateway_id,
        detail={
            "name": name,
            "url": display_url(url),
            "has_token": bool(token),
            "verified": status == "online",
        },
    )
    return get_gateway(conn, ws, gateway_id)


def update_gateway(
    conn: Connection, actor: Actor, box: SecretBox, gateway_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Apply a PATCH; a new URL forgets the device token (it belongs to the old gateway)."""
    ws = actor.workspace_id
    row = _row(conn, ws, gateway_id)
    values: dict[str, Any] = {}
    if changes.get("name") is not None:
        name = changes["name"].strip()
        if not name:
            raise BadRequest("name is required")
        if name != row["name"] and _name_taken(conn, ws, name, gateway_id):
            raise Conflict("A gateway with this name already exists")
        values["name"] = name
    if changes.get("url") is not None and changes["url"] != row["url"]:
        values["url"] = check_url(changes["url"])
        values["device_token_encrypted"] = None
        values["status"] = "unknown"
    if "token" in changes:
        token = changes["token"] or ""
        values["token_encrypted"] = box.encrypt(token) if token else None
    if changes.get("is_primary") is not None:
        if changes["is_primary"]:
            _clear_primary(conn, ws, gateway_id)
        values["is_primary"] = bool(changes["is_primary"])
    if values:
        values["updated_at"] = int(time.time())
        conn.execute(sa.update(gateways).where(gateways.c.id == gateway_id).values(**values))
        fields = sorted(
            {"token" if k == "token_encrypted" else k for k in values}
            - {"updated_at", "device_token_encrypted", "status"}
        )
        audit(
            conn,
            actor,
            "integration_gateway_update",
            target_type="gateway",
            target_id=gateway_id,
            detail={"name": values.get("name", row["name"]), "fields": fields},
        )
    return get_gateway(conn, ws, gateway_id)


def delete_gateway(conn: Connection, actor: Actor, gateway_id: int) -> None:
    row = _row(conn, actor.workspace_id, gateway_id)
    conn.execute(sa.delete(gateways).where(gateways.c.id == gateway_id))
    audit(
        conn,
        actor,
        "integration_gateway_delete",
        target_type="gateway",
        target_id=gateway_id,
        detail={"name": row["name"], "url": display_url(row["url"])},
    )


def store_device_token(
    conn: Connection, box: SecretBox, workspace_id: int, target: Target, token: str
) -> None:
    """Keep (or forget, when empty) the device token a gateway issued in hello-ok."""
    if target.id is None:
        store_env_device_token(conn, box, target.url, token)
        return
    conn.execute(
        sa.update(gateways)
        .where(gateways.c.id == target.id, gateways.c.workspace_id == workspace_id)
        .values(device_token_encrypted=box.encrypt(token) if token else None)
    )


def record_health(
    conn: Connection,
    actor: Actor,
    box: SecretBox,
    results: list[tuple[Target, dict[str, Any], str]],
) -> None:
    """Store each stored gateway's probe outcome (and any new device token) in one go."""
    now = int(time.time())
    summary = {s: 0 for s in STATUSES}
    for probed, result, device_token in results:
        summary[result["status"]] += 1
        if probed.id is None:
            if device_token != probed.device_token:
                store_env_device_token(conn, box, probed.url, device_token)
            continue
        values: dict[str, Any] = {
            "status": result["status"],
            "last_error": (result.get("error") or None) and result["error"][:MAX_ERROR],
        }
        if result["status"] == "online":
            values["last_seen"] = now
        if device_token != probed.device_token:
            values["device_token_encrypted"] = box.encrypt(device_token) if device_token else None
        conn.execute(
            sa.update(gateways)
            .where(gateways.c.id == probed.id, gateways.c.workspace_id == actor.workspace_id)
            .values(**values)
        )
    audit(
        conn,
        actor,
        "integration_gateway_health",
        target_type="gateway",
        detail={"checked": len(results), **summary},
    )
