"""The client's address, as the audit trail and the login lockout both see it.

Behind the documented deployment (docs/deploy.md) every request reaches gunicorn from nginx over
a Unix socket, where the peer has no address at all; nginx names the client in
`X-Forwarded-For`. That header is believed only when the request comes from a trusted proxy
(settings.TRUSTED_PROXIES, from PANAH_TRUSTED_PROXIES): from anyone else it says whatever the
sender chose, so their own address counts and the header is ignored.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest

# In PANAH_TRUSTED_PROXIES: the peer on the other end of gunicorn's Unix socket. Only nginx can
# reach that socket (its group, docs/deploy.md), so whoever connects there is the proxy.
UNIX_SOCKET = "unix"
# The login lockout's stand-in for an address nobody named (a trusted proxy that sent no
# X-Forwarded-For): failures then still add up per account instead of never matching.
UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 (a value stored, never an address bound to)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e) for e in entries if e != UNIX_SOCKET)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client reaching a dual-stack socket shows up as ::ffff:a.b.c.d.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client's machine, or None when nobody trustworthy says it.

    A peer that is not a trusted proxy is the client. From a trusted proxy, X-Forwarded-For is
    read from the right (each proxy appends the address it saw), skipping trusted proxies; a
    malformed entry ends the reading, since anything left of it may be the client's invention.
    """
    entries = tuple(settings.TRUSTED_PROXIES)
    networks = _networks(entries)
    peer_text = request.META.get("REMOTE_ADDR") or ""
    peer = _address(peer_text)
    if peer is None:
        # No IP address: gunicorn's Unix socket gives an empty name (or the path the peer bound).
        if UNIX_SOCKET not in entries:
            return None
    elif not _is_trusted(peer, networks):
        return str(peer)
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    client = None
    for hop in reversed(hops):
        client = _address(hop)
        if client is None or not _is_trusted(client, networks):
            break
    return str(client) if client is not None else None


def lockout_ip(request: HttpRequest) -> str:
    """The address django-axes counts failed logins under (AXES_CLIENT_IP_CALLABLE)."""
    return client_ip(request) or UNKNOWN_ADDRESS
