"""The client's address: an IP that a client cannot choose.

Per-address rate limits, audit events and the session list all depend on where
a request came from. The socket's peer is the only address a client cannot
forge; ``X-Forwarded-For`` is believed only when that peer is one of the
operator's own proxies (``PA_TRUSTED_PROXIES``), and then only as far back as
the chain stays within those proxies::

    proxies = TrustedProxies.parse(settings.trusted_proxies)
    ip = proxies.client_ip(peer, forwarded_for_headers)

Every address that comes out is a valid IP in its canonical text form, or
``None``; forwarded scheme and host are never used for anything.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

__all__ = ["TrustedProxies", "valid_ip"]

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(value: str | None) -> _Address | None:
    """``value`` parsed as an IP (IPv4-mapped IPv6 unwrapped to IPv4), or ``None``."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def valid_ip(value: str | None) -> str | None:
    """``value`` in canonical IP form, or ``None`` when it is not an IP address.

    The one gate for every address the library stores (sessions, audit
    events) or keys a limit by: ``"<img src=x>"``, ``"unknown"`` or a host name
    come out as ``None``; ``"::ffff:192.0.2.1"`` comes out as ``"192.0.2.1"``.
    """
    address = _address(value)
    return None if address is None else str(address)


class TrustedProxies:
    """The operator's proxies, whose ``X-Forwarded-For`` is believed.

    Args:
        networks: IPs or CIDR networks (``"10.0.0.0/8"``, ``"::1"``).
            An empty list (the default) trusts no proxy: the client is the peer.
    """

    __slots__ = ("networks",)

    def __init__(self, networks: Iterable[str | _Network] = ()) -> None:
        self.networks: tuple[_Network, ...] = tuple(
            ipaddress.ip_network(n.strip() if isinstance(n, str) else n, strict=False)
            for n in networks
        )

    @classmethod
    def parse(cls, setting: str) -> TrustedProxies:
        """From ``PA_TRUSTED_PROXIES``: comma-separated IPs or CIDR networks.

        Raises:
            ValueError: An entry is neither an IP nor a network.
        """
        return cls(part for part in setting.split(",") if part.strip())

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, address: _Address) -> bool:
        """Whether ``address`` is one of the trusted proxies."""
        return any(address in network for network in self.networks)

    def client_ip(self, peer: str | None, forwarded_for: Sequence[str] = ()) -> str | None:
        """The client's IP for a request from ``peer`` carrying ``forwarded_for`` headers.

        Args:
            peer: The socket's remote address (``None`` for a Unix socket).
            forwarded_for: The values of every ``X-Forwarded-For`` header, in order.

        Returns:
            The peer, unless the peer is a trusted proxy: then the right-most
            forwarded address that is not a trusted proxy (or, when every hop is
            trusted, the left-most one). A forwarded value that is not an IP
            where the client should be leaves the peer's address. Always a valid
            IP or ``None``.
        """
        peer_address = _address(peer)
        if peer_address is None or not self.networks or not forwarded_for:
            return None if peer_address is None else str(peer_address)
        if not self.trusts(peer_address):
            return str(peer_address)
        hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
        client = peer_address
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                return str(peer_address)
            client = address
            if not self.trusts(address):
                break
        return str(client)
