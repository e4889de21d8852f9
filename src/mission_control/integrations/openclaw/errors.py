"""Gateway failures as exceptions whose text tells the operator what to do next.

Messages never include a token: the gateway's own text is passed through `scrub` with the
secrets of the connection before it reaches an exception, a log line or an API answer.
"""

from __future__ import annotations

from typing import Any

# `details.code` values the gateway sends on a refused `connect`.
AUTH_TOKEN_MISMATCH = "AUTH_TOKEN_MISMATCH"  # noqa: S105 - an error code
AUTH_DEVICE_TOKEN_MISMATCH = "AUTH_DEVICE_TOKEN_MISMATCH"  # noqa: S105 - an error code
DEVICE_AUTH_SIGNATURE_INVALID = "DEVICE_AUTH_SIGNATURE_INVALID"
PAIRING_REQUIRED = "PAIRING_REQUIRED"
ORIGIN_NOT_ALLOWED = "CONTROL_UI_ORIGIN_NOT_ALLOWED"
UNAVAILABLE = "UNAVAILABLE"
MAX_MESSAGE = 300


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with every secret replaced, cut to a readable length."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


class GatewayError(Exception):
    """Any failure talking to a gateway. `code` is stable; `guidance` is for the operator."""

    code = "GATEWAY_ERROR"

    def __init__(
        self, message: str, *, code: str | None = None, guidance: str = "", **info: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.guidance = guidance
        self.info = info

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message, "code": self.code}
        if self.guidance:
            body["guidance"] = self.guidance
        body.update(self.info)
        return body


class GatewayUnreachable(GatewayError):
    """No socket, or it closed before the handshake finished."""

    code = "GATEWAY_UNREACHABLE"


class GatewayTimeout(GatewayError):
    """The gateway did not answer within the bounded wait."""

    code = "GATEWAY_TIMEOUT"


class GatewayProtocolError(GatewayError):
    """The gateway sent something this client does not understand."""

    code = "GATEWAY_PROTOCOL_ERROR"


class GatewayRefused(GatewayError):
    """The gateway answered the request with an error frame."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        gateway_code: str = "",
        guidance: str = "",
        retry_after_ms: int | None = None,
        **info: Any,
    ) -> None:
        super().__init__(message, code=code, guidance=guidance, **info)
        self.gateway_code = gateway_code
        self.retry_after_ms = retry_after_ms


class DeviceIdentityUnusable(GatewayError):
    """This server's own device key cannot be read or created: nothing to sign in with."""

    code = "DEVICE_IDENTITY_UNUSABLE"


class InsecureTransport(GatewayError):
    """Device signing over plain ws:// to a host that is not this machine."""

    code = "INSECURE_GATEWAY_URL"


def guidance_for(code: str, details: dict[str, Any], *, origin: str | None) -> str:
    """What the operator should do about a refused `connect`."""
    if code == PAIRING_REQUIRED:
        request_id = str(details.get("requestId") or "<requestId>")
        return (
            "This Mission Control device is not paired with the gateway yet. On the gateway "
            f"host run `openclaw devices approve {request_id}` (or approve it in the Control "
            "UI), then retry."
        )
    if code == AUTH_TOKEN_MISMATCH:
        return (
            "The gateway token does not match gateway.auth.token in the gateway's config. "
            "Update the token stored for this gateway (Edit on the Gateways page, or "
            "PATCH /api/gateways/{id}) or "
            "OPENCLAW_GATEWAY_TOKEN (in the environment or on the Integrations page)."
        )
    if code == AUTH_DEVICE_TOKEN_MISMATCH:
        return (
            "The gateway no longer accepts this device's token (rotated or revoked). "
            "Mission Control drops it and signs in with the gateway token next time."
        )
    if code == DEVICE_AUTH_SIGNATURE_INVALID:
        return (
            "The gateway rejected the device signature. Check that the clocks agree and that "
            "nothing between Mission Control and the gateway rewrites the connection; if "
            "<data dir>/identity/device.json was replaced, pair the new device."
        )
    if code == ORIGIN_NOT_ALLOWED:
        shown = origin or "<origin>"
        return (
            f'Add "{shown}" to gateway.controlUi.allowedOrigins in the gateway config '
            "(openclaw.json) and restart the gateway."
        )
    if code == UNAVAILABLE:
        return "The gateway is starting or busy; Mission Control retries with backoff."
    return ""
