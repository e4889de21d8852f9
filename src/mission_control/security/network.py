"""Client IP resolution behind trusted proxies, and host pattern matching."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def parse_networks(entries: Iterable[str]) -> list[IPNetwork]:
    networks: list[IPNetwork] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"MC_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR") from exc
    return networks


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(peer: str, trusted: list[IPNetwork]) -> bool:
    address = _ip(peer)
    return address is not None and any(address in net for net in trusted)


def forwarded_for(value: str) -> list[str]:
    """The `for=` nodes of an RFC 7239 `Forwarded` header, first hop first."""
    hops: list[str] = []
    for element in value.split(","):
        for pair in element.split(";"):
            name, _, node = pair.strip().partition("=")
            if name.strip().lower() == "for":
                hops.append(node.strip().strip('"'))
    return hops


def _hops(headers: dict[str, str]) -> list[str]:
    """The forwarding chain: `X-Forwarded-For`, else the `for=` nodes of `Forwarded`."""
    chain = headers.get("x-forwarded-for")
    if chain:
        return [hop.strip() for hop in chain.split(",") if hop.strip()]
    forwarded = headers.get("forwarded")
    return [hop for hop in forwarded_for(forwarded) if hop] if forwarded else []


def client_ip(peer: str, headers: dict[str, str], trusted: list[IPNetwork]) -> str:
    """The TCP peer, unless it is a trusted proxy: then the right-most untrusted hop of
    `X-Forwarded-For` (or of `Forwarded` when that is absent), else `X-Real-IP`."""
    if not trusted or not is_trusted(peer, trusted):
        return peer
    hops = _hops(headers)
    if hops:
        for hop in reversed(hops):
            address = _ip(hop)
            if address is None:
                return peer  # garbage in the chain: fall back to what we know
            if not any(address in net for net in trusted):
                return str(address)
        return str(_ip(hops[0]))
    real_ip = headers.get("x-real-ip")
    if real_ip:
        address = _ip(real_ip)
        if address is not None:
            return str(address)
    return peer


def split_host(host_header: str) -> str:
    """The host name of a `Host` value, without port, lower-cased; IPv6 without brackets."""
    host = host_header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 0 else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def host_matches(pattern: str, host: str) -> bool:
    """Exact host, `*.example.com` (subdomains only) or a prefix wildcard like `100.*`."""
    pattern = split_host(pattern) if not pattern.endswith(".*") else pattern.strip().lower()
    if not pattern or not host:
        return False
    if pattern.startswith("*."):
        suffix = pattern[1:]
        return host.endswith(suffix) and len(host) > len(suffix)
    if pattern.endswith(".*"):
        return host.startswith(pattern[:-1])
    return host == pattern


def host_allowed(host: str, patterns: list[str]) -> bool:
    return host in LOOPBACK_HOSTS or any(host_matches(p, host) for p in patterns)
