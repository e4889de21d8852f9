"""The send-time SSRF check: names resolved once, every address judged, the connection pinned."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mission_control.webhooks.ssrf import PRIVATE_URL_MESSAGE, is_blocked_ip
from tests.conftest import AppHarness
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.anyio


def _resolver(table: dict[str, list[str]], calls: list[str]) -> Any:
    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]

    return resolve


@pytest.mark.parametrize(
    "addresses",
    [
        ["127.0.0.1"],
        ["10.0.0.7"],
        ["169.254.169.254"],
        ["100.100.100.100"],
        ["::1"],
        ["::ffff:127.0.0.1"],
        ["fe80::1%eth0"],
        ["93.184.216.34", "192.168.0.10"],
    ],
)
async def test_names_resolving_to_private_addresses_are_refused(
    harness: AppHarness, admin: httpx.AsyncClient, receiver: Receiver, addresses: list[str]
) -> None:
    calls: list[str] = []
    harness.rt.webhooks.sender.resolver = _resolver({"hook.example.test": addresses}, calls)
    url = f"http://hook.example.test:{receiver.port}/ok"
    hook = (await admin.post("/api/webhooks", json={"name": "x", "url": url})).json()
    result = (await admin.post("/api/webhooks/test", json={"id": hook["id"]})).json()
    assert result["success"] is False and result["status_code"] is None
    assert result["error"] == PRIVATE_URL_MESSAGE
    assert calls == ["hook.example.test"]
    assert receiver.requests == []


async def test_connection_goes_to_the_resolved_address(
    harness_factory: Any, receiver: Receiver
) -> None:
    async with harness_factory(webhook_allow_private=True) as h:
        calls: list[str] = []
        h.rt.webhooks.sender.resolver = _resolver({"pinned.example.test": ["127.0.0.1"]}, calls)
        admin = await h.login_client("boss", "admin")
        url = f"http://pinned.example.test:{receiver.port}/ok"
        hook = (await admin.post("/api/webhooks", json={"name": "x", "url": url})).json()
        result = (await admin.post("/api/webhooks/test", json={"id": hook["id"]})).json()
        assert result["success"] is True, result
        # Resolved once, by us; the request went to that address with the original Host.
        assert calls == ["pinned.example.test"]
        assert receiver.requests[0].headers["Host"] == f"pinned.example.test:{receiver.port}"
        await admin.aclose()


async def test_unresolvable_name_is_a_failed_delivery(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    harness.rt.webhooks.sender.resolver = _resolver({}, [])
    hook = (
        await admin.post("/api/webhooks", json={"name": "x", "url": "https://gone.example.test/"})
    ).json()
    result = (await admin.post("/api/webhooks/test", json={"id": hook["id"]})).json()
    assert result["success"] is False and "Could not resolve" in result["error"]


async def test_literal_private_address_refused_at_send_time(
    harness: AppHarness, admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    # A row saved while private targets were allowed is still refused when sent without it.
    import sqlalchemy as sa

    from mission_control.db.tables import webhooks

    hook = (
        await admin.post("/api/webhooks", json={"name": "x", "url": "https://hooks.example.com/"})
    ).json()

    def move(conn: Any) -> None:
        conn.execute(sa.update(webhooks).values(url=receiver.url("/ok")))

    await harness.rt.db.write(move)
    result = (await admin.post("/api/webhooks/test", json={"id": hook["id"]})).json()
    assert result["success"] is False and result["error"] == PRIVATE_URL_MESSAGE
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("8.8.8.8", False),
        ("2606:4700:4700::1111", False),
        ("127.0.0.1", True),
        ("10.255.255.255", True),
        ("172.31.0.1", True),
        ("192.168.100.1", True),
        ("169.254.0.1", True),
        ("100.64.0.1", True),
        ("100.127.255.254", True),
        ("224.0.0.251", True),
        ("239.255.255.250", True),
        ("240.0.0.1", True),
        ("0.0.0.0", True),
        ("::", True),
        ("::1", True),
        ("fe80::abcd", True),
        ("fc00::1", True),
        ("ff02::1", True),
        ("::ffff:8.8.8.8", False),
        ("::ffff:192.168.1.1", True),
        ("2002:7f00:1::", True),
        ("64:ff9b::7f00:1", True),
        ("not-an-ip", True),
    ],
)
def test_address_classes(address: str, blocked: bool) -> None:
    assert is_blocked_ip(address) is blocked


async def test_kept_alive_connections_are_per_host_name_and_address(
    harness_factory: Any, receiver: Receiver
) -> None:
    async with harness_factory(webhook_allow_private=True) as h:
        calls: list[str] = []
        table = {"a.example.test": ["127.0.0.1"], "b.example.test": ["127.0.0.1"]}
        sender = h.rt.webhooks.sender
        sender.resolver = _resolver(table, calls)
        admin = await h.login_client("boss", "admin")
        ids = []
        for name in ("a", "b"):
            url = f"http://{name}.example.test:{receiver.port}/ok"
            ids.append((await admin.post("/api/webhooks", json={"name": name, "url": url})).json())
        for hook in ids + ids:
            result = (await admin.post("/api/webhooks/test", json={"id": hook["id"]})).json()
            assert result["success"] is True, result
        # Each send resolved its name again; two names on one address never share a pool.
        assert calls == ["a.example.test", "b.example.test"] * 2
        assert set(sender._clients) == {
            ("http", "a.example.test", "127.0.0.1", receiver.port),
            ("http", "b.example.test", "127.0.0.1", receiver.port),
        }
        hosts = [r.headers["Host"].split(":")[0] for r in receiver.requests]
        assert hosts == ["a.example.test", "b.example.test"] * 2
        await admin.aclose()
