"""Device cookies: a browser that signed in as a user keeps a sealed note saying so.

A login that presents a valid note for the same username skips that username's throttle
(it has its own, per note), so guesses against a name from anywhere else cannot lock the
owner out of the browsers they already use, even from a new network. The note holds only
the username and is sealed with the secret box (Fernet: encrypted and authenticated, with
its issue time), so it cannot be forged or moved to another name, and it expires.
"""

from __future__ import annotations

import hashlib
import json

from mission_control.security.secretbox import SecretBox, SecretBoxError
from mission_control.security.sessions import read_cookie

DEVICE_COOKIE = "mc-device"
SECURE_DEVICE_COOKIE = "__Host-mc-device"
DEVICE_COOKIE_NAMES = (SECURE_DEVICE_COOKIE, DEVICE_COOKIE)
DEVICE_TTL_S = 90 * 86400
_PURPOSE = "login-device"


def seal(box: SecretBox, username: str, at: int | None = None) -> str:
    """A new note for `username` (issued `at`, default now)."""
    return box.encrypt(json.dumps({"p": _PURPOSE, "u": username}, separators=(",", ":")), at)


def device_username(box: SecretBox, headers: dict[str, str]) -> tuple[str, str] | None:
    """The username of the request's valid, unexpired note and the note's throttle key."""
    note = read_cookie(headers, DEVICE_COOKIE_NAMES)
    if not note or len(note) > 1024:
        return None
    try:
        data = json.loads(box.decrypt(note, max_age_s=DEVICE_TTL_S))
    except (SecretBoxError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("p") != _PURPOSE:
        return None
    username = data.get("u")
    if not isinstance(username, str) or not username:
        return None
    return username, hashlib.sha256(note.encode("ascii", "replace")).hexdigest()[:32]


def device_cookie_header(note: str, *, secure: bool) -> str:
    """Set-Cookie for a note: HttpOnly, SameSite=Strict, 90 days, `__Host-` when secure."""
    name = SECURE_DEVICE_COOKIE if secure else DEVICE_COOKIE
    flags = f"HttpOnly; SameSite=Strict; Path=/; Max-Age={DEVICE_TTL_S}"
    if secure:
        flags += "; Secure"
    return f"{name}={note}; {flags}"
