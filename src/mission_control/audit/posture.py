"""The security events view: counts, top source IPs, the failed-login trend and a posture score."""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.audit.schemas import TIMEFRAMES, Timeframe
from mission_control.db.tables import audit_log, security_events
from mission_control.security.security_events import SECURITY_EVENT_TYPES

TOP_IPS = 10
RECENT_EVENTS = 20
POSTURE_WINDOW_S = 86400
BRUTE_FORCE_FAILURES = 10
# (events that cost one point, most points) per event type over the posture window.
_PENALTIES: dict[str, tuple[float, int, str]] = {
    "auth_failure": (2, 20, "failed authentications in the last 24 hours"),
    "rate_limit_hit": (2, 10, "rate limit hits in the last 24 hours"),
    "csrf_denied": (1, 10, "cross-site requests refused in the last 24 hours"),
    "host_denied": (2, 10, "requests for unknown hosts refused in the last 24 hours"),
    "permission_denied": (2, 10, "requests refused for missing role in the last 24 hours"),
}
CONFIG_FAIL_POINTS = 10
CONFIG_WARN_POINTS = 2
CONFIG_MAX_POINTS = 40


def _counts_by_timeframe(conn: Connection, now: int) -> dict[str, dict[str, int]]:
    """Every event type counted over each timeframe, in one scan of the last month."""
    columns = [
        sa.func.sum(sa.case((security_events.c.created_at >= now - seconds, 1), else_=0)).label(
            name
        )
        for name, seconds in TIMEFRAMES.items()
    ]
    rows = conn.execute(
        sa.select(security_events.c.event_type, *columns)
        .where(security_events.c.created_at >= now - max(TIMEFRAMES.values()))
        .group_by(security_events.c.event_type)
    ).mappings()
    result = {name: dict.fromkeys(SECURITY_EVENT_TYPES, 0) for name in TIMEFRAMES}
    for row in rows:
        for name in TIMEFRAMES:
            result[name][row["event_type"]] = int(row[name] or 0)
    return result


def _top_ips(conn: Connection, since: int) -> list[dict[str, Any]]:
    count = sa.func.count().label("count")
    top = conn.execute(
        sa.select(security_events.c.ip_address, count)
        .where(security_events.c.created_at >= since, security_events.c.ip_address.is_not(None))
        .group_by(security_events.c.ip_address)
        .order_by(count.desc(), security_events.c.ip_address)
        .limit(TOP_IPS)
    ).all()
    ips = [ip for ip, _ in top]
    by_type: dict[str, dict[str, int]] = {ip: {} for ip in ips}
    if ips:
        for ip, event_type, n in conn.execute(
            sa.select(security_events.c.ip_address, security_events.c.event_type, sa.func.count())
            .where(security_events.c.created_at >= since, security_events.c.ip_address.in_(ips))
            .group_by(security_events.c.ip_address, security_events.c.event_type)
        ).all():
            by_type[ip][event_type] = int(n)
    return [{"ip": ip, "count": int(n), "by_type": by_type[ip]} for ip, n in top]


def _failed_login_trend(conn: Connection, since: int, now: int) -> list[dict[str, int]]:
    """Failed logins per hour from `since` to now, empty hours included."""
    bucket = (audit_log.c.created_at // 3600).label("bucket")
    rows = conn.execute(
        sa.select(bucket, sa.func.count())
        .where(audit_log.c.action == "login_failed", audit_log.c.created_at >= since)
        .group_by(bucket)
    ).all()
    counts = {int(b): int(n) for b, n in rows}
    first, last = since // 3600, now // 3600
    return [{"hour": h * 3600, "count": counts.get(h, 0)} for h in range(first, last + 1)]


def _brute_force_ips(conn: Connection, since: int) -> list[str]:
    count = sa.func.count()
    rows = conn.execute(
        sa.select(security_events.c.ip_address)
        .where(
            security_events.c.event_type == "auth_failure",
            security_events.c.created_at >= since,
        )
        .group_by(security_events.c.ip_address)
        .having(count >= BRUTE_FORCE_FAILURES)
    ).all()
    return sorted(str(ip) for (ip,) in rows if ip)


def _recent(conn: Connection) -> list[dict[str, Any]]:
    rows = (
        conn.execute(
            sa.select(
                security_events.c.id,
                security_events.c.event_type,
                security_events.c.severity,
                security_events.c.ip_address,
                security_events.c.agent_name,
                security_events.c.detail,
                security_events.c.created_at,
            )
            .order_by(security_events.c.id.desc())
            .limit(RECENT_EVENTS)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def posture_score(
    counts: dict[str, int], brute_force_ips: list[str], checks: list[dict[str, Any]]
) -> dict[str, Any]:
    """100 minus points for recent hostile traffic and for failing configuration checks."""
    reasons: list[dict[str, Any]] = []
    for event_type, (per_point, most, text) in _PENALTIES.items():
        n = counts.get(event_type, 0)
        if n:
            points = min(most, math.ceil(n / per_point))
            reasons.append({"id": event_type, "penalty": points, "reason": f"{n} {text}"})
    if brute_force_ips:
        reasons.append(
            {
                "id": "brute_force",
                "penalty": min(15, 5 * len(brute_force_ips)),
                "reason": f"{len(brute_force_ips)} IP(s) with {BRUTE_FORCE_FAILURES}+ failed "
                f"authentications: {', '.join(brute_force_ips[:5])}",
            }
        )
    config_points = 0
    for check in checks:
        if check["status"] in ("fail", "warn"):
            points = CONFIG_FAIL_POINTS if check["status"] == "fail" else CONFIG_WARN_POINTS
            config_points += points
            reasons.append(
                {
                    "id": f"config.{check['id']}",
                    "penalty": points,
                    "reason": f"{check['title']}: {check['detail']}",
                }
            )
    if config_points > CONFIG_MAX_POINTS:  # keep the per-item reasons, cap their sum
        excess = config_points - CONFIG_MAX_POINTS
        reasons.append({"id": "config.cap", "penalty": -excess, "reason": "configuration cap"})
    score = max(0, min(100, 100 - sum(r["penalty"] for r in reasons)))
    level = (
        "good" if score >= 90 else "fair" if score >= 70 else "poor" if score >= 40 else "critical"
    )
    return {"score": score, "level": level, "reasons": reasons}


def security_overview(
    conn: Connection, timeframe: Timeframe, now: int, checks: list[dict[str, Any]]
) -> dict[str, Any]:
    """The whole `/api/security-audit` answer for `timeframe`."""
    since = now - TIMEFRAMES[timeframe]
    by_timeframe = _counts_by_timeframe(conn, now)
    failed_logins = _failed_login_trend(conn, since, now)
    window_since = now - POSTURE_WINDOW_S
    window_counts = by_timeframe["day"]
    return {
        "timeframe": timeframe,
        "since": since,
        "until": now,
        "totals": by_timeframe[timeframe],
        "total_events": sum(by_timeframe[timeframe].values()),
        "counts": by_timeframe,
        "top_ips": _top_ips(conn, since),
        "failed_logins": {
            "total": sum(b["count"] for b in failed_logins),
            "trend": failed_logins,
        },
        "recent": _recent(conn),
        "posture": posture_score(window_counts, _brute_force_ips(conn, window_since), checks),
    }
