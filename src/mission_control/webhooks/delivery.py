"""One HTTP attempt of a delivery: pinned to the checked address, bounded in time and size."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass

import httpx

from mission_control.webhooks.ssrf import Resolver, UnsafeURL, resolve_target, system_resolver

SEND_TIMEOUT_SECONDS = 10.0
RESPONSE_BODY_CHARS = 1000
# Bytes read from a response before the connection is dropped (never the whole body).
RESPONSE_READ_BYTES = 8192
# Receivers whose connections are kept alive at once (least recently used go first).
MAX_TARGETS = 32


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt achieved."""

    status_code: int | None
    response_body: str | None
    error: str | None
    duration_ms: int

    @property
    def success(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


class Sender:
    """Posts delivery bodies, each to the address its own resolution produced.

    Connections are kept alive per (scheme, host name, checked address, port): a pooled
    connection only ever carries requests for the host name it was opened (and, for
    https, verified) for, to the address that was checked for it.
    """

    def __init__(
        self,
        *,
        allow_private: bool,
        timeout: float = SEND_TIMEOUT_SECONDS,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self.resolver = resolver
        self._clients: OrderedDict[tuple[str, str, str, int | None], httpx.AsyncClient] = (
            OrderedDict()
        )
        self._closing: set[asyncio.Task[None]] = set()

    def _http(self, key: tuple[str, str, str, int | None]) -> httpx.AsyncClient:
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
            return client
        client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(self.timeout),
            limits=httpx.Limits(
                max_connections=16, max_keepalive_connections=8, keepalive_expiry=5.0
            ),
        )
        self._clients[key] = client
        while len(self._clients) > MAX_TARGETS:
            _key, old = self._clients.popitem(last=False)
            # Requests still using it finish; the pool closes once idle.
            self._closing.add(asyncio.get_running_loop().create_task(old.aclose()))
            self._closing = {t for t in self._closing if not t.done()}
        return client

    async def aclose(self) -> None:
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            await client.aclose()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    async def send(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        started = time.monotonic()

        def done(status: int | None, text: str | None, error: str | None) -> Outcome:
            return Outcome(status, text, error, int((time.monotonic() - started) * 1000))

        try:
            async with asyncio.timeout(self.timeout):
                parts, address = await resolve_target(
                    url, allow_private=self.allow_private, resolver=self.resolver
                )
                host = parts.hostname or ""
                target = httpx.URL(url).copy_with(host=address)
                request_headers = dict(headers)
                request_headers["Host"] = host if parts.port is None else f"{host}:{parts.port}"
                if ":" in host and parts.port is None:
                    request_headers["Host"] = f"[{host}]"
                elif ":" in host:
                    request_headers["Host"] = f"[{host}]:{parts.port}"
                extensions = {"sni_hostname": host} if parts.scheme.lower() == "https" else {}
                key = (parts.scheme.lower(), host, address, parts.port)
                async with self._http(key).stream(
                    "POST", target, content=body, headers=request_headers, extensions=extensions
                ) as response:
                    raw = bytearray()
                    async for chunk in response.aiter_bytes():
                        raw.extend(chunk)
                        if len(raw) >= RESPONSE_READ_BYTES:
                            break
                    text = bytes(raw).decode("utf-8", "replace")[:RESPONSE_BODY_CHARS]
                    error = None
                    if 300 <= response.status_code < 400:
                        error = f"Redirect not followed (HTTP {response.status_code})"
                    elif not 200 <= response.status_code < 300:
                        error = f"HTTP {response.status_code}"
                    return done(response.status_code, text, error)
        except UnsafeURL as exc:
            return done(None, None, str(exc))
        except TimeoutError:
            return done(None, None, f"Timed out after {self.timeout:g}s")
        except httpx.TimeoutException:
            return done(None, None, f"Timed out after {self.timeout:g}s")
        except httpx.HTTPError as exc:
            return done(None, None, f"{type(exc).__name__}: {str(exc)[:300]}")
        except OSError as exc:
            return done(None, None, f"Connection failed: {exc.strerror or exc}")
