"""Login limits (security.md 5b): per IP and per username, failures only, then backoff."""

from __future__ import annotations

import asyncio

import httpx

from mission_control.security.login_throttle import MAX_LOCK_S
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
