"""Seeds the first admin from AUTH_USER / AUTH_PASS when the users table is empty."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Connection

from mission_control.security.actor import system_actor
from mission_control.security.audit import audit
from mission_control.security.passwords import PasswordPolicyError, Passwords, check_policy
from mission_control.settings import ConfigError, Settings
from mission_control.users.service import (
    count_users,
    insert_user,
    lock_user_table,
    normalize_username,
)

log = logging.getLogger("mission_control")


def seed_admin_from_env(conn: Connection, settings: Settings, passwords: Passwords) -> None:
    password = settings.admin_password
    if not password:
        return
    lock_user_table(conn)
    if count_users(conn):
        return
    try:
        check_policy(password)
        username = normalize_username(settings.auth_user)
    except PasswordPolicyError as exc:
        raise ConfigError(f"{settings.admin_password_variable}: {exc}") from exc
    except Exception as exc:
        raise ConfigError("AUTH_USER: 2 to 64 characters of a-z, 0-9, '_', '.', '-'") from exc
    user = insert_user(
        conn,
        username=username,
        password_hash=passwords.hash_sync(password),
        role="admin",
        display_name=username,
    )
    audit(
        conn,
        system_actor("bootstrap"),
        "setup_admin_created",
        target_type="user",
        target_id=user["id"],
        detail={"username": username, "source": "env"},
    )
    log.info("seeded admin user %s from %s", username, settings.admin_password_variable)
