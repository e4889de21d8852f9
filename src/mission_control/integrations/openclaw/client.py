"""A reconnecting operator client for one OpenClaw gateway.

The gateway speaks first (`connect.challenge {nonce, ts}`); the client answers with a signed
`connect` and gets `hello-ok`. After that, requests `{type:"req", id, method, params}` are
answered by `{type:"res", id, ok, payload | error}` on the same socket, which is reused
until it closes; the next request then reconnects. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import logging
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from mission_control import __version__
from mission_control.integrations.openclaw.errors import (
    AUTH_DEVICE_TOKEN_MISMATCH,
    UNAVAILABLE,
    GatewayError,
    GatewayProtocolError,
    GatewayRefused,
    GatewayTimeout,
    GatewayUnreachable,
    InsecureTransport,
    guidance_for,
    scrub,
)
from mission_control.integrations.openclaw.identity import DeviceIdentity, signature_payload

log = logging.getLogger("mission_control.openclaw")
# The WebSocket library logs every frame at DEBUG, and the connect frame carries the token:
# its logger is pinned above DEBUG so no log level setting can put a token in a log line.
wire_log = logging.getLogger("mission_control.openclaw.wire")
wire_log.setLevel(logging.INFO)

PROTOCOL = 4
CLIENT_ID = "gateway-client"
CLIENT_MODE = "backend"
ROLE = "operator"
DEFAULT_SCOPES = ("operator.read", "operator.write")
MAX_FRAME = 16 * 1024 * 1024
MAX_NONCE = 512

DeviceTokenSink = Callable[[str | None], None]


def display_url(url: str) -> str:
    """The URL without credentials, path or query: safe for logs and messages."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid url>"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}"


