"""GET /api/audit and /api/audit/verify: filters, caps, roles and tamper detection."""

from __future__ import annotations

import time

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import audit_log
from mission_control.security.audit import purge_before
from tests.audit.conftest import AddRow
from tests.conftest import AppHarness


async def _ids(client: httpx.AsyncClient, **params: object) -> list[int]:
    response = await client.get("/api/audit", params=params)
    assert response.status_code == 200, response.text
    return [e["id"] for e in response.json()["events"]]


async def test_list_is_newest_first_with_object_detail(
    harness: AppHarness, admin: httpx.AsyncClient, add_audit_row: AddRow
) -> None:
    await add_audit_row("widget_poke", detail={"n": 1, "api_key": "sekrit"})
    await add_audit_row("widget_poke", detail={"n": 2})
    body = (await admin.get("/api/audit")).json()
    assert set(body) == {"events", "total", "limit", "offset"}
    assert body["limit"] == 1000 and body["offset"] == 0
    ids = [e["id"] for e in body["events"]]
    assert ids == sorted(ids, reverse=True)
    assert body["total"] == len(ids)
    pokes = [e for e in body["events"] if e["action"] == "widget_poke"]
    assert [e["detail"]["n"] for e in pokes] == [2, 1]
    assert pokes[1]["detail"]["api_key"] == "[redacted]"
    assert isinstance(pokes[0]["detail"], dict)
    # the admin's own login is in there, with where it came from
    login = next(e for e in body["events"] if e["action"] == "login")
    assert login["actor"] == "root-admin" and login["ip_address"] == "127.0.0.1"


async def test_filters_by_action_actor_and_time(
    harness: AppHarness, admin: httpx.AsyncClient, add_audit_row: AddRow
) -> None:
    now = int(time.time())
    await add_audit_row("alpha", actor="amy", now=now - 7200)
    await add_audit_row("beta", actor="bob", now=now - 3600)
    await add_audit_row("alpha", actor="bob", now=now - 60)

    alpha = (await admin.get("/api/audit", params={"action": "alpha"})).json()
    assert alpha["total"] == 2 and {e["actor"] for e in alpha["events"]} == {"amy", "bob"}
    both = (await admin.get("/api/audit", params={"action": "alpha,beta"})).json()
    assert both["total"] == 3
    bob = (await admin.get("/api/audit", params={"actor": "bob"})).json()
    assert [e["action"] for e in bob["events"]] == ["alpha", "beta"]
    window = (
        await admin.get(
            "/api/audit",
            params={"action": "alpha,beta", "since": now - 4000, "until": now - 1000},
        )
    ).json()
    assert [e["action"] for e in window["events"]] == ["beta"]
    iso_since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 120))
    recent = (await admin.get("/api/audit", params={"action": "alpha", "since": iso_since})).json()
    assert [e["actor"] for e in recent["events"]] == ["bob"]
    nothing = (await admin.get("/api/audit", params={"actor": "nobody' OR '1'='1"})).json()
    assert nothing == {"events": [], "total": 0, "limit": 1000, "offset": 0}


async def test_limit_and_offset_are_clamped_and_validated(
    harness: AppHarness, admin: httpx.AsyncClient, add_audit_row: AddRow
) -> None:
    for n in range(5):
        await add_audit_row("paged", detail={"n": n})
    page = (await admin.get("/api/audit", params={"action": "paged", "limit": 2})).json()
    assert page["total"] == 5 and page["limit"] == 2
    assert [e["detail"]["n"] for e in page["events"]] == [4, 3]
    second = (
        await admin.get("/api/audit", params={"action": "paged", "limit": 2, "offset": 2})
    ).json()
    assert [e["detail"]["n"] for e in second["events"]] == [2, 1]
    huge = (await admin.get("/api/audit", params={"limit": 10**9})).json()
    assert huge["limit"] == 10000
    zero = (await admin.get("/api/audit", params={"limit": 0, "offset": -4})).json()
    assert zero["limit"] == 1 and zero["offset"] == 0 and len(zero["events"]) == 1
    for params in ({"limit": "ten"}, {"offset": "x"}, {"since": "yesterday"}, {"until": "1e9x"}):
        bad = await admin.get("/api/audit", params=params)
        assert bad.status_code == 400, params
        assert "error" in bad.json()
    long = await admin.get("/api/audit", params={"action": "a" * 500})
    assert long.status_code == 400


