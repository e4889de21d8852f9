"""HTTP calls to the server, with errors turned into the CLI's exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from mission_control.client.profiles import Profile

EXIT_OK = 0
EXIT_USAGE = 2  # usage errors and 4xx other than 401/403
EXIT_UNAUTHORIZED = 3
EXIT_FORBIDDEN = 4
EXIT_NETWORK = 5
EXIT_SERVER = 6


class ClientError(Exception):
    """A failed call: the message to print and the exit code to leave with."""

    def __init__(
        self, message: str, exit_code: int, status: int | None = None, body: Any = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.status = status
        self.body = body


def exit_code_for(status: int) -> int:
    if status == 401:
        return EXIT_UNAUTHORIZED
    if status == 403:
        return EXIT_FORBIDDEN
    if status >= 500:
        return EXIT_SERVER
    return EXIT_USAGE


def _error_message(response: httpx.Response) -> tuple[str, Any]:
    """`HTTP 400: Validation failed`, then the body's `details` one per line."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}", None
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return f"HTTP {response.status_code}", body
    message = f"HTTP {response.status_code}: {body['error']}"
    details = body.get("details")
    if isinstance(details, str):
        details = [details]
    if isinstance(details, list):
        message += "".join(f"\n  - {detail}" for detail in details)
    return message, body


def _raise_for_status(response: httpx.Response) -> None:
    if response.status_code >= 400:
        message, body = _error_message(response)
        raise ClientError(message, exit_code_for(response.status_code), response.status_code, body)


class Api:
    """A thin client for one server, authenticated by the profile's key or session."""

    def __init__(self, profile: Profile, *, timeout: float = 30.0) -> None:
        self.profile = profile
        headers = {"User-Agent": "mission-control-cli"}
        if profile.api_key:
            headers["X-API-Key"] = profile.api_key
        cookies = {profile.cookie_name: profile.session_cookie} if profile.session_cookie else None
        self._http = httpx.Client(
            base_url=profile.url,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None
    ) -> httpx.Response:
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = self._http.request(method, path, params=clean or None, json=json)
        except httpx.TransportError as exc:
            raise ClientError(
                f"cannot reach {self.profile.url}: {exc.__class__.__name__}", EXIT_NETWORK
            ) from exc
        _raise_for_status(response)
        return response

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        if not response.content:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    @contextmanager
    def stream(
        self,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Iterator[httpx.Response]:
        """A GET whose body is read as it arrives (no read timeout); errors as in `request`."""
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            with self._http.stream(
                "GET",
                path,
                params=clean or None,
                headers=headers,
                timeout=httpx.Timeout(30.0, read=None),
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    _raise_for_status(response)
                yield response
        except httpx.TransportError as exc:
            raise ClientError(
                f"cannot reach {self.profile.url}: {exc.__class__.__name__}", EXIT_NETWORK
            ) from exc

    def stream_lines(self, path: str, *, headers: dict[str, str] | None = None) -> Iterator[str]:
        with self.stream(path, headers=headers) as response:
            yield from response.iter_lines()
