"""Sessions (security.md 3): hashed tokens, rotation, expiry, revocation, own-session control."""

from __future__ import annotations

import hashlib
import time

import anyio
import sqlalchemy as sa

from mission_control.db.tables.identity import user_sessions
from tests.conftest import PASSWORD, AppHarness


def _cookie(client: object) -> str:
    jar = client.cookies  # type: ignore[attr-defined]
    return str(jar.get("mc-session"))


async def _session_rows(harness: AppHarness) -> list[dict[str, object]]:
    def read(conn: sa.Connection) -> list[dict[str, object]]:
        return [dict(r) for r in conn.execute(sa.select(user_sessions)).mappings()]

    return await harness.rt.db.read(read)


async def test_database_holds_only_the_sha256_of_the_token(harness: AppHarness) -> None:
    client = await harness.login_client("gina", "viewer")
    token = _cookie(client)
    assert len(token) == 64
    rows = await _session_rows(harness)
    assert [r["token_hash"] for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
    assert all(token not in str(r) for r in rows)
    assert rows[0]["ip_address"] == "127.0.0.1"


async def test_every_login_gets_a_new_session_id(harness: AppHarness) -> None:
    await harness.create_user("hank")
    client = harness.new_client()
    first = await client.post("/api/auth/login", json={"username": "hank", "password": PASSWORD})
    token_one = first.cookies.get("mc-session")
    second = await client.post("/api/auth/login", json={"username": "hank", "password": PASSWORD})
    token_two = second.cookies.get("mc-session")
    assert token_one and token_two and token_one != token_two


async def test_a_forged_or_expired_cookie_is_not_a_session(harness: AppHarness) -> None:
    client = await harness.login_client("ivy", "viewer")
    forged = harness.new_client()
    forged.cookies.set("mc-session", "ab" * 32)
    assert (await forged.get("/api/auth/me")).status_code == 401

    def expire(conn: sa.Connection) -> None:
        conn.execute(sa.update(user_sessions).values(expires_at=int(time.time()) - 1))

    await harness.rt.db.write(expire)
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_expired_sessions_are_purged_when_a_session_is_created(
    harness: AppHarness,
) -> None:
    await harness.login_client("jack", "viewer")

    def expire(conn: sa.Connection) -> None:
        conn.execute(sa.update(user_sessions).values(expires_at=int(time.time()) - 1))

    await harness.rt.db.write(expire)
    await harness.login_client("kate", "viewer")
    rows = await _session_rows(harness)
    assert len(rows) == 1


async def test_password_change_revokes_other_sessions_and_reissues_the_cookie(
    harness: AppHarness,
) -> None:
    laptop = await harness.login_client("liam", "operator")
    phone = harness.new_client()
    await phone.post("/api/auth/login", json={"username": "liam", "password": PASSWORD})
    old = _cookie(laptop)
    changed = await laptop.patch(
        "/api/auth/me",
        json={"current_password": PASSWORD, "new_password": "a-brand-new-passphrase"},
    )
    assert changed.status_code == 200
    assert _cookie(laptop) != old
    assert (await laptop.get("/api/auth/me")).status_code == 200
    assert (await phone.get("/api/auth/me")).status_code == 401


async def test_password_change_needs_the_current_password(harness: AppHarness) -> None:
    client = await harness.login_client("mia", "viewer")
    wrong = await client.patch(
        "/api/auth/me",
        json={"current_password": "not-my-password!", "new_password": "another-long-passphrase"},
    )
    assert wrong.status_code in (400, 401, 403)
    missing = await client.patch("/api/auth/me", json={"new_password": "another-long-passphrase"})
    assert missing.status_code == 400
    assert (
        await harness.new_client().post(
            "/api/auth/login", json={"username": "mia", "password": PASSWORD}
        )
    ).status_code == 200


async def test_role_change_and_disable_revoke_sessions(harness: AppHarness, admin: object) -> None:
    victim = await harness.login_client("noah", "operator")
    me = (await victim.get("/api/auth/me")).json()["user"]
    changed = await admin.put("/api/auth/users", json={"id": me["id"], "role": "viewer"})  # type: ignore[attr-defined]
    assert changed.status_code == 200
    assert (await victim.get("/api/auth/me")).status_code == 401


async def test_list_and_revoke_own_sessions(harness: AppHarness) -> None:
    one = await harness.login_client("olga", "viewer")
    two = harness.new_client(ip="10.9.8.7")
    await two.post("/api/auth/login", json={"username": "olga", "password": PASSWORD})
    listed = (await one.get("/api/auth/sessions")).json()["sessions"]
    assert len(listed) == 2
    assert sorted(s["current"] for s in listed) == [False, True]
    assert {s["ip_address"] for s in listed} == {"127.0.0.1", "10.9.8.7"}
    assert all(len(s["id_prefix"]) == 8 for s in listed)
    other = next(s for s in listed if not s["current"])
    revoked = await one.request("DELETE", "/api/auth/sessions", json={"id": other["id"]})
    assert revoked.status_code == 200
    assert (await two.get("/api/auth/me")).status_code == 401
    assert (await one.get("/api/auth/me")).status_code == 200
    # Someone else's session id is not yours to revoke.
    third = await harness.login_client("pete", "viewer")
    foreign = (await third.get("/api/auth/sessions")).json()["sessions"][0]["id"]
    assert (
        await one.request("DELETE", "/api/auth/sessions", json={"id": foreign})
    ).status_code == 404
    assert (await third.get("/api/auth/me")).status_code == 200


async def test_logout_deletes_the_session_and_clears_the_cookie(harness: AppHarness) -> None:
    client = await harness.login_client("quinn", "viewer")
    token = _cookie(client)
    out = await client.post("/api/auth/logout")
    assert out.status_code == 200 and out.json() == {"ok": True}
    assert "Max-Age=0" in out.headers["set-cookie"] or "max-age=0" in out.headers["set-cookie"]
    replay = harness.new_client()
    replay.cookies.set("mc-session", token)
    assert (await replay.get("/api/auth/me")).status_code == 401
    assert await _session_rows(harness) == []


async def _set_last_seen(harness: AppHarness, seconds_ago: int) -> None:
    def write(conn: sa.Connection) -> None:
        conn.execute(sa.update(user_sessions).values(last_seen_at=int(time.time()) - seconds_ago))

    await harness.rt.db.write(write)


async def test_a_session_idle_longer_than_the_idle_timeout_ends(harness_factory: object) -> None:
    async with harness_factory(session_idle_minutes=5) as h:  # type: ignore[operator]
        client = await h.login_client("lena", "viewer")

        await _set_last_seen(h, 4 * 60)
        assert (await client.get("/api/auth/me")).status_code == 200
        # Being used moved last_seen_at on (in the background, a moment later).
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            rows = await _session_rows(h)
            if int(rows[0]["last_seen_at"]) >= int(time.time()) - 60:  # type: ignore[call-overload]
                break
            await anyio.sleep(0.05)
        else:
            raise AssertionError(f"last_seen_at was not moved on: {rows}")

        await _set_last_seen(h, 6 * 60)
        assert (await client.get("/api/auth/me")).status_code == 401
        await client.aclose()


async def test_without_an_idle_timeout_only_the_absolute_lifetime_counts(
    harness: AppHarness,
) -> None:
    client = await harness.login_client("milo", "viewer")

    await _set_last_seen(harness, 6 * 86400)
    assert (await client.get("/api/auth/me")).status_code == 200


async def test_the_session_row_keeps_the_user_agent_and_lives_seven_days(
    harness: AppHarness,
) -> None:
    await harness.create_user("nina", "viewer")
    agent = "Mozilla/5.0 (X11; Linux) Test/1.0 " + "x" * 600
    client = harness.new_client(**{"user-agent": agent})
    before = int(time.time())
    login = await client.post("/api/auth/login", json={"username": "nina", "password": PASSWORD})
    assert login.status_code == 200
    after = int(time.time())
    (row,) = await _session_rows(harness)
    assert row["user_agent"] == agent[:512]
    week = 7 * 24 * 3600
    assert before + week <= int(row["expires_at"]) <= after + week  # type: ignore[call-overload]
    assert before <= int(row["created_at"]) <= after  # type: ignore[call-overload]
    sessions = await client.get("/api/auth/sessions")
    assert sessions.json()["sessions"][0]["user_agent"] == agent[:512]