async def test_audit_routes_need_admin(
    harness: AppHarness, viewer: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    paths = ["/api/audit", "/api/audit/verify", "/api/security-audit", "/api/security-scan"]
    for path in paths:
        assert (await harness.new_client().get(path)).status_code == 401
        for client in (viewer, operator):
            denied = await client.get(path)
            assert denied.status_code == 403, path
            assert denied.json() == {"error": "Requires admin role or higher"}
        assert (await harness.key_client().get(path)).status_code == 200


async def test_verify_detects_an_edited_detail(
    harness: AppHarness, admin: httpx.AsyncClient, add_audit_row: AddRow
) -> None:
    for n in range(4):
        await add_audit_row("ledger", detail={"amount": n})
    ok = (await admin.get("/api/audit/verify")).json()
    assert ok["ok"] is True and ok["broken_at"] is None and ok["checked"] >= 4
    victim = (await admin.get("/api/audit", params={"action": "ledger"})).json()["events"][2]

    def tamper(conn: Connection) -> None:
        conn.execute(
            sa.update(audit_log)
            .where(audit_log.c.id == victim["id"])
            .values(detail={"amount": 1000})
        )

    await harness.rt.db.write(tamper)
    broken = (await admin.get("/api/audit/verify")).json()
    assert broken["ok"] is False
    assert broken["broken_at"] == victim["id"]
    assert broken["reason"] == "row content does not match its hash"


async def test_verify_detects_a_deleted_middle_row(
    harness: AppHarness, admin: httpx.AsyncClient, add_audit_row: AddRow
) -> None:
    for n in range(5):
        await add_audit_row("ledger", detail={"n": n})
    rows = (await admin.get("/api/audit", params={"action": "ledger"})).json()["events"]
    middle = rows[2]["id"]

    def remove(conn: Connection) -> None:
        conn.execute(sa.delete(audit_log).where(audit_log.c.id == middle))

    await harness.rt.db.write(remove)
    broken = (await admin.get("/api/audit/verify")).json()
    assert broken["ok"] is False
    assert broken["broken_at"] == rows[1]["id"]  # the row after the hole no longer links
    assert broken["reason"] == "row does not link to the previous row"


async def test_verify_detects_a_deleted_first_row(
    harness: AppHarness, admin: httpx.AsyncClient, add_audit_row: AddRow
) -> None:
    await add_audit_row("ledger")

    def remove_first(conn: Connection) -> None:
        first = conn.execute(sa.select(sa.func.min(audit_log.c.id))).scalar()
        conn.execute(sa.delete(audit_log).where(audit_log.c.id == first))

    await harness.rt.db.write(remove_first)
    broken = (await admin.get("/api/audit/verify")).json()
    assert broken["ok"] is False
    assert broken["reason"] == "first row does not follow a known anchor"


async def test_retention_purge_leaves_a_checkpoint_that_verifies(
    harness: AppHarness, admin: httpx.AsyncClient, add_audit_row: AddRow
) -> None:
    now = int(time.time())
    for n in range(3):
        await add_audit_row("ancient", now=now - 400 * 86400 + n)
    for n in range(3):
        await add_audit_row("recent", now=now - 10 + n)
    purged = await harness.rt.db.write(purge_before, now - 365 * 86400)
    # the three old rows, plus whatever test setup wrote before them
    assert purged >= 3
    listed = (await admin.get("/api/audit", params={"action": "ancient"})).json()
    assert listed["total"] == 0
    status = (await admin.get("/api/audit/verify")).json()
    assert status["ok"] is True, status
    assert status["checkpoint"]["detail"]["deleted"] == purged
    await add_audit_row("after_purge")
    assert (await admin.get("/api/audit/verify")).json()["ok"] is True

    # the checkpoint itself is covered by the chain: editing it breaks verification
    checkpoint_id = status["checkpoint"]["id"]

    def forge(conn: Connection) -> None:
        conn.execute(
            sa.update(audit_log)
            .where(audit_log.c.id == checkpoint_id)
            .values(detail={"deleted": 0, "anchor_hash": "f" * 64})
        )

    await harness.rt.db.write(forge)
    assert (await admin.get("/api/audit/verify")).json()["ok"] is False
