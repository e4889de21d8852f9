"""The password-hashing pool: a flood of logins runs at most MC_HASH_CONCURRENCY hashes at once
and the rest of the server keeps answering."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from mission_control.security.passwords import Verification

FLOOD = 24


class HashCounter:
    """Wraps the real verification and records how many ran at the same time, in threads."""

    def __init__(self, verify: Callable[[str, str], Verification]) -> None:
        self._verify = verify
        self._lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.done = 0

    def __call__(self, stored: str, password: str) -> Verification:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return self._verify(stored, password)
        finally:
            with self._lock:
                self.running -= 1
                self.done += 1


async def test_a_login_flood_hashes_one_at_a_time_while_health_answers(
    harness_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Costlier hashes than the suite's default, so a flood without the gate would overlap.
    async with harness_factory(hash_concurrency=1, argon2_time_cost=3) as h:
        await h.create_user("target")
        counter = HashCounter(h.rt.passwords.verify_sync)
        # Both paths, a wrong password and an unknown user's dummy check, go through it.
        monkeypatch.setattr(h.rt.passwords, "verify_sync", counter)
        # Each guess from its own address, and only a few at the one real user, so the login
        # throttle lets every one reach a hash.
        clients = [h.new_client(ip=f"198.51.100.{i + 1}") for i in range(FLOOD)]
        flood = [
            asyncio.create_task(
                client.post(
                    "/api/auth/login",
                    json={
                        "username": "target" if i % 6 == 0 else f"ghost{i}",
                        "password": f"guess-{i}",
                    },
                )
            )
            for i, client in enumerate(clients)
        ]
        await asyncio.sleep(0)
        health = await h.client.get("/api/health")
        assert health.status_code == 200
        hashed_before_health = counter.done
        responses = await asyncio.gather(*flood)
        for client in clients:
            await client.aclose()
    assert [r.status_code for r in responses] == [401] * FLOOD
    assert counter.done == FLOOD
    # The health check did not wait for the queue of hashes to drain.
    assert hashed_before_health < FLOOD
    assert counter.most == 1
