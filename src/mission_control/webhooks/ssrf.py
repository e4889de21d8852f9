"""Where a webhook may point: public http(s) hosts only, judged when saved and when sent."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import SplitResult, urlsplit

from mission_control.errors import BadRequest

PRIVATE_URL_MESSAGE = "Webhook URL cannot point to internal or private services"
MAX_URL_LENGTH = 2000

BLOCKED_NAMES = frozenset({"localhost", "metadata.google.internal", "metadata", "instance-data"})
BLOCKED_SUFFIXES = (".local", ".localhost", ".internal")

# Ranges `ipaddress`'s own flags miss: CGNAT (100.64/10) is not `is_private` everywhere,
# and NAT64 / 6to4 prefixes can wrap an internal IPv4 address.
_EXTRA_V4 = (ipaddress.ip_network("100.64.0.0/10"), ipaddress.ip_network("0.0.0.0/8"))
_EXTRA_V6 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("2002::/16"))

Resolver = Callable[[str, int], Awaitable[list[str]]]


class UnsafeURL(Exception):
    """The URL points somewhere a webhook must not go."""


def is_blocked_ip(address: str) -> bool:
    """True for loopback, private, link-local, CGNAT, multicast, reserved or unspecified."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return is_blocked_ip(str(mapped))
        if any(ip in net for net in _EXTRA_V6):
            return True
    elif any(ip in net for net in _EXTRA_V4):
        return True
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _literal_ip(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    # Legacy IPv4 spellings (`2130706433`, `0x7f.1`, `127.1`) that resolvers still accept.
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except (OSError, UnicodeError):
        return None


def is_blocked_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name in BLOCKED_NAMES or name.endswith(BLOCKED_SUFFIXES) or not name


def parse_url(url: str) -> SplitResult:
    """Split a webhook URL, refusing what is not a well-formed absolute http(s) URL."""
    if len(url) > MAX_URL_LENGTH:
        raise BadRequest(f"Webhook URL is too long (max {MAX_URL_LENGTH} characters)")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise BadRequest("Invalid webhook URL")
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        raise BadRequest("Invalid webhook URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BadRequest("Webhook URL must use http or https")
    if not parts.hostname:
        raise BadRequest("Invalid webhook URL")
    return parts


def check_saved_url(url: str, *, allow_private: bool) -> str:
    """The save-time check: literal addresses and well-known names only, no DNS."""
    parts = parse_url(url)
    if allow_private:
        return url
    host = parts.hostname or ""
    literal = _literal_ip(host)
    if is_blocked_name(host) or (literal is not None and is_blocked_ip(literal)):
        raise BadRequest(PRIVATE_URL_MESSAGE)
    return url


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def resolve_target(
    url: str, *, allow_private: bool, resolver: Resolver = system_resolver
) -> tuple[SplitResult, str]:
    """The send-time check: resolve once, refuse if any address is internal.

    Returns the parsed URL and the address to connect to, so no second lookup can
    answer differently (DNS rebinding).
    """
    try:
        parts = parse_url(url)
    except BadRequest as exc:
        raise UnsafeURL(exc.message) from None
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    if not allow_private and is_blocked_name(host):
        raise UnsafeURL(PRIVATE_URL_MESSAGE)
    literal = _literal_ip(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = await resolver(host, port)
        except OSError as exc:
            raise UnsafeURL(f"Could not resolve {host}: {exc.strerror or exc}") from None
    if not addresses:
        raise UnsafeURL(f"Could not resolve {host}")
    if not allow_private and any(is_blocked_ip(a) for a in addresses):
        raise UnsafeURL(PRIVATE_URL_MESSAGE)
    return parts, addresses[0]
