"""Which addresses a preview fetch may connect to: public unicast only.

Refused, with the kind named: loopback (``127.0.0.0/8``, ``::1``), private
(``10/8``, ``172.16/12``, ``192.168/16``, ``fc00::/7``), link-local
(``169.254/16`` — cloud metadata lives at ``169.254.169.254`` — and
``fe80::/10``), shared address space (``100.64/10``), multicast, reserved,
unspecified (``0.0.0.0``, ``::``), documentation and benchmarking ranges,
and anything else the IANA registries mark as not globally reachable. An
IPv6 address that embeds an IPv4 one (IPv4-mapped ``::ffff:a.b.c.d``,
IPv4-compatible ``::a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``,
Teredo) is judged by the IPv4 address it carries as well.
"""

from __future__ import annotations

import ipaddress
from typing import Final

__all__ = ["address_problem"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64: Final = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE: Final = ipaddress.ip_network("::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _kind(address: IPAddress) -> str | None:
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "not globally reachable"
    return None


def address_problem(text: str) -> str | None:
    """Why a connection to the address ``text`` is refused (``"loopback"``…), or ``None``.

    Text that is not an IP address is refused as ``"not an address"``.
    """
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0].strip("[]"))
    except ValueError:
        return "not an address"
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = _kind(embedded)
            if inner is not None:
                return f"{inner} (embedded IPv4 {embedded})"
    return _kind(address)
