"""Audit query filters, the parsing of their times and limits, and the answers' models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

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


# -- response models (documentation; the routes answer with orjson directly) --


class AuditEvent(BaseModel):
    id: int
    action: str
    actor: str
    actor_id: int | None
    target_type: str | None
    target_id: str | None
    detail: dict[str, Any]
    ip_address: str | None
    user_agent: str | None
    workspace_id: int
    created_at: int
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    events: list[AuditEvent]
    total: int
    limit: int
    offset: int


class AuditCheckpoint(BaseModel):
    """The newest `audit_checkpoint` row, which vouches for the chain a purge removed."""

    id: int
    created_at: int
    detail: dict[str, Any]


class ChainCheck(BaseModel):
    ok: bool
    checked: int
    first_id: int | None
    last_id: int | None
    broken_at: int | None = Field(description="The first row that does not check out")
    reason: str | None
    checkpoint: AuditCheckpoint | None


class SecurityCounts(BaseModel):
    """Each security event type counted over each timeframe."""

    hour: dict[str, int]
    day: dict[str, int]
    week: dict[str, int]
    month: dict[str, int]


class TopIp(BaseModel):
    ip: str
    count: int
    by_type: dict[str, int]


class HourlyCount(BaseModel):
    hour: int = Field(description="Start of the hour, unix seconds")
    count: int


class FailedLogins(BaseModel):
    total: int
    trend: list[HourlyCount] = Field(description="Every hour of the timeframe, empty ones too")


class SecurityEventOut(BaseModel):
    id: int
    event_type: str
    severity: str
    ip_address: str | None
    agent_name: str | None
    detail: Any = Field(description="An object for events this server records")
    created_at: int


class PostureReason(BaseModel):
    id: str
    penalty: int
    reason: str


class Posture(BaseModel):
    score: int = Field(ge=0, le=100)
    level: Literal["good", "fair", "poor", "critical"]
    reasons: list[PostureReason]


class SecurityAuditOut(BaseModel):
    timeframe: Timeframe
    since: int
    until: int
    totals: dict[str, int] = Field(description="Events by type in the timeframe")
    total_events: int
    counts: SecurityCounts
    top_ips: list[TopIp]
    failed_logins: FailedLogins
    recent: list[SecurityEventOut] = Field(description="The newest 20 events")
    posture: Posture


class ScanItem(BaseModel):
    id: str
    title: str
    status: Literal["pass", "warn", "fail"]
    detail: str
    fix: str


class ScanSummary(BaseModel):
    pass_: int = Field(alias="pass")
    warn: int
    fail: int


class SecurityScanOut(BaseModel):
    score: int = Field(ge=0, le=100)
    summary: ScanSummary
    items: list[ScanItem]
