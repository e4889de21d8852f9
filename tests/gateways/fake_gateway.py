"""A protocol-level stand-in for the OpenClaw gateway, on a real WebSocket on loopback.

It speaks what openclaw 2026.9.6 speaks (frames, `connect.challenge`, the v3 device
signature checked with the real Ed25519 verification, `hello-ok`, error `details.code`s,
the 1008 close after a refused handshake, 1013 with `retryAfterMs` while starting) and can
misbehave on purpose: close mid-handshake, never answer, answer slowly.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from mission_control.integrations.openclaw.identity import b64url_decode, signature_payload

VERSION = "2026.9.6"
ALLOWED_ORIGIN = "http://mission-control.test:8080"


@dataclass
class FakeGateway:
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    allowed_origins: tuple[str, ...] = (ALLOWED_ORIGIN,)
    # normal | close_after_challenge | close_on_connect | silent | mute_after_challenge
    mode: str = "normal"
    unavailable_connects: int = 0
    method_delay: float = 0.0
    sessions: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    received: list[str] = field(default_factory=list)
    connects: int = 0
    paired: dict[str, str] = field(default_factory=dict)  # device id -> device token
    pending: dict[str, str] = field(default_factory=dict)  # request id -> device id

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def approve(self, request_id: str) -> None:
        """What `openclaw devices approve <requestId>` does."""
        device_id = self.pending.pop(request_id)
        self.paired[device_id] = secrets.token_urlsafe(32)

    async def _handler(self, ws: ServerConnection) -> None:
        origin = ws.request.headers.get("Origin") if ws.request else None
        try:
            if self.mode == "silent":
                await ws.wait_closed()
                return
            nonce, ts = str(uuid.uuid4()), int(time.time() * 1000)
            await ws.send(
                json.dumps(
                    {
                        "type": "event",
                        "event": "connect.challenge",
                        "payload": {"nonce": nonce, "ts": ts},
                    }
                )
            )
            if self.mode == "close_after_challenge":
                await ws.close(1011, "internal error")
                return
            raw = await ws.recv()
            self.received.append(str(raw))
            if self.mode == "mute_after_challenge":
                await ws.wait_closed()
                return
            if self.mode == "close_on_connect":
                ws.transport.abort()  # a crash: no close frame at all
                return
            frame = json.loads(raw)
            if frame.get("type") != "req" or frame.get("method") != "connect":
                await self._refuse(
                    ws,
                    frame.get("id"),
                    "INVALID_REQUEST",
                    "invalid handshake: first request must be connect",
                    {},
                )
                return
            self.connects += 1
            hello = self._check_connect(frame["params"], nonce, ts, origin)
            if "error" in hello:
                await self._refuse(ws, frame["id"], **hello["error"])
                return
            await ws.send(
                json.dumps({"type": "res", "id": frame["id"], "ok": True, "payload": hello})
            )
            await self._serve_requests(ws)
        except ConnectionClosed:
            return

    def _check_connect(
        self, params: dict[str, Any], nonce: str, ts: int, origin: str | None
    ) -> dict[str, Any]:
        def refuse(code: str, message: str, detail: str, **extra: Any) -> dict[str, Any]:
            return {
                "error": {"code": code, "message": message, "details": {"code": detail, **extra}}
            }

        if self.unavailable_connects > 0:
            self.unavailable_connects -= 1
            return {
                "error": {
                    "code": "UNAVAILABLE",
                    "message": "gateway starting; retry shortly",
                    "details": {},
                    "retryable": True,
                    "retryAfterMs": 100,
                    "close": 1013,
                }
            }
        if not params["minProtocol"] <= 4 <= params["maxProtocol"]:
            return refuse("INVALID_REQUEST", "protocol mismatch", "PROTOCOL_MISMATCH")
        if origin is not None and origin not in self.allowed_origins:
            return refuse(
                "INVALID_REQUEST",
                "origin not allowed (open the Control UI from the gateway host or allow it "
                "in gateway.controlUi.allowedOrigins)",
                "CONTROL_UI_ORIGIN_NOT_ALLOWED",
            )
        auth = params.get("auth") or {}
        device = params["device"]
        device_id = device["id"]
        raw_key = b64url_decode(device["publicKey"])
        if hashlib.sha256(raw_key).hexdigest() != device_id:
            return refuse(
                "INVALID_REQUEST", "device identity mismatch", "DEVICE_AUTH_DEVICE_ID_MISMATCH"
            )
        if device["nonce"] != nonce or device["signedAt"] != ts:
            return refuse("INVALID_REQUEST", "device nonce mismatch", "DEVICE_AUTH_NONCE_MISMATCH")
        if "deviceToken" in auth:
            expected = self.paired.get(device_id, "")
            secret = str(auth["deviceToken"])
            if not expected or not hmac.compare_digest(secret, expected):
                return refuse(
                    "INVALID_REQUEST",
                    "unauthorized: device token mismatch (rotate/reissue device token)",
                    "AUTH_DEVICE_TOKEN_MISMATCH",
                )
            method = "device-token"
        else:
            secret = str(auth.get("token") or "")
            if not hmac.compare_digest(secret.encode(), self.token.encode()):
                return refuse(
                    "INVALID_REQUEST",
                    "unauthorized: gateway token mismatch (provide gateway auth token)",
                    "AUTH_TOKEN_MISMATCH",
                    canRetryWithDeviceToken=False,
                )
            method = "token"
        client = params["client"]
        signed = signature_payload(
            device_id=device_id,
            client_id=client["id"],
            client_mode=client["mode"],
            role=params["role"],
            scopes=params["scopes"],
            signed_at=ts,
            token=secret,
            nonce=nonce,
            platform=client.get("platform"),
            device_family=client.get("deviceFamily"),
        )
        try:
            Ed25519PublicKey.from_public_bytes(raw_key).verify(
                b64url_decode(device["signature"]), signed.encode()
            )
        except (InvalidSignature, ValueError):
            return refuse(
                "INVALID_REQUEST", "device signature invalid", "DEVICE_AUTH_SIGNATURE_INVALID"
            )
        # Like the real gateway: a backend on loopback without Origin is trusted at once;
        # anything acting for a browser must be paired first.
        if origin is not None and device_id not in self.paired:
            request_id = str(uuid.uuid4())
            self.pending[request_id] = device_id
            return {
                "error": {
                    "code": "NOT_PAIRED",
                    "message": "pairing required: device is not approved yet",
                    "details": {
                        "code": "PAIRING_REQUIRED",
                        "requestId": request_id,
                        "deviceId": device_id,
                    },
                }
            }
        auth_out: dict[str, Any] = {
            "method": method,
            "role": params["role"],
            "scopes": params["scopes"],
        }
        if device_id in self.paired:
            auth_out["deviceToken"] = self.paired[device_id]
        return {
            "type": "hello-ok",
            "protocol": 4,
            "server": {"version": VERSION, "connId": str(uuid.uuid4())},
            "features": {"methods": ["health", "sessions.list", "agents.list"], "events": []},
            "auth": auth_out,
            "policy": {"tickIntervalMs": 30000},
        }

    async def _refuse(
        self,
        ws: ServerConnection,
        request_id: Any,
        code: str,
        message: str,
        details: dict[str, Any],
        **extra: Any,
    ) -> None:
        close = extra.pop("close", 1008)
        error = {"code": code, "message": message, "details": details, **extra}
        await ws.send(json.dumps({"type": "res", "id": request_id, "ok": False, "error": error}))
        await ws.close(close, message[:120])

    async def _serve_requests(self, ws: ServerConnection) -> None:
        async for raw in ws:
            self.received.append(str(raw))
            frame = json.loads(raw)
            if self.method_delay:
                await asyncio.sleep(self.method_delay)
            payload = self._answer(frame.get("method"), frame.get("params") or {})
            if payload is None:
                answer = {
                    "type": "res",
                    "id": frame.get("id"),
                    "ok": False,
                    "error": {
                        "code": "INVALID_REQUEST",
                        "message": f"unknown method: {frame.get('method')}",
                    },
                }
            else:
                answer = {"type": "res", "id": frame.get("id"), "ok": True, "payload": payload}
            await ws.send(json.dumps(answer))

    def _answer(self, method: Any, params: dict[str, Any]) -> dict[str, Any] | None:
        now = int(time.time() * 1000)
        if method == "health":
            return {
                "ok": True,
                "ts": now,
                "defaultAgentId": "main",
                "sessions": {"count": len(self.sessions)},
            }
        if method == "sessions.list":
            limit = int(params.get("limit") or 100)
            shown = self.sessions[:limit]
            return {
                "ts": now,
                "count": len(shown),
                "totalCount": len(self.sessions),
                "limitApplied": limit,
                "hasMore": len(self.sessions) > limit,
                "sessions": shown,
            }
        if method == "agents.list":
            return {
                "defaultId": "main",
                "agents": [{"id": "main", "model": {"primary": "openai/gpt"}}],
            }
        return None


@contextlib.contextmanager
def running(gateway: FakeGateway) -> Iterator[FakeGateway]:
    """Serve `gateway` from its own thread and event loop (like a separate process would)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()

    async def main() -> None:
        async with serve(gateway._handler, "127.0.0.1", gateway.port, compression=None) as server:
            gateway.port = next(iter(server.sockets)).getsockname()[1]
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the fake gateway did not start")
    try:
        yield gateway
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(15)
        loop.close()
