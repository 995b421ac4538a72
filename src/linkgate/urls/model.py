"""The parsed form of a link, shared by every module in ``linkgate.urls``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

HostType = Literal["domain", "ipv4", "ipv6", "opaque", "none"]


@dataclass(frozen=True, slots=True)
class ParsedUrl:
    """A link as a WHATWG-conforming browser would see it.

    ``scheme`` has no trailing colon and is lower case. ``hostname`` is the
    serialised host (ASCII, punycode for IDNs, IPv6 in brackets, IPv4 in
    dotted-decimal even when typed in hex, octal or dword form); it may carry
    a trailing dot exactly as typed. ``search`` and ``hash`` keep their
    leading ``?`` / ``#`` and are empty when absent. ``scheme_added`` is true
    when the input had no scheme (a chat link such as ``m.tb.cn/h.abc``) and
    ``http://`` was assumed.
    """

    raw: str
    href: str
    scheme: str
    username: str
    password: str
    hostname: str
    port: str
    pathname: str
    search: str
    hash: str
    host_type: HostType
    scheme_added: bool


@dataclass(frozen=True, slots=True)
class InvalidUrl:
    """Input that is not a usable link; ``code`` is a stable error code."""

    raw: str
    code: str
