"""Import steps for workspaces, users, access requests, agent keys, audit and security rows."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from mission_control.db.tables import (
    access_requests,
    agent_api_keys,
    security_events,
    settings_table,
    users,
    workspaces,
)
from mission_control.importer.service import (
    Importer,
    Skip,
    as_int,
    clean_username,
    clip,
    parse_json,
)
from mission_control.security.api_keys import AGENT_SCOPES, GLOBAL_KEY_SETTING
from mission_control.security.audit import write_audit

ROLES = {"viewer", "operator", "admin"}


def import_workspaces(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]] | int:
        slug = clip(row.get("slug"), 64) or f"workspace-{row['id']}"
        existing = imp.conn.execute(
            sa.select(workspaces.c.id).where(workspaces.c.slug == slug)
        ).scalar()
        if existing is not None:
            return int(existing)
        isolation = (
            row.get("isolation") if row.get("isolation") in ("shared", "strict") else "shared"
        )
        return workspaces, {
            "slug": slug,
            "name": clip(row.get("name"), 200) or slug,
            "tenant_id": as_int(row.get("tenant_id"), 1),
            "isolation": isolation,
            "created_at": imp.ts(row.get("created_at")),
            "updated_at": imp.ts(row.get("updated_at")),
        }

    imp.copy("workspaces", build)


def _free_username(imp: Importer, wanted: str) -> str:
    candidate, n = wanted, 1
    while imp.conn.execute(sa.select(users.c.id).where(users.c.username == candidate)).first():
        n += 1
        suffix = f"-{n}"
        candidate = wanted[: 64 - len(suffix)] + suffix
    return candidate


def import_users(imp: Importer) -> None:
    """A name already taken by an account that was here before the import is that account
    (its password is never overwritten); taken by another user of this same source (Alice
    and alice), the newcomer gets a free name (alice-2) and the report says so."""

    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]] | int:
        original = str(row.get("username") or "")
        if not original.strip():
            raise Skip("user without a username")
        wanted = clean_username(original, row.get("id"))
        existing = imp.conn.execute(
            sa.select(users.c.id).where(users.c.username == wanted)
        ).scalar()
        provider = row.get("provider") if row.get("provider") in ("local", "google") else "local"
        derived = wanted == f"user-{row.get('id')}" != original
        if existing is not None and not derived and not imp.is_mine("users", int(existing)):
            imp.report.notes.append(
                f"user {original!r} already exists here as {wanted!r}; kept the existing account"
            )
            return int(existing)
        username = _free_username(imp, wanted)
        if username != original:
            imp.report.renamed_users.append(
                {"source_id": row.get("id"), "from": original, "to": username}
            )
            imp.report.notes.append(f"user {original!r} renamed to {username!r}")
        role = row.get("role") if row.get("role") in ROLES else "viewer"
        return users, {
            "username": username,
            "display_name": clip(row.get("display_name"), 200) or username,
            "password_hash": str(row.get("password_hash") or ""),
            "role": role,
            "provider": provider,
            "provider_user_id": clip(row.get("provider_user_id"), 255),
            "email": clip(row.get("email"), 320),
            "avatar_url": row.get("avatar_url"),
            "is_approved": bool(as_int(row.get("is_approved"), 1)),
            "approved_by": clip(row.get("approved_by"), 200),
            "approved_at": as_int(row.get("approved_at")),
            "last_login_at": as_int(row.get("last_login_at")),
            **imp.placed(row),
        }

    imp.copy("users", build)


def import_access_requests(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]] | int:
        if not row.get("email"):
            raise Skip("access request without an email")
        provider = clip(row.get("provider"), 16) or "google"
        if row.get("provider_user_id"):
            existing = imp.conn.execute(
                sa.select(access_requests.c.id).where(
                    access_requests.c.provider == provider,
                    access_requests.c.provider_user_id == str(row["provider_user_id"]),
                )
            ).scalar()
            if existing is not None:
                return int(existing)
        status = (
            row.get("status")
            if row.get("status") in ("pending", "approved", "rejected")
            else "pending"
        )
        return access_requests, {
            "email": clip(row["email"], 320),
            "provider": provider,
            "provider_user_id": clip(row.get("provider_user_id"), 255),
            "display_name": clip(row.get("display_name"), 200),
            "avatar_url": row.get("avatar_url"),
            "status": status,
            "attempt_count": as_int(row.get("attempt_count"), 1),
            "last_attempt_at": as_int(row.get("last_attempt_at")),
            "reviewed_by": clip(row.get("reviewed_by"), 200),
            "reviewed_at": as_int(row.get("reviewed_at")),
            "note": row.get("note"),
            "created_at": imp.ts(row.get("created_at")),
            "updated_at": imp.ts(row.get("created_at")),
        }

    imp.copy("access_requests", build)


def import_agent_keys(imp: Importer) -> None:
    """Agent keys keep working: both sides store the SHA-256 of the same `mca_` key."""

    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]] | int:
        agent_id = imp.mapped("agents", row.get("agent_id"))
        if agent_id is None:
            raise Skip("key of an agent that does not exist")
        key_hash = str(row.get("key_hash") or "")
        if len(key_hash) != 64:
            raise Skip("key without a SHA-256 hash")
        existing = imp.conn.execute(
            sa.select(agent_api_keys.c.id).where(agent_api_keys.c.key_hash == key_hash)
        ).scalar()
        if existing is not None:
            return int(existing)
        scopes = [s for s in parse_json(row.get("scopes"), []) if s in AGENT_SCOPES]
        return agent_api_keys, {
            "agent_id": agent_id,
            "workspace_id": imp.workspace(row.get("workspace_id")),
            "name": clip(row.get("name"), 100) or "imported",
            "key_hash": key_hash,
            "key_prefix": clip(row.get("key_prefix"), 16) or "mca_",
            "scopes": scopes or ["viewer"],
            "expires_at": as_int(row.get("expires_at")),
            "revoked_at": as_int(row.get("revoked_at")),
            "last_used_at": as_int(row.get("last_used_at")),
            "created_by": clip(row.get("created_by"), 200),
            "created_at": imp.ts(row.get("created_at")),
        }

    imp.copy("agent_api_keys", build)


def import_security_events(imp: Importer) -> None:
    def build(row: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]]:
        if not row.get("event_type"):
            raise Skip("security event without a type")
        return security_events, {
            "event_type": clip(row["event_type"], 32),
            "severity": clip(row.get("severity"), 16) or "info",
            "source": clip(row.get("source"), 200),
            "agent_name": clip(row.get("agent_name"), 100),
            "detail": parse_json(row.get("detail"), {}),
            "ip_address": clip(row.get("ip_address"), 64),
            **imp.placed(row, updated=False),
        }

    imp.copy("security_events", build)


# Audit target types naming a row of a table the import maps.
AUDIT_TARGETS = {"user": "users", "agent": "agents", "task": "tasks", "project": "projects"}


def import_audit_log(imp: Importer) -> None:
    """Original audit rows are appended to our hash chain, marked as imported, with their
    user and target ids mapped to ours (the original ids stay in `detail`). They are history:
    nothing is announced as a live security event."""
    report = imp.table_report("audit_log")
    for row in imp.rows("audit_log"):
        if imp.mapped("audit_log", row.get("id")) is not None:
            report.existing += 1
            continue
        if not row.get("action"):
            report.skipped += 1
            report.reasons["audit row without an action"] += 1
            continue
        detail = parse_json(row.get("detail"), {})
        detail = {**detail, "imported_from": imp.source}
        actor_id = as_int(row.get("actor_id"))
        if actor_id is not None:
            detail["original_actor_id"] = actor_id
            actor_id = imp.mapped("users", actor_id)
        target_type, target_id = row.get("target_type"), row.get("target_id")
        if target_type in AUDIT_TARGETS and target_id is not None:
            detail["original_target_id"] = target_id
            target_id = imp.mapped(AUDIT_TARGETS[target_type], target_id)
        write_audit(
            imp.conn,
            str(row["action"])[:64],
            actor=str(row.get("actor") or "unknown"),
            actor_id=actor_id,
            target_type=target_type,
            target_id=target_id,
            detail=detail,
            ip=str(row.get("ip_address") or ""),
            user_agent=str(row.get("user_agent") or ""),
            workspace_id=imp.workspace(row.get("workspace_id")),
            now=imp.ts(row.get("created_at")),
            announce=False,
        )
        imp.remember("audit_log", row.get("id"), 0)
        report.imported += 1
        report.carried(row)


def import_settings(imp: Importer) -> None:
    """Only the rotated global key's hash comes over, so the original's key keeps working."""
    report = imp.table_report("settings")
    for row in imp.rows("settings"):
        if row.get("key") != GLOBAL_KEY_SETTING:
            report.carried(row)  # refused by its key: its other columns stay behind
            report.skipped += 1
            report.reasons["setting not carried over (configure it here)"] += 1
            continue
        ours = imp.conn.execute(
            sa.select(settings_table.c.key).where(settings_table.c.key == GLOBAL_KEY_SETTING)
        ).first()
        if ours is not None:
            report.existing += 1
            continue
        imp.conn.execute(
            sa.insert(settings_table).values(
                key=GLOBAL_KEY_SETTING,
                value=str(row.get("value") or ""),
                category="security",
                description="SHA-256 of the rotated global API key (imported)",
                updated_by="import",
                updated_at=imp.now,
            )
        )
        report.imported += 1
        report.carried(row)
