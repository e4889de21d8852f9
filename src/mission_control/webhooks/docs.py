"""What `GET /api/webhooks/verify-docs` tells receivers about checking signatures."""

from __future__ import annotations

from typing import Any

from mission_control.webhooks.signing import USER_AGENT

PYTHON_EXAMPLE = """import hashlib, hmac, time

def verify(secret: str, raw_body: bytes, headers: dict[str, str], tolerance: int = 300) -> bool:
    # Preferred: the timestamped signature (rejects replays older than `tolerance` seconds).
    timestamp = headers.get("X-MC-Timestamp", "")
    v1 = headers.get("X-MC-Signature-V1", "")
    if timestamp.isdigit() and v1:
        if abs(time.time() - int(timestamp)) > tolerance:
            return False
        expected = "v1=" + hmac.new(
            secret.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(v1, expected)
    # Compatible: the body-only signature.
    expected = "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("X-MC-Signature", ""), expected)
"""

NODE_EXAMPLE = """const crypto = require("crypto");

function verify(secret, rawBody, headers, toleranceSeconds = 300) {
  const safeEqual = (a, b) =>
    a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));
  const timestamp = headers["x-mc-timestamp"] || "";
  const v1 = headers["x-mc-signature-v1"] || "";
  if (/^\\d+$/.test(timestamp) && v1) {
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
    const expected = "v1=" + crypto.createHmac("sha256", secret)
      .update(timestamp + "." + rawBody).digest("hex");
    return safeEqual(v1, expected);
  }
  const expected = "sha256=" + crypto.createHmac("sha256", secret).update(rawBody).digest("hex");
  return safeEqual(headers["x-mc-signature"] || "", expected);
}
"""


def verify_docs() -> dict[str, Any]:
    return {
        "algorithm": "HMAC-SHA256",
        "body": '{"event": "<type>", "timestamp": <unix seconds>, "data": {...}}',
        "headers": {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-MC-Event": "the event type, e.g. task.created",
            "X-MC-Delivery": "unique id of this event's delivery to this webhook; the same "
            "on every retry, so receivers can drop duplicates",
            "X-MC-Timestamp": "unix seconds when this attempt was sent",
            "X-MC-Signature": "sha256=<hex HMAC-SHA256(secret, raw body)>",
            "X-MC-Signature-V1": "v1=<hex HMAC-SHA256(secret, X-MC-Timestamp + '.' + raw body)>",
        },
        "signature_format": "sha256=<hex HMAC-SHA256(secret, raw body)>",
        "timestamped_signature_format": "v1=<hex HMAC-SHA256(secret, '<timestamp>.<raw body>')>",
        "instructions": [
            "Compute the HMAC over the raw request body bytes, before any JSON parsing.",
            "Compare with a constant-time comparison.",
            "Prefer X-MC-Signature-V1 and reject timestamps older than a few minutes "
            "to block replays.",
            "Webhooks created without a secret are not signed (no signature headers).",
            "Deliveries are retried with backoff (30 s, 5 min, 30 min, 2 h, 8 h, ±20 %); "
            "answer 2xx within 10 s. Redirects are not followed.",
        ],
        "examples": {"python": PYTHON_EXAMPLE, "node": NODE_EXAMPLE},
    }
