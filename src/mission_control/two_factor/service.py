"""TOTP enrolment, login checks with replay protection, recovery codes, and resets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from typing import Any, Literal

import pyotp
import segno
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import recovery_codes, users
from mission_control.errors import BadRequest, Conflict, NotFound
from mission_control.security.actor import Actor
from mission_control.security.audit import audit
from mission_control.security.identity import user_actor
from mission_control.security.secretbox import SecretBox
from mission_control.users.service import find_by_id, find_by_username

ISSUER = "Mission Control"
STEP_S = 30
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
_TOTP_RE = re.compile(r"^\d{6}$")
_RECOVERY_RE = re.compile(r"^[a-z2-7]{16}$")

Factor = Literal["totp", "recovery"]


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _normalize_recovery(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def new_recovery_code() -> str:
    """80 random bits as `xxxx-xxxx-xxxx-xxxx` (base32, lower case)."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _user_for_update(conn: Connection, user_id: int) -> dict[str, Any]:
    query = sa.select(users).where(users.c.id == user_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound("User not found")
    return dict(row)


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step (current ±1) whose code equals `code`, compared in constant time."""
    if not _TOTP_RE.match(code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_S)
    current = int(now // STEP_S)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _use_totp(conn: Connection, user: dict[str, Any], secret: str, code: str, now: float) -> bool:
    """Accept a code once: its step must be newer than the last accepted one."""
    step = matching_step(secret, code, now)
    if step is None:
        return False
    last = user["totp_last_step"]
    if last is not None and step <= last:
        return False
    done = conn.execute(
        sa.update(users)
        .where(
            users.c.id == user["id"],
            sa.or_(users.c.totp_last_step.is_(None), users.c.totp_last_step < step),
        )
        .values(totp_last_step=step)
    ).rowcount
    return bool(done)


def _use_recovery_code(conn: Connection, user_id: int, code: str, now: int) -> bool:
    normalized = _normalize_recovery(code)
    if not _RECOVERY_RE.match(normalized):
        return False
    done = conn.execute(
        sa.update(recovery_codes)
        .where(
            recovery_codes.c.user_id == user_id,
            recovery_codes.c.code_hash == _hash_code(normalized),
            recovery_codes.c.used_at.is_(None),
        )
        .values(used_at=now)
    ).rowcount
    return bool(done)


def use_second_factor(
    conn: Connection, box: SecretBox, user_id: int, code: str, now: float
) -> Factor | None:
    """Consume a TOTP code or a recovery code of an enrolled user; None when neither works."""
    user = _user_for_update(conn, user_id)
    if not user["totp_enabled"] or not user["totp_secret"]:
        return None
    code = code.strip()[:64]
    if _use_totp(conn, user, box.decrypt(user["totp_secret"]), code, now):
        return "totp"
    if _use_recovery_code(conn, user_id, code, int(now)):
        return "recovery"
    return None


def record_failure(conn: Connection, actor: Actor, purpose: str) -> None:
    audit(
        conn, actor, "2fa_failed", target_type="user", target_id=actor.id, detail={"for": purpose}
    )


def login_second_factor(
    conn: Connection, box: SecretBox, user: dict[str, Any], origin: Actor, code: str
) -> bool:
    """The login step after a correct password: consume the code, audit the outcome."""
    actor = user_actor(user).with_origin(origin.ip, origin.user_agent)
    factor = use_second_factor(conn, box, user["id"], code, time.time())
    if factor is None:
        record_failure(conn, actor, "login")
        return False
    if factor == "recovery":
        audit(
            conn,
            actor,
            "recovery_code_used",
            target_type="user",
            target_id=user["id"],
            detail={"remaining": remaining_recovery_codes(conn, user["id"])},
        )
    return True


def remaining_recovery_codes(conn: Connection, user_id: int) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(recovery_codes)
            .where(recovery_codes.c.user_id == user_id, recovery_codes.c.used_at.is_(None))
        ).scalar()
        or 0
    )


def status(conn: Connection, user_id: int) -> dict[str, Any]:
    user = find_by_id(conn, user_id)
    if user is None:
        raise NotFound("User not found")
    return {
        "enabled": bool(user["totp_enabled"]),
        "pending_setup": bool(user["totp_secret"]) and not user["totp_enabled"],
        "recovery_codes_remaining": remaining_recovery_codes(conn, user_id),
    }


def begin_setup(conn: Connection, actor: Actor, box: SecretBox) -> dict[str, str]:
    """A fresh secret (stored encrypted, not yet enabled), its otpauth URI and a QR code."""
    user = _user_for_update(conn, actor.id)
    if user["provider"] != "local":
        raise BadRequest("Two-factor login is for local accounts; use your provider's 2FA")
    if user["totp_enabled"]:
        raise Conflict("Two-factor login is already enabled")
    secret = pyotp.random_base32(32)
    conn.execute(
        sa.update(users)
        .where(users.c.id == actor.id)
        .values(totp_secret=box.encrypt(secret), totp_last_step=None, updated_at=int(time.time()))
    )
    uri = pyotp.TOTP(secret, interval=STEP_S).provisioning_uri(
        name=user["email"] or user["username"], issuer_name=ISSUER
    )
    qr = segno.make(uri, error="m").svg_data_uri(scale=4)
    return {"secret": secret, "otpauth_uri": uri, "qr_svg": qr}


def _replace_recovery_codes(conn: Connection, user_id: int, now: int) -> list[str]:
    conn.execute(sa.delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    conn.execute(
        sa.insert(recovery_codes),
        [
            {"user_id": user_id, "code_hash": _hash_code(_normalize_recovery(c)), "created_at": now}
            for c in codes
        ],
    )
    return codes


def enable(conn: Connection, actor: Actor, box: SecretBox, code: str) -> list[str] | None:
    """Confirm the pending secret with one code; answers the recovery codes, or None
    (with a `2fa_failed` row) when the code is wrong."""
    now = time.time()
    user = _user_for_update(conn, actor.id)
    if user["totp_enabled"]:
        raise Conflict("Two-factor login is already enabled")
    if not user["totp_secret"]:
        raise BadRequest("Start two-factor setup first")
    if not _use_totp(conn, user, box.decrypt(user["totp_secret"]), code.strip(), now):
        record_failure(conn, actor, "enable")
        return None
    conn.execute(
        sa.update(users)
        .where(users.c.id == actor.id)
        .values(totp_enabled=True, updated_at=int(now))
    )
    codes = _replace_recovery_codes(conn, actor.id, int(now))
    audit(conn, actor, "2fa_enabled", target_type="user", target_id=actor.id)
    return codes


def _clear(conn: Connection, user_id: int) -> None:
    conn.execute(
        sa.update(users)
        .where(users.c.id == user_id)
        .values(
            totp_enabled=False, totp_secret=None, totp_last_step=None, updated_at=int(time.time())
        )
    )
    conn.execute(sa.delete(recovery_codes).where(recovery_codes.c.user_id == user_id))


def disable(conn: Connection, actor: Actor, box: SecretBox, code: str) -> bool:
    """Turn 2FA off after the password was checked; needs a valid code or recovery code."""
    user = _user_for_update(conn, actor.id)
    if not user["totp_enabled"]:
        raise BadRequest("Two-factor login is not enabled")
    factor = use_second_factor(conn, box, actor.id, code, time.time())
    if factor is None:
        record_failure(conn, actor, "disable")
        return False
    _clear(conn, actor.id)
    audit(
        conn, actor, "2fa_disabled", target_type="user", target_id=actor.id, detail={"by": factor}
    )
    return True


def reset(conn: Connection, actor: Actor, username: str) -> dict[str, Any]:
    """Operator reset (CLI): remove a user's 2FA so they can log in with the password alone."""
    user = find_by_username(conn, username.strip().lower())
    if user is None:
        raise NotFound("User not found")
    was_enabled = bool(user["totp_enabled"])
    _clear(conn, user["id"])
    audit(
        conn,
        actor,
        "2fa_disabled",
        target_type="user",
        target_id=user["id"],
        detail={"username": user["username"], "reset": True, "was_enabled": was_enabled},
    )
    return user
