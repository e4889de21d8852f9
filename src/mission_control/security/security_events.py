"""Security events (`security_events`): what the posture view and alert rules count."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import security_events
from mission_control.events.bus import publish

SECURITY_EVENT_TYPES = (
    "auth_failure",
    "rate_limit_hit",
    "host_denied",
    "csrf_denied",
    "permission_denied",
    "api_key_used",
)

log = logging.getLogger("mission_control.security")


def record_security_event(
    conn: Connection,
    event_type: str,
    *,
    ip: str,
    severity: str = "info",
    detail: dict[str, Any] | None = None,
    source: str | None = None,
    agent_name: str | None = None,
    workspace_id: int = 1,
    now: int | None = None,
) -> None:
    created = now if now is not None else int(time.time())
    conn.execute(
        sa.insert(security_events).values(
            event_type=event_type,
            severity=severity,
            source=source,
            agent_name=agent_name,
            detail=detail or {},
            ip_address=ip[:64],
            workspace_id=workspace_id,
            created_at=created,
        )
    )
    publish(
        conn,
        workspace_id,
        "audit.security",
        {"event_type": event_type, "severity": severity, "ip_address": ip},
    )


Writer = Callable[[Callable[[Connection], None]], Awaitable[None]]


class SecuritySink:
    """Records security events from middleware, at most `per_minute` per (type, IP).

    Denials are cheap for an attacker to cause; without the cap every forged request
    would become a database write.
    """

    def __init__(self, write: Writer, *, per_minute: int = 30) -> None:
        self._write = write
        self._per_minute = per_minute
        self._counts: dict[tuple[str, str], tuple[int, int]] = {}

    def _allow(self, event_type: str, ip: str) -> bool:
        minute = int(time.time() // 60)
        key = (event_type, ip)
        window, count = self._counts.get(key, (minute, 0))
        if window != minute:
            window, count = minute, 0
        if len(self._counts) > 10_000:
            self._counts = {k: v for k, v in self._counts.items() if v[0] == minute}
        self._counts[key] = (window, count + 1)
        return count < self._per_minute

    async def report(
        self,
        event_type: str,
        ip: str,
        *,
        severity: str = "info",
        detail: dict[str, Any] | None = None,
        audit_action: str | None = None,
        actor_name: str = "anonymous",
        actor_id: int | None = None,
        user_agent: str = "",
    ) -> None:
        if not self._allow(event_type, ip):
            return
        from mission_control.security.audit import write_audit

        def _store(conn: Connection) -> None:
            record_security_event(conn, event_type, ip=ip, severity=severity, detail=detail)
            if audit_action:
                write_audit(
                    conn,
                    audit_action,
                    actor=actor_name,
                    actor_id=actor_id,
                    detail=detail,
                    ip=ip,
                    user_agent=user_agent,
                )

        try:
            await self._write(_store)
        except Exception:  # a failed bookkeeping write must not turn a 403 into a 500
            log.exception("could not record security event %s", event_type)
