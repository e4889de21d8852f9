"""Talking to registered gateways: probes, sessions and agents, errors turned into answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from mission_control.errors import AppError
from mission_control.gateways.service import Target
from mission_control.integrations.openclaw.client import GatewayClient, Hello, display_url
from mission_control.integrations.openclaw.errors import (
    DeviceIdentityUnusable,
    GatewayError,
    GatewayTimeout,
    GatewayUnreachable,
    InsecureTransport,
)
from mission_control.integrations.openclaw.pool import GatewayPool

MAX_ITEMS = 500
T = TypeVar("T")


def _status(exc: GatewayError) -> int:
    """400 for a URL we refuse to use, 503 while our own device key is unusable, 504 when
    the gateway is silent, 502 otherwise."""
    if isinstance(exc, InsecureTransport) or exc.code == "INVALID_GATEWAY_URL":
        return 400
    if isinstance(exc, DeviceIdentityUnusable):
        return 503
    return 504 if isinstance(exc, GatewayTimeout) else 502


def as_app_error(exc: GatewayError) -> AppError:
    status = _status(exc)
    body = exc.as_dict()
    message = body.pop("error")
    return AppError(message, status=status, **body)


async def within_deadline(pool: GatewayPool, url: str, work: Callable[[], Awaitable[T]]) -> T:
    """Run one probe or call under MC_OPENCLAW_DEADLINE: each wait inside is bounded, but a
    gateway that answers just in time at every step could otherwise hold it for minutes."""
    deadline = pool.settings.openclaw_deadline
    try:
        async with asyncio.timeout(deadline):
            return await work()
    except TimeoutError:
        raise GatewayTimeout(
            f"{display_url(url)} did not finish within {deadline:g} s (MC_OPENCLAW_DEADLINE)",
            guidance="The gateway accepted the connection but is too slow or stuck; check its "
            "health and log.",
        ) from None


async def client_for(pool: GatewayPool, target: Target) -> GatewayClient:
    config = pool.config(target.url, target.token, target.device_token)
    return await pool.client(target.key, config)


async def probe(pool: GatewayPool, target: Target) -> tuple[dict[str, Any], str]:
    """Connect (one attempt) and ask `health`; answers the result and the device token after."""
    result: dict[str, Any] = {
        "id": target.id,
        "name": target.name,
        "url": display_url(target.url),
    }
    if target.problem:
        result.update(status="error", error=target.problem, code="TOKEN_UNREADABLE")
        return result, target.device_token
    client: GatewayClient | None = None
    started = time.perf_counter()

    async def talk() -> tuple[Hello, Any]:
        nonlocal client
        client = await client_for(pool, target)
        return await client.connect(attempts=1), await client.request("health")

    try:
        hello, health = await within_deadline(pool, target.url, talk)
    except GatewayError as exc:
        offline = isinstance(exc, GatewayUnreachable | GatewayTimeout)
        result.update(
            status="offline" if offline else "error",
            error=exc.message,
            code=exc.code,
            guidance=exc.guidance or None,
        )
        return result, client.device_token if client is not None else target.device_token
    healthy = isinstance(health, dict) and health.get("ok") is True
    result.update(
        status="online" if healthy else "error",
        latency_ms=round((time.perf_counter() - started) * 1000),
        server_version=hello.server_version or None,
        protocol=hello.protocol,
        auth_method=hello.auth_method or None,
    )
    if not healthy:
        result.update(error="The gateway reports itself unhealthy", code="GATEWAY_UNHEALTHY")
    return result, client.device_token if client is not None else target.device_token


async def probe_all(
    pool: GatewayPool, targets: list[Target]
) -> list[tuple[Target, dict[str, Any], str]]:
    outcomes = await asyncio.gather(*(probe(pool, t) for t in targets))
    return [(t, result, token) for t, (result, token) in zip(targets, outcomes, strict=True)]


async def call(
    pool: GatewayPool, target: Target, method: str, params: dict[str, Any]
) -> tuple[Any, str]:
    """One request on the reused connection; answers the payload and the device token after."""
    if target.problem:
        raise AppError(target.problem, status=409, code="TOKEN_UNREADABLE")

    async def talk() -> tuple[Any, str]:
        client = await client_for(pool, target)
        return await client.request(method, params), client.device_token

    try:
        return await within_deadline(pool, target.url, talk)
    except GatewayError as exc:
        raise as_app_error(exc) from None


async def verify(pool: GatewayPool, url: str, token: str) -> str:
    """Connect once on a client of its own (the URL is not registered yet) and answer the
    device token the gateway issued; any failure is the API error to answer with."""
    try:
        client = GatewayClient(pool.config(url, token), pool.identity())
    except GatewayError as exc:
        raise as_app_error(exc) from None
    try:
        await within_deadline(pool, url, lambda: client.connect(attempts=1))
    except GatewayError as exc:
        raise as_app_error(exc) from None
    finally:
        await client.close()
    return client.device_token


def items(payload: Any, key: str) -> list[dict[str, Any]]:
    found = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(found, list):
        return []
    return [i for i in found if isinstance(i, dict)][:MAX_ITEMS]
