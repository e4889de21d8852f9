"""The second login step after a correct password: `OTP_REQUIRED`, or a consumed code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mission_control.errors import Unauthorized
from mission_control.security.actor import Actor
from mission_control.security.secretbox import secret_box
from mission_control.two_factor.service import login_second_factor

if TYPE_CHECKING:
    from mission_control.runtime import Runtime


async def check_second_factor(
    rt: Runtime, origin: Actor, user: dict[str, Any], otp: str | None
) -> bool:
    """After a correct password: 401 `OTP_REQUIRED` without a code, else whether `otp` is a
    fresh TOTP code or an unused recovery code of `user` (consumed, and audited either way).
    The caller counts a wrong code as a failed login."""
    if not otp or not otp.strip():
        raise Unauthorized("Two-factor code required", code="OTP_REQUIRED")
    result: bool = await rt.db.write(
        login_second_factor, secret_box(rt.settings), user, origin, otp
    )
    return result
