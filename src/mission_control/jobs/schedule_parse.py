"""Turning plain-language schedules ("every monday at 14:30") into 5-field cron."""

from __future__ import annotations

import re

from croniter import croniter

from mission_control.errors import BadRequest

DAYS = {
    "sunday": 0,
    "monday": 1,
    "tuesday": 2,
    "wednesday": 3,
    "thursday": 4,
    "friday": 5,
    "saturday": 6,
}
_DAY_ALIASES = {name[:3]: num for name, num in DAYS.items()} | DAYS
_DAY_NAMES = {num: name.capitalize() for name, num in DAYS.items()}
_TIME = r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?"
_SHORTCUTS = {
    "hourly": ("0 * * * *", "Every hour"),
    "every hour": ("0 * * * *", "Every hour"),
    "daily": ("0 0 * * *", "Every day at 00:00"),
    "every day": ("0 0 * * *", "Every day at 00:00"),
    "midnight": ("0 0 * * *", "Every day at 00:00"),
    "weekly": ("0 0 * * 0", "Every Sunday at 00:00"),
    "every week": ("0 0 * * 0", "Every Sunday at 00:00"),
    "monthly": ("0 0 1 * *", "On day 1 of every month at 00:00"),
    "every month": ("0 0 1 * *", "On day 1 of every month at 00:00"),
    "weekdays": ("0 9 * * 1-5", "Every weekday at 09:00"),
    "every minute": ("* * * * *", "Every minute"),
}


def _clock(hour_s: str, minute_s: str | None, meridiem: str | None) -> tuple[int, int]:
    hour, minute = int(hour_s), int(minute_s or 0)
    if meridiem:
        if not 1 <= hour <= 12:
            raise BadRequest("Invalid time of day")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise BadRequest("Invalid time of day")
    return hour, minute


def describe_cron(expr: str) -> str:
    """A short English reading of common cron shapes; the raw expression otherwise."""
    minute, hour, dom, month, dow = expr.split()
    simple = minute.isdigit() and hour.isdigit()
    at = f"{int(hour):02d}:{int(minute):02d}" if simple else ""
    if expr == "* * * * *":
        return "Every minute"
    if (m := re.fullmatch(r"\*/(\d+)", minute)) and (hour, dom, month, dow) == ("*",) * 4:
        return f"Every {m.group(1)} minutes"
    if (
        minute.isdigit()
        and (m := re.fullmatch(r"\*/(\d+)", hour))
        and (dom, month, dow) == ("*",) * 3
    ):
        return f"Every {m.group(1)} hours at minute {int(minute)}"
    if minute.isdigit() and (hour, dom, month, dow) == ("*",) * 4:
        return "Every hour" if minute == "0" else f"Every hour at minute {int(minute)}"
    if simple and (dom, month) == ("*", "*"):
        if dow == "*":
            return f"Every day at {at}"
        if dow == "1-5":
            return f"Every weekday at {at}"
        if dow.isdigit() and int(dow) in _DAY_NAMES:
            return f"Every {_DAY_NAMES[int(dow)]} at {at}"
        if dow == "7":
            return f"Every Sunday at {at}"
    if simple and dom.isdigit() and (month, dow) == ("*", "*"):
        return f"On day {int(dom)} of every month at {at}"
    return f"Cron: {expr}"


def parse_schedule(text: str) -> dict[str, str]:
    """`{cronExpr, humanReadable}` for raw cron or a phrase; BadRequest otherwise."""
    raw = " ".join(text.strip().split())
    if not raw or len(raw) > 200:
        raise BadRequest("input is required (1..200 characters)")
    fields = raw.split()
    if len(fields) == 5 and re.fullmatch(r"[0-9*/,\-]+", fields[0]):
        if not croniter.is_valid(raw):
            raise BadRequest("Invalid cron expression")
        return {"cronExpr": raw, "humanReadable": describe_cron(raw)}
    phrase = raw.lower()
    if phrase in _SHORTCUTS:
        expr, human = _SHORTCUTS[phrase]
        return {"cronExpr": expr, "humanReadable": human}
    if m := re.fullmatch(r"every (\d+) (minute|minutes|min|mins)", phrase):
        n = int(m.group(1))
        if not 1 <= n <= 59:
            raise BadRequest("Minutes must be 1..59")
        expr = "* * * * *" if n == 1 else f"*/{n} * * * *"
        return {
            "cronExpr": expr,
            "humanReadable": "Every minute" if n == 1 else f"Every {n} minutes",
        }
    if m := re.fullmatch(r"every (\d+) (hour|hours|hr|hrs)", phrase):
        n = int(m.group(1))
        if not 1 <= n <= 23:
            raise BadRequest("Hours must be 1..23")
        expr = "0 * * * *" if n == 1 else f"0 */{n} * * *"
        return {"cronExpr": expr, "humanReadable": "Every hour" if n == 1 else f"Every {n} hours"}
    if m := re.fullmatch(rf"(?:every day|daily|each day)(?: at)? {_TIME}", phrase):
        hour, minute = _clock(m.group(1), m.group(2), m.group(3))
        return {
            "cronExpr": f"{minute} {hour} * * *",
            "humanReadable": f"Every day at {hour:02d}:{minute:02d}",
        }
    if m := re.fullmatch(rf"(?:every )?weekdays?(?: at)? {_TIME}", phrase):
        hour, minute = _clock(m.group(1), m.group(2), m.group(3))
        return {
            "cronExpr": f"{minute} {hour} * * 1-5",
            "humanReadable": f"Every weekday at {hour:02d}:{minute:02d}",
        }
    if m := re.fullmatch(rf"(?:every|each|on) ([a-z]+?)s?(?:(?: at)? {_TIME})?", phrase):
        day = _DAY_ALIASES.get(m.group(1))
        if day is not None:
            hour, minute = _clock(m.group(2), m.group(3), m.group(4)) if m.group(2) else (0, 0)
            return {
                "cronExpr": f"{minute} {hour} * * {day}",
                "humanReadable": f"Every {_DAY_NAMES[day]} at {hour:02d}:{minute:02d}",
            }
    if m := re.fullmatch(rf"(?:at )?{_TIME}(?: every day| daily)", phrase):
        hour, minute = _clock(m.group(1), m.group(2), m.group(3))
        return {
            "cronExpr": f"{minute} {hour} * * *",
            "humanReadable": f"Every day at {hour:02d}:{minute:02d}",
        }
    raise BadRequest(
        "Could not parse schedule; use a 5-field cron expression or a phrase like "
        "'every day at 9am'"
    )
