"""The task list (JSON written by SQLite on SQLite) shows each task exactly as a read of that
one task does (rows turned into dicts in Python), for awkward values too."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import comments, projects, tasks
from mission_control.tasks.reads import find_task
from tests.conftest import AppHarness

# Floats whose 15-digit rendering reads back as another double, and ones that do not.
HOURS = [0.1 + 0.2, 1 / 3, 2.0, 0.0, 1e-7, 123456.789, 999999.9999999999, 7.5]
TEXTS = [
    'quotes " and \\ backslash',
    "tab\tnew line\ncontrol \x01 \x1f end",
    "unicode é 漢字 🚀 \u2028 \u2029",
    "</script><!-- -->",
]


def _insert_awkward(conn: Connection) -> list[int]:
    now = int(time.time())
    bare = conn.execute(
        sa.insert(projects).values(
            workspace_id=1,
            name="No prefix",
            slug="no-prefix",
            ticket_prefix="",
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key
    assert bare is not None
    ids: list[int] = []
    for n, hours in enumerate(HOURS):
        values: dict[str, Any] = {
            "title": TEXTS[n % len(TEXTS)],
            "description": TEXTS[(n + 1) % len(TEXTS)] if n % 3 else None,
            "status": "inbox",
            "priority": "high",
            "created_by": "test",
            "estimated_hours": hours,
            "actual_hours": None if n % 2 else float(n),
            "tags": [TEXTS[n % len(TEXTS)], "x"] if n % 2 else None,
            "metadata": {"nested": {"n": n, "f": hours, "ok": True, "none": None}}
            if n % 3
            else None,
            "project_id": bare[0] if n == 3 else 1,
            "project_ticket_no": None if n == 5 else n + 1,
            "due_date": now + n if n % 2 else None,
            "workspace_id": 1,
            "created_at": now - n,
            "updated_at": now,
        }
        result = conn.execute(sa.insert(tasks).values(**values)).inserted_primary_key
        assert result is not None
        ids.append(int(result[0]))
    # A JSON column holding SQL NULL (not the JSON text 'null' SQLAlchemy writes for None).
    conn.execute(sa.update(tasks).where(tasks.c.id == ids[0]).values(tags=sa.null()))
    for _ in range(3):
        conn.execute(
            sa.insert(comments).values(
                task_id=ids[1], author="a", content="c", workspace_id=1, created_at=now
            )
        )
    return ids


async def test_list_matches_single_reads(harness: AppHarness, admin: httpx.AsyncClient) -> None:
    created = await admin.post(
        "/api/tasks",
        json={"title": "Through the API 🚀", "tags": ["a", "b"], "metadata": {"k": [1, 2.5]}},
    )
    assert created.status_code == 201, created.text
    ids = await harness.rt.db.write(_insert_awkward)

    listed = await admin.get("/api/tasks?limit=200")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == len(ids) + 1 and len(body["tasks"]) == len(ids) + 1

    def singles(conn: Connection) -> dict[int, Any]:
        return {tid: find_task(conn, 1, tid) for tid in [*ids, created.json()["task"]["id"]]}

    expected = await harness.rt.db.read(singles)
    for item in body["tasks"]:
        # The same keys in the same order, and values that decode to the same thing.
        assert item == orjson.loads(orjson.dumps(expected[item["id"]])), item["id"]
        assert list(item) == list(expected[item["id"]]), item["id"]
    by_id = {item["id"]: item for item in body["tasks"]}
    assert [by_id[i]["estimated_hours"] for i in ids] == HOURS
    assert by_id[ids[0]]["tags"] == [] and by_id[ids[0]]["metadata"] == {}
    assert by_id[ids[1]]["comment_count"] == 3 and by_id[ids[1]]["ticket_ref"] == "TASK-002"
    assert by_id[ids[3]]["ticket_ref"] is None and by_id[ids[3]]["project_prefix"] == ""
    assert by_id[ids[5]]["ticket_ref"] is None


async def test_list_pages_and_filters_keep_their_totals(admin: httpx.AsyncClient) -> None:
    for n in range(5):
        answer = await admin.post(
            "/api/tasks", json={"title": f"t{n}", "priority": "low" if n % 2 else "high"}
        )
        assert answer.status_code == 201
    first = (await admin.get("/api/tasks?limit=2")).json()
    assert [t["title"] for t in first["tasks"]] == ["t4", "t3"] and first["total"] == 5
    last = (await admin.get("/api/tasks?limit=2&offset=4")).json()
    assert [t["title"] for t in last["tasks"]] == ["t0"] and last["total"] == 5
    past = (await admin.get("/api/tasks?limit=2&offset=9")).json()
    assert past["tasks"] == [] and past["total"] == 5
    low = (await admin.get("/api/tasks?priority=low")).json()
    assert [t["title"] for t in low["tasks"]] == ["t3", "t1"] and low["total"] == 2
