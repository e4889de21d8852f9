"""Google ID tokens verified locally: RS256 against a cached JWKS, then the OIDC claims."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import orjson

GOOGLE_ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})
MAX_TOKEN_BYTES = 8192
MAX_JWKS_BYTES = 256 * 1024
LEEWAY_S = 60


class GoogleTokenError(Exception):
    """The token is not a valid Google ID token for us; `reason` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class GoogleKeysUnavailable(Exception):
    """Google's signing keys could not be fetched; `reason` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class GoogleIdentity:
    sub: str
    email: str
    name: str | None
    picture: str | None
    hosted_domain: str | None


def claimed_email(credential: str) -> str:
    """The email a token claims, read without any check: only a key for the per-account login
    limit (like the username of a password login), never an identity."""
    if len(credential.encode("utf-8", "replace")) > MAX_TOKEN_BYTES:
        return ""
    try:
        claims = jwt.decode(credential, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return ""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or len(email) > 320:
        return ""
    return email.strip().lower()


class JWKSCache:
    """Google's public keys by `kid`: refetched when stale or when an unknown `kid` shows up,
    but never more often than `min_refresh_s`, and each fetch bounded by `timeout_s`."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 5.0,
        ttl_s: float = 3600.0,
        min_refresh_s: float = 60.0,
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.ttl_s = ttl_s
        self.min_refresh_s = min_refresh_s
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._attempted_at = 0.0
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK:
        now = time.monotonic()
        if kid in self._keys and now - self._fetched_at < self.ttl_s:
            return self._keys[kid]
        async with self._lock:
            now = time.monotonic()
            stale = not self._keys or now - self._fetched_at >= self.ttl_s
            unknown = kid not in self._keys
            if (stale or unknown) and now - self._attempted_at >= self.min_refresh_s:
                self._attempted_at = now
                try:
                    self._keys = await self._fetch()
                    self._fetched_at = time.monotonic()
                except GoogleKeysUnavailable:
                    if not self._keys:
                        raise
                    # Keep serving the keys we have; Google rotates them slowly.
            elif not self._keys:
                raise GoogleKeysUnavailable("signing keys unavailable (retry later)")
        found = self._keys.get(kid)
        if found is None:
            raise GoogleTokenError("unknown signing key")
        return found

    async def _fetch(self) -> dict[str, jwt.PyJWK]:
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False) as client:
                response = await asyncio.wait_for(client.get(self.url), self.timeout_s + 1)
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            raise GoogleKeysUnavailable(
                f"fetching signing keys failed: {type(exc).__name__}"
            ) from None
        if response.status_code != 200:
            raise GoogleKeysUnavailable(f"signing keys answered HTTP {response.status_code}")
        if len(response.content) > MAX_JWKS_BYTES:
            raise GoogleKeysUnavailable("signing key set too large")
        try:
            data = orjson.loads(response.content)
            entries = data["keys"]
            if not isinstance(entries, list):
                raise TypeError
        except (orjson.JSONDecodeError, KeyError, TypeError):
            raise GoogleKeysUnavailable("signing key set is not a JWKS document") from None
        keys: dict[str, jwt.PyJWK] = {}
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA":
                continue
            kid = entry.get("kid")
            if not isinstance(kid, str):
                continue
            try:
                keys[kid] = jwt.PyJWK(entry, algorithm="RS256")
            except jwt.PyJWKError:
                continue
        if not keys:
            raise GoogleKeysUnavailable("signing key set holds no usable RSA key")
        return keys


class GoogleVerifier:
    """Checks a Google ID token the way an OIDC relying party must."""

    def __init__(self, client_id: str, keys: JWKSCache, allowed_domains: list[str]) -> None:
        self.client_id = client_id
        self.keys = keys
        self.allowed_domains = {d.lower() for d in allowed_domains}

    async def verify(self, credential: str) -> GoogleIdentity:
        if len(credential.encode("utf-8", "replace")) > MAX_TOKEN_BYTES:
            raise GoogleTokenError("token too large")
        try:
            header = jwt.get_unverified_header(credential)
        except jwt.InvalidTokenError:
            raise GoogleTokenError("malformed token") from None
        if header.get("alg") != "RS256":
            raise GoogleTokenError("unsupported signing algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 200:
            raise GoogleTokenError("token names no signing key")
        key = await self.keys.key(kid)
        claims = self._decode(credential, key)
        return self._identity(claims)

    def _decode(self, credential: str, key: jwt.PyJWK) -> dict[str, Any]:
        try:
            return jwt.decode(
                credential,
                key,
                algorithms=["RS256"],
                audience=self.client_id,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise GoogleTokenError("token expired") from None
        except jwt.ImmatureSignatureError:
            raise GoogleTokenError("token issued in the future") from None
        except jwt.InvalidAudienceError:
            raise GoogleTokenError("wrong audience") from None
        except jwt.InvalidSignatureError:
            raise GoogleTokenError("bad signature") from None
        except jwt.MissingRequiredClaimError as exc:
            raise GoogleTokenError(f"missing claim {exc.claim}") from None
        except jwt.InvalidTokenError:
            raise GoogleTokenError("invalid token") from None

    def _identity(self, claims: dict[str, Any]) -> GoogleIdentity:
        if claims.get("iss") not in GOOGLE_ISSUERS:
            raise GoogleTokenError("wrong issuer")
        sub, email = claims.get("sub"), claims.get("email")
        if not isinstance(sub, str) or not sub or len(sub) > 255:
            raise GoogleTokenError("missing claim sub")
        if not isinstance(email, str) or "@" not in email or len(email) > 320:
            raise GoogleTokenError("missing claim email")
        if claims.get("email_verified") not in (True, "true"):
            raise GoogleTokenError("email not verified")
        hosted = claims.get("hd")
        hosted = hosted.lower() if isinstance(hosted, str) else None
        if self.allowed_domains and hosted not in self.allowed_domains:
            raise GoogleTokenError("hosted domain not allowed")
        name, picture = claims.get("name"), claims.get("picture")
        return GoogleIdentity(
            sub=sub,
            email=email.strip().lower(),
            name=name[:200] if isinstance(name, str) and name.strip() else None,
            picture=picture[:2000]
            if isinstance(picture, str) and picture.startswith("https://")
            else None,
            hosted_domain=hosted,
        )
