"""A real JWKS served on loopback from locally generated RSA keys, and a token minter."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import AppHarness

CLIENT_ID = "1234567890-test.apps.googleusercontent.com"


class KeyPair:
    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key())
        )
        data.update(kid=self.kid, use="sig", alg="RS256")
        return data


@pytest.fixture(scope="session")
def google_keys() -> dict[str, KeyPair]:
    return {name: KeyPair(name) for name in ("key-a", "key-b", "rogue")}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that gave up on the slow endpoint is expected


class JWKSServer:
    """Serves `{"keys": [...]}` of the published key pairs; can answer 500 or hang."""

    def __init__(self) -> None:
        self.published: list[KeyPair] = []
        self.mode = "ok"
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                if server.mode == "slow":
                    time.sleep(3)
                if server.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                body = json.dumps({"keys": [k.jwk() for k in server.published]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/oauth2/v3/certs"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def jwks_server(google_keys: dict[str, KeyPair]) -> Iterator[JWKSServer]:
    server = JWKSServer()
    server.published = [google_keys["key-a"]]
    yield server
    server.close()


Minter = Callable[..., str]


@pytest.fixture
def mint(google_keys: dict[str, KeyPair]) -> Minter:
    def make(
        sub: str = "1000001",
        email: str = "jane.doe@example.com",
        *,
        key: str = "key-a",
        kid: str | None = None,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": "https://accounts.google.com",
            "aud": CLIENT_ID,
            "sub": sub,
            "email": email,
            "email_verified": True,
            "name": "Jane Doe",
            "picture": "https://lh3.googleusercontent.com/a/photo",
            "iat": now,
            "exp": now + 3600,
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        header = {"kid": kid or key, **(headers or {})}
        return jwt.encode(payload, google_keys[key].private, algorithm="RS256", headers=header)

    return make


@pytest.fixture
async def google(
    harness_factory: Callable[..., Any], jwks_server: JWKSServer
) -> AsyncIterator[AppHarness]:
    """The app with Google sign-in on, trusting the loopback JWKS."""
    async with harness_factory(
        google_client_id=CLIENT_ID, google_jwks_url=jwks_server.url
    ) as harness:
        yield harness
