"""Where a webhook may be sent (DESIGN.md §6, SSRF): https only, and never to private, loopback or
link-local addresses after DNS resolution, unless the operator allows it. Sandbox mode also allows http and
loopback, so integrators can test with a receiver on their own machine.

The delivery connects to the address that was checked (the host name still names the TLS certificate and
the ``Host`` header), so a DNS answer that changes between the check and the connection cannot redirect it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from medley.config import Settings
from medley.domain.errors import DetailCode, MedleyError

MAX_URL_LENGTH = 2000

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    """The URL may not be delivered to; the message says why (no secrets, no payload)."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked destination: connect to ``address`` (an IP) and ``port``; name ``host`` in TLS (SNI and
    certificate check) and ``host_header`` in the request; ``path`` includes the query."""

    scheme: str
    address: str
    port: int
    host: str
    host_header: str
    path: str


def _allowed_address(address: Address, settings: Settings) -> bool:
    if settings.webhook_allow_private_urls:
        return True
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return settings.sandbox
    return address.is_global and not address.is_multicast


def check_url(url: str, settings: Settings) -> None:
    """Refuse a URL that can never be delivered to (wrong scheme, no host, an IP literal not allowed);
    raises ``MedleyError`` BAD_REQUEST. The DNS answer is checked again at every delivery."""
    try:
        _split(url, settings)
    except TargetRefused as exc:
        raise MedleyError.bad_request(str(exc), DetailCode.BAD_INPUT, path="url") from None


def _split(url: str, settings: Settings) -> tuple[str, str, int, str]:
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"The URL must be at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused("The URL is not valid.") from None
    plain_http_allowed = settings.sandbox or settings.webhook_allow_private_urls
    if parts.scheme != "https" and not (parts.scheme == "http" and plain_http_allowed):
        raise TargetRefused("The URL must use https.")
    host = parts.hostname
    if not host or parts.username is not None or parts.password is not None:
        raise TargetRefused("The URL must name a host, without user or password.")
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not _allowed_address(literal, settings):
        raise TargetRefused("The URL's address is private, loopback or link-local.")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), parts.netloc


async def resolve(url: str, settings: Settings) -> Target:
    """Resolve the URL's host and pick an allowed address; raises ``TargetRefused`` when every address is
    refused or none resolves."""
    scheme, host, port, netloc = _split(url, settings)
    try:
        addresses: list[Address] = [ipaddress.ip_address(host)]  # a literal was checked by _split
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            raise TargetRefused("The URL's host does not resolve.") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    # Every address must be allowed: a name that also resolves inward is refused outright.
    if not addresses or not all(_allowed_address(address, settings) for address in addresses):
        raise TargetRefused("The URL's host resolves to a private, loopback or link-local address.")
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(
        scheme=scheme, address=str(addresses[0]), port=port, host=host, host_header=netloc.rsplit("@", 1)[-1],
        path=path,
    )
