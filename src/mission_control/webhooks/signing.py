"""Signing of delivery bodies: `X-MC-Signature` (body) and the timestamped `v1=` form."""

from __future__ import annotations

import hashlib
import hmac

USER_AGENT = "MissionControl-Webhook/1.0"


def body_signature(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256(secret, raw body)>`, the original's header value."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def timestamped_signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`; covers the time, against replay."""
    message = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def delivery_headers(
    *, event_type: str, delivery_uid: str, timestamp: int, body: bytes, secret: str | None
) -> dict[str, str]:
    """Every header of a delivery. Without a secret the signature headers are left out."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-MC-Event": event_type,
        "X-MC-Delivery": delivery_uid,
        "X-MC-Timestamp": str(timestamp),
    }
    if secret:
        # `X-MC-Signature` stays exactly the original's value so existing receivers that
        # compare it whole keep working; the replay-proof form gets its own header.
        headers["X-MC-Signature"] = body_signature(secret, body)
        headers["X-MC-Signature-V1"] = timestamped_signature(secret, timestamp, body)
    return headers


def verify(secret: str, body: bytes, signature: str) -> bool:
    """True when `signature` is the valid `sha256=` signature of `body`."""
    return hmac.compare_digest(signature.strip(), body_signature(secret, body))
