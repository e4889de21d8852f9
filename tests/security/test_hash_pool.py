"""The password-hashing pool on a real server: a flood of logins runs at most
MC_HASH_CONCURRENCY Argon2 verifications at once, and the server keeps answering meanwhile."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.security.conftest import ServerFactory
from tests.server import SRC

pytestmark = [pytest.mark.server, pytest.mark.anyio]

FLOOD = 24
PROBE = Path(__file__).resolve().parent / "hash_probe"


async def _guess(client: httpx.AsyncClient, n: int) -> int:
    # Each guess from its own forwarded address, and only a few at the one real user, so the
    # login throttle lets every one reach a hash (an unknown name gets the dummy check).
    response = await client.post(
        "/api/auth/login",
        json={"username": "chief" if n % 6 == 0 else f"ghost{n}", "password": f"guess-{n}"},
        headers={"x-forwarded-for": f"198.51.100.{n + 1}"},
    )
    return response.status_code


def _probe(path: Path) -> tuple[int, int]:
    """(most verifications at once, verifications done) as the server counted them."""
    if not path.exists():
        return 0, 0
    most, done = path.read_text().split()
    return int(most), int(done)


@pytest.mark.parametrize("hashes_at_once", [1, 2])
async def test_a_login_flood_runs_at_most_the_configured_hashes_at_once(
    server_factory: ServerFactory, tmp_path: Path, hashes_at_once: int
) -> None:
    probe_file = tmp_path / "hashes"
    server = server_factory(
        AUTH_USER="chief",
        AUTH_PASS=PASSWORD,
        MC_TRUSTED_PROXIES="127.0.0.1",
        MC_HASH_CONCURRENCY=str(hashes_at_once),
        # Costlier hashes than the suite's default, so an unbounded flood would overlap.
        MC_ARGON2_TIME_COST="3",
        PYTHONPATH=os.pathsep.join([str(PROBE), str(SRC)]),
        HASH_PROBE_FILE=str(probe_file),
    )
    async with server.client() as client:
        flood = [asyncio.create_task(_guess(client, n)) for n in range(FLOOD)]
        await asyncio.sleep(0.05)
        health = await client.get("/api/health")
        done_at_health = _probe(probe_file)[1]
        statuses = await asyncio.gather(*flood)
    assert health.status_code == 200
    assert statuses == [401] * FLOOD
    most, done = _probe(probe_file)
    assert done == FLOOD  # every guess was checked, each once
    # The health check was answered while guesses were still queued for a hash.
    assert done_at_health < FLOOD
    assert 1 <= most <= hashes_at_once
