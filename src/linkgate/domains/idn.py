"""Internationalised domain names: the WHATWG "domain to ASCII" and its inverse.

``to_ascii`` is what a browser does to the host of a typed URL: UTS #46
processing (non-transitional, CheckBidi, CheckJoiners, no STD3 rules, no DNS
length check) followed by the host parser's check for forbidden domain code
points. ``to_unicode`` turns a serialised (punycode) host back into the
Unicode form users read. Neither raises: ``to_ascii`` returns ``None`` where
a browser would reject the host, ``to_unicode`` returns its input unchanged
when it cannot be decoded.
"""

from __future__ import annotations

from typing import Final

import ada_url

__all__ = ["FORBIDDEN_DOMAIN_CODE_POINTS", "to_ascii", "to_unicode"]

# WHATWG URL: forbidden host code points, C0 controls, "%" and DEL.
FORBIDDEN_DOMAIN_CODE_POINTS: Final = frozenset(
    [chr(c) for c in range(0x20)]
    + [" ", "#", "/", ":", "<", ">", "?", "@", "[", "\\", "]", "^", "|", "%", "\x7f"]
)


def _has_forbidden(ascii_host: str) -> bool:
    return not FORBIDDEN_DOMAIN_CODE_POINTS.isdisjoint(ascii_host)


def to_ascii(host: str) -> str | None:
    """The ASCII (punycode) form of a domain, or ``None`` if it is not a valid host.

    ``"Bücher.DE"`` -> ``"xn--bcher-kva.de"``; ``"faß.de"`` -> ``"xn--fa-hia.de"``;
    ``"xn--a.ß"`` -> ``None``. Empty labels are kept (``"a..b"``), an empty
    result is a failure.
    """
    if not host:
        return None
    if host.isascii() and "xn--" not in host.lower():
        result = host.lower()
    else:
        try:
            encoded = ada_url.idna_to_ascii(host)
        except (UnicodeError, ValueError, TypeError):
            return None
        if not encoded:
            return None
        try:
            result = encoded.decode("ascii")
        except UnicodeDecodeError:
            return None
    if _has_forbidden(result):
        return None
    return result


def to_unicode(host: str) -> str:
    """The Unicode form of a host for display: ``"xn--fa-hia.de"`` -> ``"faß.de"``.

    ASCII letters are lower-cased. Labels that are not valid punycode are
    kept as written; a host that cannot be processed at all is returned as is.
    """
    if not host:
        return host
    if not host.isascii():
        ascii_host = to_ascii(host)
        if ascii_host is None:
            return host
        host = ascii_host
    lowered = host.lower()
    if "xn--" not in lowered:
        return lowered
    try:
        decoded = ada_url.idna_to_unicode(lowered)
    except (UnicodeError, ValueError, TypeError):
        return lowered
    return decoded if decoded else lowered
