"""Login limits (security.md 5b): per IP and per username, failures only, then backoff."""

from __future__ import annotations

import asyncio
import time

import httpx

from mission_control.security.device_cookie import DEVICE_COOKIE, DEVICE_TTL_S, seal
from mission_control.security.login_throttle import MAX_LOCK_S
from mission_control.security.secretbox import secret_box
from tests.conftest import PASSWORD, AppHarness

WRONG = "definitely-not-the-password"


class Clock:
    def __init__(self, harness: AppHarness) -> None:
        self.now = 1_900_000_000.0
        harness.rt.limiter.clock = lambda: self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def test_five_failures_per_ip_then_429_with_retry_after(harness: AppHarness) -> None:
    Clock(harness)
    await harness.create_user("alice")
    client = harness.new_client("203.0.113.5")
    for _ in range(5):
        assert (await _login(client, "alice", WRONG)).status_code == 401
    refused = await _login(client, "alice", PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["error"] == "Too many requests"
    assert 1 <= refused.json()["retry_after"] <= 60
    assert refused.headers["retry-after"] == str(refused.json()["retry_after"])
    other_ip = harness.new_client("203.0.113.6")
    assert (await _login(other_ip, "alice", PASSWORD)).status_code == 200


async def test_correct_passwords_do_not_count(harness: AppHarness) -> None:
    Clock(harness)
    await harness.create_user("bob")
    client = harness.new_client("203.0.113.7")
    for _ in range(8):
        assert (await _login(client, "bob", PASSWORD)).status_code == 200
    for _ in range(4):
        assert (await _login(client, "bob", WRONG)).status_code == 401
    assert (await _login(client, "bob", PASSWORD)).status_code == 200


async def test_repeat_offences_back_off_exponentially_up_to_a_ceiling(
    harness: AppHarness,
) -> None:
    clock = Clock(harness)
    await harness.create_user("carol")
    client = harness.new_client("198.51.100.9")
    waits = []
    for round_ in range(6):
        name = f"nobody-{round_}"  # a new name each round: only the IP's lock is measured
        for _ in range(5):
            assert (await _login(client, name, WRONG)).status_code == 401
        refused = await _login(client, name, WRONG)
        assert refused.status_code == 429
        waits.append(refused.json()["retry_after"])
        clock.advance(waits[-1] + 1)
    assert waits[:4] == [60, 120, 240, 480]
    assert max(waits) == MAX_LOCK_S["login_ip"]
    # Once the lock has run out the right password works again.
    assert (await _login(client, "carol", PASSWORD)).status_code == 200


async def test_username_limit_spans_ips_but_not_the_owners_known_ip(
    harness: AppHarness,
) -> None:
    Clock(harness)
    await harness.create_user("dave")
    home = harness.new_client("192.0.2.10")
    assert (await _login(home, "dave", PASSWORD)).status_code == 200
    for n in range(10):
        attacker = harness.new_client(f"198.51.100.{n + 20}")
        assert (await _login(attacker, "dave", WRONG)).status_code == 401
    fresh = harness.new_client("198.51.100.99")
    locked = await _login(fresh, "dave", PASSWORD)
    assert locked.status_code == 429
    # The owner's usual address is not locked out by the flood against the name.
    assert (await _login(home, "dave", PASSWORD)).status_code == 200


async def _lock_the_name(harness: AppHarness, username: str) -> None:
    """Ten wrong guesses from ten addresses: the name is locked for anyone unknown."""
    for n in range(10):
        attacker = harness.new_client(f"198.51.100.{n + 20}")
        assert (await _login(attacker, username, WRONG)).status_code == 401
    stranger = harness.new_client("198.51.100.98")
    assert (await _login(stranger, username, PASSWORD)).status_code == 429


def _device_note(client: httpx.AsyncClient) -> str:
    note = client.cookies.get(DEVICE_COOKIE)
    assert note, "a password login sets the device cookie"
    return note


async def test_the_owners_browser_gets_in_from_a_new_address_while_the_name_is_locked(
    harness: AppHarness,
) -> None:
    Clock(harness)
    await harness.create_user("gina")
    laptop = harness.new_client("192.0.2.30")
    assert (await _login(laptop, "gina", PASSWORD)).status_code == 200
    note = _device_note(laptop)
    await _lock_the_name(harness, "gina")
    travelling = harness.new_client("203.0.113.140")
    travelling.cookies.set(DEVICE_COOKIE, note)
    assert (await _login(travelling, "gina", PASSWORD)).status_code == 200


async def test_a_device_cookie_speaks_only_for_its_own_user(harness: AppHarness) -> None:
    Clock(harness)
    await harness.create_user("hank")
    await harness.create_user("ines")
    laptop = harness.new_client("192.0.2.31")
    assert (await _login(laptop, "hank", PASSWORD)).status_code == 200
    await _lock_the_name(harness, "ines")
    borrowed = harness.new_client("203.0.113.141")
    borrowed.cookies.set(DEVICE_COOKIE, _device_note(laptop))
    assert (await _login(borrowed, "ines", PASSWORD)).status_code == 429


async def test_a_forged_device_cookie_is_ignored(harness: AppHarness) -> None:
    Clock(harness)
    await harness.create_user("jack")
    await _lock_the_name(harness, "jack")
    for forged in ("x", "gAAAAAB" + "A" * 120):
        client = harness.new_client("203.0.113.142")
        client.cookies.set(DEVICE_COOKIE, forged)
        assert (await _login(client, "jack", PASSWORD)).status_code == 429


async def test_an_expired_device_cookie_is_ignored(harness: AppHarness) -> None:
    Clock(harness)
    await harness.create_user("kate")
    await _lock_the_name(harness, "kate")
    box = secret_box(harness.rt.settings)
    issued = int(time.time())
    for age, expected in ((DEVICE_TTL_S + 60, 429), (DEVICE_TTL_S - 3600, 200)):
        client = harness.new_client("203.0.113.143")
        client.cookies.set(DEVICE_COOKIE, seal(box, "kate", at=issued - age))
        assert (await _login(client, "kate", PASSWORD)).status_code == expected


async def test_a_stolen_device_cookie_buys_no_extra_guesses(harness: AppHarness) -> None:
    Clock(harness)
    await harness.create_user("liam")
    laptop = harness.new_client("192.0.2.33")
    assert (await _login(laptop, "liam", PASSWORD)).status_code == 200
    note = _device_note(laptop)
    for n in range(10):
        thief = harness.new_client(f"198.51.100.{n + 40}")
        thief.cookies.set(DEVICE_COOKIE, note)
        assert (await _login(thief, "liam", WRONG)).status_code == 401
    thief = harness.new_client("198.51.100.60")
    thief.cookies.set(DEVICE_COOKIE, note)
    assert (await _login(thief, "liam", PASSWORD)).status_code == 429
    # The note's throttle is its own: the name itself was never locked by those guesses.
    assert (await _login(harness.new_client("198.51.100.61"), "liam", PASSWORD)).status_code == 200


async def test_the_device_cookie_is_http_only_strict_and_holds_no_username(
    harness: AppHarness,
) -> None:
    await harness.create_user("mona")
    client = harness.new_client("192.0.2.34")
    response = await _login(client, "mona", PASSWORD)
    header = next(h for h in response.headers.get_list("set-cookie") if "mc-device" in h)
    assert "HttpOnly" in header and "SameSite=Strict" in header
    assert f"Max-Age={DEVICE_TTL_S}" in header
    assert "mona" not in header


async def test_a_concurrent_burst_gets_no_more_than_the_limit(harness: AppHarness) -> None:
    Clock(harness)
    await harness.create_user("erin")
    client = harness.new_client("203.0.113.50")
    answers = await asyncio.gather(*(_login(client, "erin", WRONG) for _ in range(20)))
    codes = sorted(r.status_code for r in answers)
    assert codes.count(401) <= 5
    assert codes.count(429) >= 15


async def test_rate_limit_hits_are_security_events(harness: AppHarness) -> None:
    Clock(harness)
    client = harness.new_client("203.0.113.77")
    await harness.create_user("frank")
    for _ in range(6):
        await _login(client, "frank", WRONG)
    response = await harness.key_client().get("/api/security-audit")
    assert response.status_code == 200
    assert "rate_limit_hit" in response.text
