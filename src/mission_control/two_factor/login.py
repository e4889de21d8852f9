"""The second login step after a correct password: `OTP_REQUIRED`, or a consumed code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mission_control.errors import Unauthorized
from mission_control.security.actor import Actor
from mission_control.security.secretbox import secret_box
from mission_control.two_factor.service import login_second_factor

if TYPE_CHECKING:
    from mission_control.runtime import Runtime


async def require_second_factor(
    rt: Runtime, origin: Actor, user: dict[str, Any], username: str, otp: str | None
) -> None:
    """Raise 401 unless `otp` is a fresh TOTP code or an unused recovery code of `user`.
    A wrong code counts as a failed login for the login rate limits."""
    if not otp or not otp.strip():
        raise Unauthorized("Two-factor code required", code="OTP_REQUIRED")
    ok = await rt.db.write(login_second_factor, secret_box(rt.settings), user, origin, otp)
    if not ok:
        await rt.limiter.add("login_ip", origin.ip)
        await rt.limiter.add("login_user", username)
        raise Unauthorized("Invalid two-factor code", code="OTP_INVALID")