def is_loopback_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str) -> str | None:
    """Why this is not a usable gateway URL at all, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "the gateway URL is not valid"
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        return "the gateway URL must start with ws:// or wss:// and name a host"
    return None


def transport_problem(url: str) -> str | None:
    """Why this URL is not a secure context for device signing, or None when it is.

    As in a browser, TLS (`wss://`) or this machine (loopback) count as secure; plain
    `ws://` to anything else would send the token and the signed challenge in clear text.
    """
    problem = url_problem(url)
    if problem:
        return problem
    parts = urlsplit(url)
    if parts.scheme == "ws" and not is_loopback_host(parts.hostname or ""):
        return (
            f"{display_url(url)} is plain ws:// to another host: not a secure context for "
            "device signing"
        )
    return None


@dataclass(frozen=True)
class GatewayConfig:
    """Where and how to connect. `origin` is only for clients that act for a browser."""

    url: str
    token: str = ""
    device_token: str = ""
    origin: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    open_timeout: float = 10.0
    challenge_timeout: float = 15.0
    request_timeout: float = 30.0
    attempts: int = 4
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    allow_insecure: bool = False
    platform: str = sys.platform
    device_family: str = ""


@dataclass
class Hello:
    """What `hello-ok` told us."""

    protocol: int
    server_version: str
    role: str
    scopes: list[str]
    auth_method: str
    methods: list[str] = field(default_factory=list)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _frame(raw: str | bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise GatewayProtocolError("the gateway sent a frame that is not JSON") from None
    if not isinstance(data, dict):
        raise GatewayProtocolError("the gateway sent a frame that is not a JSON object")
    return data


class GatewayClient:
    """One gateway connection, opened on first use and reopened after it drops."""

    def __init__(
        self,
        config: GatewayConfig,
        identity: DeviceIdentity,
        *,
        on_device_token: DeviceTokenSink | None = None,
    ) -> None:
        self.config = config
        self.identity = identity
        self.device_token = config.device_token
        self.hello: Hello | None = None
        self._on_device_token = on_device_token
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._connect_lock = asyncio.Lock()
        self._ids = itertools.count(1)

    # -- public -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._ws is not None and self.hello is not None

    @property
    def where(self) -> str:
        return display_url(self.config.url)

    async def connect(self, *, attempts: int | None = None) -> Hello:
        """Connect (or reuse the open connection), retrying transient failures with backoff."""
        async with self._connect_lock:
            if self.connected and self.hello is not None:
                return self.hello
            return await self._connect_with_retries(attempts or self.config.attempts)

    async def request(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        wait: float | None = None,
        idempotent: bool = True,
    ) -> Any:
        """Send one request and wait (bounded) for its answer; reconnects when needed.

        A read (`idempotent`) that loses its connection mid-flight is sent once more on a
        fresh one; anything else is reported, since the gateway may have acted on it.
        """
        wait = wait if wait is not None else self.config.request_timeout
        for attempt in (1, 2):
            await self.connect()
            try:
                return await self._roundtrip(method, params or {}, wait)
            except _Dropped as exc:
                if attempt == 2:
                    raise GatewayUnreachable(
                        f"{self.where} closed the connection ({exc})",
                        guidance="Check that the gateway is running and reachable.",
                    ) from None
            except GatewayUnreachable:
                if attempt == 2 or not idempotent:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        await self._drop("client closed")

    # -- connecting ---------------------------------------------------------------------

    async def _connect_with_retries(self, attempts: int) -> Hello:
        invalid = url_problem(self.config.url)
        if invalid:
            raise GatewayError(
                invalid[0].upper() + invalid[1:], code="INVALID_GATEWAY_URL", guidance=""
            )
        problem = None if self.config.allow_insecure else transport_problem(self.config.url)
        if problem:
            raise InsecureTransport(
                f"Refusing to connect: {problem}",
                guidance=(
                    "Use wss:// (TLS in front of the gateway) or reach it over loopback "
                    "(an SSH tunnel); set MC_OPENCLAW_ALLOW_INSECURE=1 only on a network you "
                    "trust."
                ),
            )
        delay = self.config.backoff_initial
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._handshake()
            except _RetryWithSharedToken:
                attempt -= 1  # not a failure of the gateway: go again at once, without it
                continue
            except GatewayRefused as exc:
                if exc.gateway_code != UNAVAILABLE or attempt >= attempts:
                    raise
                pause = min(
                    self.config.backoff_max,
                    max(delay, (exc.retry_after_ms or 0) / 1000),
                )
            except GatewayUnreachable:
                if attempt >= attempts:
                    raise
                pause = delay
            log.info("gateway %s not ready; retrying in %.1f s", self.where, pause)
            await asyncio.sleep(pause)
            delay = min(self.config.backoff_max, delay * 2)

    async def _handshake(self) -> Hello:
        await self._drop("reconnecting")
        ws = await self._open()
        try:
            challenge = await self._challenge(ws)
            hello = await self._send_connect(ws, challenge)
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2)
            raise
        self._ws = ws
        self.hello = hello
        self._reader = asyncio.create_task(self._read(ws), name=f"openclaw-reader {self.where}")
        log.info(
            "gateway %s connected (server %s, protocol %s, auth %s)",
            self.where,
            hello.server_version,
            hello.protocol,
            hello.auth_method,
        )
        return hello

    async def _open(self) -> ClientConnection:
        try:
            return await connect(
                self.config.url,
                origin=self.config.origin,  # type: ignore[arg-type]
                open_timeout=self.config.open_timeout,
                max_size=MAX_FRAME,
                proxy=None,
                compression=None,
                user_agent_header=f"MissionControl/{__version__}",
                logger=wire_log,
            )
        except TimeoutError:
            raise GatewayTimeout(
                f"{self.where} did not complete the WebSocket upgrade within "
                f"{self.config.open_timeout:g} s",
                guidance="Check the gateway URL and that nothing in between drops the upgrade.",
            ) from None
        except (OSError, InvalidHandshake, InvalidURI, ConnectionClosed) as exc:
            raise GatewayUnreachable(
                f"Cannot reach the gateway at {self.where}: {type(exc).__name__}",
                guidance="Check that the gateway runs (`openclaw gateway status`) and the URL.",
            ) from None

    async def _recv(
        self, ws: ClientConnection, wait: float, waiting_for: str, limit: float
    ) -> dict[str, Any]:
        """The next frame within `wait` seconds (what is left of `limit`)."""
        try:
            raw = await asyncio.wait_for(ws.recv(), wait)
        except TimeoutError:
            raise GatewayTimeout(
                f"{self.where} sent no {waiting_for} within {limit:g} s",
                guidance="The gateway accepted the socket but does not speak; restart it.",
            ) from None
        except ConnectionClosed as exc:
            reason = scrub(exc.rcvd.reason if exc.rcvd else "", self._secrets())
            raise GatewayUnreachable(
                f"{self.where} closed the connection before the handshake finished"
                + (f" ({exc.rcvd.code} {reason})" if exc.rcvd else ""),
                guidance="Check the gateway's log for the reason it dropped the connection.",
            ) from None
        return _frame(raw)

    async def _challenge(self, ws: ClientConnection) -> tuple[str, int]:
        timeout = self.config.challenge_timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self._recv(
                ws, max(0.0, deadline - loop.time()), "connect.challenge", timeout
            )
            if frame.get("type") == "event" and frame.get("event") == "connect.challenge":
                payload = frame.get("payload")
                if not isinstance(payload, dict):
                    raise GatewayProtocolError("connect.challenge without a payload")
                nonce, ts = payload.get("nonce"), payload.get("ts")
                if not isinstance(nonce, str) or not 0 < len(nonce) <= MAX_NONCE:
                    raise GatewayProtocolError("connect.challenge without a usable nonce")
                if isinstance(ts, bool) or not isinstance(ts, int):
                    raise GatewayProtocolError("connect.challenge without a numeric ts")
                return nonce, ts

    def _connect_params(self, nonce: str, ts: int, use_device_token: bool) -> dict[str, Any]:
        config = self.config
        secret = self.device_token if use_device_token else config.token
        auth: dict[str, str] = {}
        if use_device_token:
            auth["deviceToken"] = self.device_token
        elif config.token:
            auth["token"] = config.token
        scopes = list(config.scopes)
        signed = signature_payload(
            device_id=self.identity.device_id,
            client_id=CLIENT_ID,
            client_mode=CLIENT_MODE,
            role=ROLE,
            scopes=scopes,
            signed_at=ts,
            token=secret,
            nonce=nonce,
            platform=config.platform,
            device_family=config.device_family,
        )
        client: dict[str, Any] = {
            "id": CLIENT_ID,
            "version": __version__,
            "platform": config.platform,
            "mode": CLIENT_MODE,
            "displayName": "Mission Control",
        }
        if config.device_family:
            client["deviceFamily"] = config.device_family
        params: dict[str, Any] = {
            "minProtocol": PROTOCOL,
            "maxProtocol": PROTOCOL,
            "client": client,
            "role": ROLE,
            "scopes": scopes,
            "device": {
                "id": self.identity.device_id,
                "publicKey": self.identity.public_key,
                "signature": self.identity.sign(signed),
                "signedAt": ts,
                "nonce": nonce,
            },
        }
        if auth:
            params["auth"] = auth
        return params

    async def _send_connect(self, ws: ClientConnection, challenge: tuple[str, int]) -> Hello:
        nonce, ts = challenge
        use_device_token = bool(self.device_token)
        try:
            return await self._connect_once(ws, nonce, ts, use_device_token)
        except GatewayRefused as exc:
            if not (use_device_token and exc.gateway_code == AUTH_DEVICE_TOKEN_MISMATCH):
                raise
        # The stored device token was revoked: forget it and sign in with the gateway token.
        log.warning("gateway %s refused the stored device token; dropping it", self.where)
        self._set_device_token(None)
        raise _RetryWithSharedToken

    async def _connect_once(
        self, ws: ClientConnection, nonce: str, ts: int, use_device_token: bool
    ) -> Hello:
        request_id = f"connect-{uuid.uuid4().hex[:12]}"
        params = self._connect_params(nonce, ts, use_device_token)
        frame = {"type": "req", "id": request_id, "method": "connect", "params": params}
        try:
            await ws.send(orjson.dumps(frame).decode("utf-8"))
        except ConnectionClosed:
            raise GatewayUnreachable(
                f"{self.where} closed the connection before the handshake finished",
                guidance="Check the gateway's log for the reason it dropped the connection.",
            ) from None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.request_timeout
        while True:
            answer = await self._recv(
                ws,
                max(0.0, deadline - loop.time()),
                "answer to connect",
                self.config.request_timeout,
            )
            if answer.get("type") == "res" and answer.get("id") == request_id:
                break
        if answer.get("ok") is not True:
            raise self._refusal("connect", answer.get("error"))
        return self._accept_hello(answer.get("payload"))

    def _accept_hello(self, payload: Any) -> Hello:
        if not isinstance(payload, dict) or payload.get("type") != "hello-ok":
            raise GatewayProtocolError("the gateway accepted connect without hello-ok")
        auth = _obj(payload.get("auth"))
        server = _obj(payload.get("server"))
        methods = _obj(payload.get("features")).get("methods")
        methods = methods if isinstance(methods, list) else []
        issued = auth.get("deviceToken")
        fresh = isinstance(issued, str) and issued and issued != self.device_token
        if fresh and auth.get("role", ROLE) == ROLE:
            self._set_device_token(str(issued))
        scopes = auth.get("scopes")
        scopes = scopes if isinstance(scopes, list) else []
        protocol = payload.get("protocol")
        return Hello(
            protocol=protocol if isinstance(protocol, int) else 0,
            server_version=str(server.get("version") or ""),
            role=str(auth.get("role") or ""),
            scopes=[str(s) for s in scopes],
            auth_method=str(auth.get("method") or ""),
            methods=[str(m) for m in methods],
        )

    def _set_device_token(self, token: str | None) -> None:
        self.device_token = token or ""
        if self._on_device_token is not None:
            self._on_device_token(token)

    def _secrets(self) -> tuple[str, ...]:
        return (self.config.token, self.device_token, self.config.device_token)

    def _refusal(self, method: str, error: Any) -> GatewayRefused:
        error = error if isinstance(error, dict) else {}
        details = _obj(error.get("details"))
        top = str(error.get("code") or "GATEWAY_ERROR")
        code = str(details.get("code") or top)
        gateway_code = top if top == UNAVAILABLE else code
        message = scrub(str(error.get("message") or "request refused"), self._secrets())
        retry = error.get("retryAfterMs", details.get("retryAfterMs"))
        info: dict[str, Any] = {}
        if isinstance(details.get("requestId"), str):
            info["request_id"] = scrub(details["requestId"], self._secrets())[:100]
        return GatewayRefused(
            f"Gateway {self.where} refused {method}: {message}",
            code=code,
            gateway_code=gateway_code,
            guidance=guidance_for(gateway_code, details, origin=self.config.origin),
            retry_after_ms=retry if isinstance(retry, int) and retry >= 0 else None,
            **info,
        )

    # -- after the handshake ------------------------------------------------------------

    async def _roundtrip(self, method: str, params: dict[str, Any], wait: float) -> Any:
        ws = self._ws
        if ws is None:
            raise _Dropped("not connected")
        request_id = f"mc-{next(self._ids)}"
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        frame = {"type": "req", "id": request_id, "method": method, "params": params}
        try:
            try:
                await ws.send(orjson.dumps(frame).decode("utf-8"))
            except ConnectionClosed as exc:
                await self._drop("send failed")
                raise _Dropped(str(exc.rcvd.code if exc.rcvd else "closed")) from None
            try:
                answer = await asyncio.wait_for(asyncio.shield(future), wait)
            except TimeoutError:
                raise GatewayTimeout(
                    f"{self.where} did not answer {method} within {wait:g} s",
                    guidance="The gateway is overloaded or stuck; check its health and log.",
                ) from None
        finally:
            self._pending.pop(request_id, None)
        if answer.get("ok") is not True:
            raise self._refusal(method, answer.get("error"))
        return answer.get("payload")

    async def _read(self, ws: ClientConnection) -> None:
        reason = "closed"
        try:
            async for raw in ws:
                try:
                    frame = _frame(raw)
                except GatewayProtocolError:
                    log.warning("gateway %s sent a frame that is not a JSON object", self.where)
                    continue
                if frame.get("type") == "res":
                    future = self._pending.get(str(frame.get("id")))
                    if future is not None and not future.done():
                        future.set_result(frame)
        except ConnectionClosed as exc:
            reason = f"{exc.rcvd.code}" if exc.rcvd else "closed"
        finally:
            current = self._ws is ws or self._ws is None
            if self._ws is ws:
                self._ws = None
                self.hello = None
            if current:
                self._fail_pending(
                    GatewayUnreachable(
                        f"{self.where} closed the connection ({reason})",
                        guidance="Check that the gateway is running; the next request reconnects.",
                    )
                )

    def _fail_pending(self, error: GatewayError) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()

    async def _drop(self, why: str) -> None:
        ws, reader = self._ws, self._reader
        self._ws, self._reader, self.hello = None, None, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2)
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader
        self._fail_pending(GatewayUnreachable(f"{self.where}: connection {why}"))


class _Dropped(Exception):
    """The reused socket was closed under us before the request went out."""


class _RetryWithSharedToken(Exception):
    """The gateway refused the stored device token, which is now forgotten."""
