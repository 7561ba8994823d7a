"""Which push endpoints the server will send to: an https URL whose host resolves only to
public addresses. A subscription naming an internal host would otherwise make the server
request it (server-side request forgery), so loopback, private, link-local, shared and
reserved addresses are refused unless a setting allows them (SHUTTER_PUSH_ALLOW_LOOPBACK
for the tests' local push service, SHUTTER_PUSH_ALLOW_PRIVATE_NETWORKS for a push
service inside the operator's own network). The check runs when a browser subscribes and
again before each delivery, since a name may resolve elsewhere later.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from shutter.errors import InvalidInput

_LOOPBACK_NAMES = frozenset({"localhost"})
_NOT_A_PUSH_SERVICE = "The endpoint must be a push service's URL."

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class EndpointPolicy:
    allow_loopback: bool = False  # plain http to a loopback address (the tests)
    allow_private: bool = False  # private, link-local and other internal addresses


async def _addresses(host: str) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]


def _internal(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


async def check_endpoint(endpoint: str, policy: EndpointPolicy) -> None:
    """Raise 422 `invalid_endpoint` unless the server may send to this endpoint."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if not host or parts.username or parts.password:
        raise InvalidInput(_NOT_A_PUSH_SERVICE, code="invalid_endpoint")
    if host in _LOOPBACK_NAMES:
        addresses: list[IPAddress] = [ipaddress.ip_address("127.0.0.1")]
    else:
        addresses = await _addresses(host)
    if not addresses:
        raise InvalidInput("The endpoint's host could not be found.", code="invalid_endpoint")
    loopback = all(address.is_loopback for address in addresses)
    for address in addresses:
        if address.is_loopback:
            allowed = policy.allow_loopback
        else:
            allowed = not _internal(address) or policy.allow_private
        if not allowed:
            raise InvalidInput(
                "The endpoint must be a push service on the internet, not an internal address.",
                code="invalid_endpoint",
            )
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise InvalidInput("The endpoint must be an https URL.", code="invalid_endpoint")


async def endpoint_allowed(endpoint: str, policy: EndpointPolicy) -> bool:
    try:
        await check_endpoint(endpoint, policy)
    except InvalidInput:
        return False
    return True
