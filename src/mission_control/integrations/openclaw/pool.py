"""One reused client per gateway for the running app; replaced when its config changes."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace

from mission_control.integrations.openclaw.client import (
    DeviceTokenSink,
    GatewayClient,
    GatewayConfig,
)
from mission_control.integrations.openclaw.errors import DeviceIdentityUnusable
from mission_control.integrations.openclaw.identity import (
    DEVICE_FILE,
    IDENTITY_DIR,
    DeviceIdentity,
    IdentityError,
    load_or_create,
)
from mission_control.settings import Settings

ENV_KEY = "env"
UNUSABLE = "Mission Control's device identity cannot be used, so no gateway can be signed in to"


def _fingerprint(config: GatewayConfig) -> str:
    """Changes when anything that shapes the connection changes (secrets hashed, not kept)."""
    material = "\x00".join(
        (
            config.url,
            config.token,
            config.origin or "",
            ",".join(config.scopes),
            repr((config.challenge_timeout, config.request_timeout, config.allow_insecure)),
        )
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class GatewayPool:
    """Clients keyed by gateway (`"env"` or a row id), all closed when the app stops."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._identity: DeviceIdentity | None = None
        self._clients: dict[str, tuple[str, GatewayClient]] = {}
        self._lock = asyncio.Lock()

    def identity(self) -> DeviceIdentity:
        """The device key, loaded (or created) once; a damaged file or an unwritable data dir
        is a gateway error the operator can act on, tried again on the next call."""
        if self._identity is None:
            data_dir = self.settings.data_dir
            try:
                self._identity = load_or_create(data_dir)
            except IdentityError as exc:
                raise DeviceIdentityUnusable(UNUSABLE, guidance=str(exc)) from None
            except OSError as exc:
                path = data_dir / IDENTITY_DIR / DEVICE_FILE
                raise DeviceIdentityUnusable(
                    UNUSABLE,
                    guidance=f"{path} cannot be created or read "
                    f"({exc.strerror or type(exc).__name__}); check that the data directory "
                    f"{data_dir} is a directory the server can write to.",
                ) from None
        return self._identity

    def config(self, url: str, token: str = "", device_token: str = "") -> GatewayConfig:
        """A config with this app's timeouts and transport policy."""
        settings = self.settings
        return GatewayConfig(
            url=url,
            token=token,
            device_token=device_token,
            challenge_timeout=settings.openclaw_challenge_timeout,
            request_timeout=settings.openclaw_request_timeout,
            open_timeout=min(10.0, settings.openclaw_challenge_timeout),
            allow_insecure=settings.openclaw_allow_insecure,
        )

    async def client(
        self, key: str, config: GatewayConfig, *, on_device_token: DeviceTokenSink | None = None
    ) -> GatewayClient:
        """The open client for `key`, or a new one when there is none or its config changed."""
        fingerprint = _fingerprint(config)
        async with self._lock:
            current = self._clients.get(key)
            if current is not None and current[0] == fingerprint:
                return current[1]
            if current is not None:
                # Keep a device token the old client learnt unless the caller knows better.
                old = current[1]
                if not config.device_token and old.device_token and old.config.url == config.url:
                    config = replace(config, device_token=old.device_token)
                await old.close()
            client = GatewayClient(config, self.identity(), on_device_token=on_device_token)
            self._clients[key] = (fingerprint, client)
            return client

    async def discard(self, key: str) -> None:
        async with self._lock:
            current = self._clients.pop(key, None)
        if current is not None:
            await current[1].close()

    async def close(self) -> None:
        async with self._lock:
            clients = [c for _, c in self._clients.values()]
            self._clients.clear()
        for client in clients:
            await client.close()
