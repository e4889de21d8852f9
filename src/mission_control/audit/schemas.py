"""Audit query filters and the parsing of their times and limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from mission_control.errors import BadRequest
from mission_control.pagination import CAPS, clamp_limit, clamp_offset

AUDIT_DEFAULT_LIMIT = 1000
Timeframe = Literal["hour", "day", "week", "month"]
TIMEFRAMES: dict[str, int] = {"hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400}


def parse_time(raw: str | None, name: str) -> int | None:
    """Unix seconds, or an ISO 8601 date/time (UTC unless it names a zone)."""
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} must be unix seconds or an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _text(raw: str | None, name: str, max_len: int = 200) -> str | None:
    if raw is None or raw == "":
        return None
    if len(raw) > max_len:
        raise BadRequest(f"{name} must be at most {max_len} characters")
    return raw


@dataclass(frozen=True)
class AuditFilter:
    """Which audit rows to read; every field is optional."""

    action: str | None = None
    actor: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: int | None = None
    until: int | None = None

    @classmethod
    def parse(
        cls,
        *,
        action: str | None = None,
        actor: str | None = None,
        target_type: str | None = None,
        target_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> AuditFilter:
        return cls(
            action=_text(action, "action", 64),
            actor=_text(actor, "actor"),
            target_type=_text(target_type, "target_type", 64),
            target_id=_text(target_id, "target_id"),
            since=parse_time(since, "since"),
            until=parse_time(until, "until"),
        )


def audit_page(limit: str | None, offset: str | None) -> tuple[int, int]:
    """`limit` clamped to 1..10000 (default 1000), `offset` at least 0."""
    return clamp_limit(limit, CAPS["audit"], AUDIT_DEFAULT_LIMIT), clamp_offset(offset)


def parse_timeframe(raw: str | None) -> Timeframe:
    value = (raw or "day").strip().lower()
    if value not in TIMEFRAMES:
        raise BadRequest("timeframe must be one of hour, day, week, month")
    return value  # type: ignore[return-value]
