"""GET /api/schedule-parse: phrases and raw cron to `{cronExpr, humanReadable}`."""

from __future__ import annotations

from typing import Any

import pytest

from mission_control.errors import BadRequest
from mission_control.jobs.schedule_parse import parse_schedule

CASES = [
    ("*/5 * * * *", "*/5 * * * *", "Every 5 minutes"),
    ("0 9 * * 1-5", "0 9 * * 1-5", "Every weekday at 09:00"),
    ("30 2 1 * *", "30 2 1 * *", "On day 1 of every month at 02:30"),
    ("hourly", "0 * * * *", "Every hour"),
    ("daily", "0 0 * * *", "Every day at 00:00"),
    ("weekly", "0 0 * * 0", "Every Sunday at 00:00"),
    ("every 15 minutes", "*/15 * * * *", "Every 15 minutes"),
    ("every 2 hours", "0 */2 * * *", "Every 2 hours"),
    ("every day at 9am", "0 9 * * *", "Every day at 09:00"),
    ("Every day at 9 pm", "0 21 * * *", "Every day at 21:00"),
    ("every day at 12am", "0 0 * * *", "Every day at 00:00"),
    ("every monday at 14:30", "30 14 * * 1", "Every Monday at 14:30"),
    ("every friday", "0 0 * * 5", "Every Friday at 00:00"),
    ("every weekday at 8:15", "15 8 * * 1-5", "Every weekday at 08:15"),
]


@pytest.mark.parametrize(("text", "cron", "human"), CASES)
def test_parse(text: str, cron: str, human: str) -> None:
    assert parse_schedule(text) == {"cronExpr": cron, "humanReadable": human}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "sometimes",
        "every 0 minutes",
        "every 90 minutes",
        "every day at 25:00",
        "every day at 13pm",
        "every funday",
        "61 * * * *",
        "* * * * * *",
        "0 0 32 * *",
        "x" * 500,
    ],
)
def test_refused(text: str) -> None:
    with pytest.raises(BadRequest):
        parse_schedule(text)


async def test_route(viewer: Any) -> None:
    ok = await viewer.get("/api/schedule-parse", params={"input": "every monday at 14:30"})
    assert ok.status_code == 200
    assert ok.json() == {"cronExpr": "30 14 * * 1", "humanReadable": "Every Monday at 14:30"}
    bad_cron = await viewer.get("/api/schedule-parse", params={"input": "99 * * * *"})
    assert bad_cron.status_code == 400
    assert bad_cron.json() == {"error": "Invalid cron expression"}
    assert (
        await viewer.get("/api/schedule-parse", params={"input": "whenever"})
    ).status_code == 400
    assert (await viewer.get("/api/schedule-parse")).status_code == 400


async def test_route_needs_login(harness: Any) -> None:
    assert (await harness.client.get("/api/schedule-parse?input=daily")).status_code == 401
