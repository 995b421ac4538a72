"""Deception signals: how a link may mislead the person who reads or opens it.

:class:`DeceptionDetector` looks at one parsed link and returns stable signal
codes, always in the order of :data:`SIGNALS`:

``userinfo``
    credentials in the authority (``https://taobao.com@evil.top/``), including
    an empty ``@`` that WHATWG drops silently.
``ip_host``
    the host is an IPv4 or IPv6 address (hex, octal and dword forms arrive
    already normalised to dotted decimal).
``private_ip``
    the host is not globally routable: loopback, RFC 1918, link-local, CGNAT,
    unique-local IPv6, documentation, reserved, multicast, an IPv4 address
    embedded in IPv6 (mapped, compatible, 6to4, NAT64) that is one of those,
    and the ``localhost`` names of RFC 6761. For IPv4 these are the IANA
    special-purpose registry's addresses that are not globally reachable, plus
    multicast (the table ``_V4_NOT_GLOBAL``).
``dangerous_scheme``
    one of :data:`DANGEROUS_SCHEMES`: schemes that run script in the opener's
    context, carry their own content, or reach local files. ``about:`` is not
    listed: web content can only reach ``about:blank``, which carries nothing.
    Application schemes (``weixin://``, ``taobao://``) are left to policy.
``invisible_chars``
    zero-width characters, bidi controls, soft hyphens, fillers, variation
    selectors, tags or control characters anywhere inside the typed link.
``mixed_script``
    a host label mixes scripts beyond the UTS #39 "highly restrictive"
    profile (Latin + Cyrillic is refused; Latin + Han is allowed).
``confusable``
    the host, its registrable domain, or the second-level label of that domain
    has the same skeleton as a protected domain (or its label) while being
    different from it: ``tаobao.com`` (Cyrillic а), ``ta0bao.com``,
    ``taobao.corn``, ``jd.c0m``, ``trnall.net``.
``platform_in_subdomain``
    a protected domain (or its lookalike) appears as whole labels inside a host
    whose registrable domain is not protected: ``www.taobao.com.evil.top``,
    ``taobao.com-login.top``, ``www-taobao-com.evil.top``.
``embedded_url``
    the path, query or fragment carries another URL: an absolute URL (plain or
    percent-encoded, up to three times), a ``javascript:``/``vbscript:``/
    ``data:`` URL, a protocol-relative value (``?next=//evil.top``) or a
    base64-encoded ``http(s)://`` URL.
``parser_differential``
    a naive parser (:func:`urllib.parse.urlsplit`) and WHATWG find different
    hosts (``https://evil.top\\@taobao.com/``, ``http:evil.top``), or the scheme
    or authority contains a tab or newline that WHATWG deletes silently.
``too_long``
    more than 2048 characters, a host over 253 characters, or a label over 63.

The protected domains (the registrable domains of registered platforms) are
given at construction; nothing here knows about the registry. Work that
depends only on the host is memoised per host, and is also available on its
own: :meth:`DeceptionDetector.host_signals` gives the signals of a host
(:class:`HostSignals`), :meth:`DeceptionDetector.link_signals` adds those of
one link on that host, so a caller that keeps its own per-host record (the
``Inspector``) pays for host work once per host.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Final, NamedTuple
from urllib.parse import unquote, urlsplit

import ada_url

from linkgate.records import untracked
from linkgate.urls.confusables import (
    INVISIBLE_CLASS,
    ascii_host_skeleton,
    host_skeleton,
    is_highly_restrictive,
    lower_fast_path,
)
from linkgate.urls.model import ParsedUrl
from linkgate.urls.parse import parse_whatwg

__all__ = [
    "DANGEROUS_SCHEMES",
    "MAX_HOST_LENGTH",
    "MAX_LABEL_LENGTH",
    "MAX_URL_LENGTH",
    "SIGNALS",
    "DeceptionDetector",
    "HostSignals",
    "clear_caches",
]

SIGNALS: tuple[str, ...] = (
    "userinfo",
    "ip_host",
    "private_ip",
    "dangerous_scheme",
    "invisible_chars",
    "mixed_script",
    "confusable",
    "platform_in_subdomain",
    "embedded_url",
    "parser_differential",
    "too_long",
)

DANGEROUS_SCHEMES: frozenset[str] = frozenset(
    {
        "javascript",
        "vbscript",
        "livescript",
        "data",
        "blob",
        "filesystem",
        "file",
        "view-source",
        "jar",
        "ms-msdt",
        "search-ms",
    }
)

MAX_URL_LENGTH = 2048
MAX_HOST_LENGTH = 253
MAX_LABEL_LENGTH = 63
HOST_CACHE_SIZE = 1 << 15

_SPECIAL_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp", "file"})
# What the chat-lenient parser strips from both ends of a link: C0 controls,
# Unicode white space and the zero-width characters that ride along with
# copied text. Only what lies inside counts as ``invisible_chars``.
_END_STRIP = (
    "".join(chr(c) for c in range(0x3001) if c <= 0x20 or chr(c).isspace())
    + "\u200b\u200c\u200d\u2060\ufeff"
)
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_INVISIBLE = re.compile(INVISIBLE_CLASS)
_EMBEDDED = re.compile(
    r"(?<![a-z0-9+.\-])[a-z][a-z0-9+.\-]{1,31}:[/\\]{2}"
    r"|(?<![a-z0-9+.\-])(?:javascript|vbscript|livescript):"
    r"|(?<![a-z0-9+.\-])data:[a-z]+/"
    r"|[?&;#][^=&;#]*=[/\\]{2}[^/\\\s]",
    re.IGNORECASE,
)
_BASE64_HTTP = ("aHR0cDovL", "aHR0cHM6Ly")
_FORBIDDEN_IN_HOST = re.compile(r"[\x00-\x20/\\?#@\[\]<>^|%\x7f]")
# IPv4 addresses that are not globally reachable, as first and last address: the IANA IPv4
# Special-Purpose Address Registry's entries marked "Globally Reachable: False" (with its
# two exceptions inside 192.0.0.0/24, the anycast addresses 192.0.0.9 and 192.0.0.10),
# and multicast, which a link never legitimately points at. Sorted, apart, for bisect.
_V4_NOT_GLOBAL: tuple[tuple[str, str], ...] = (
    ("0.0.0.0", "0.255.255.255"),  # "this network"
    ("10.0.0.0", "10.255.255.255"),  # private use
    ("100.64.0.0", "100.127.255.255"),  # shared address space (CGNAT)
    ("127.0.0.0", "127.255.255.255"),  # loopback
    ("169.254.0.0", "169.254.255.255"),  # link local
    ("172.16.0.0", "172.31.255.255"),  # private use
    ("192.0.0.0", "192.0.0.8"),  # IETF protocol assignments ...
    ("192.0.0.11", "192.0.0.255"),  # ... but for two anycast addresses
    ("192.0.2.0", "192.0.2.255"),  # documentation (TEST-NET-1)
    ("192.168.0.0", "192.168.255.255"),  # private use
    ("198.18.0.0", "198.19.255.255"),  # benchmarking
    ("198.51.100.0", "198.51.100.255"),  # documentation (TEST-NET-2)
    ("203.0.113.0", "203.0.113.255"),  # documentation (TEST-NET-3)
    ("224.0.0.0", "255.255.255.255"),  # multicast, reserved, limited broadcast
)
_V4_STARTS: tuple[int, ...] = tuple(int(ipaddress.IPv4Address(a)) for a, _ in _V4_NOT_GLOBAL)
_V4_ENDS: tuple[int, ...] = tuple(int(ipaddress.IPv4Address(b)) for _, b in _V4_NOT_GLOBAL)
_EMBEDDED_V4_NETWORKS: tuple[tuple[ipaddress.IPv6Network, int], ...] = (
    (ipaddress.IPv6Network("2002::/16"), 16),  # 6to4: the 32 bits after the prefix
    (ipaddress.IPv6Network("64:ff9b::/96"), 96),  # NAT64: the last 32 bits
)


class HostSignals(NamedTuple):
    """The signals that depend on a link's host alone (a named tuple: one per host)."""

    ip_host: bool = False
    private_ip: bool = False
    mixed_script: bool = False
    confusable: bool = False
    platform_in_subdomain: bool = False
    too_long: bool = False


CLEAN_HOST: HostSignals = HostSignals()
"""A host with no signal; :meth:`DeceptionDetector.host_signals` returns this very object."""


class DeceptionDetector:
    """Finds deception signals in parsed links.

    ``protected_domains`` are ASCII registrable domains (punycode for IDNs) of
    registered platforms, e.g. ``taobao.com``, ``tmall.com``, ``jd.com``.
    """

    def __init__(
        self, protected_domains: Iterable[str], *, host_cache_size: int = HOST_CACHE_SIZE
    ) -> None:
        protected: set[str] = set()
        by_skeleton: dict[str, str] = {}
        brand_by_skeleton: dict[str, str] = {}
        patterns: dict[str, list[re.Pattern[str]]] = {}
        first_tokens: set[str] = set()
        for item in protected_domains:
            domain = item.strip().lower().rstrip(".")
            if not domain or not domain.isascii():
                continue
            protected.add(domain)
            unicode_form = _to_unicode(domain)
            skel = host_skeleton(unicode_form)
            by_skeleton.setdefault(skel, domain)
            if "." in domain:
                brand = unicode_form.split(".", 1)[0]
                if len(brand) >= 3:
                    brand_skel = host_skeleton(brand)
                    brand_by_skeleton.setdefault(brand_skel, domain.split(".", 1)[0])
                    first_tokens.add(_first_token(brand_skel))
            first_token = _first_token(skel)
            first_tokens.add(first_token)
            dotted = re.escape(skel)
            hyphenated = re.escape(skel.replace(".", "-"))
            patterns.setdefault(first_token, []).append(
                re.compile(rf"(?:^|[.\-])(?:{dotted}|{hyphenated})[.\-]")
            )
        self.protected_domains: frozenset[str] = frozenset(protected)
        self._by_skeleton = by_skeleton
        self._brand_by_skeleton = brand_by_skeleton
        self._patterns = patterns
        self._first_tokens = frozenset(first_tokens)
        self._cached_host_signals = lru_cache(maxsize=host_cache_size)(self.host_signals)
        self._plain_host = _host_check(self.protected_domains, self._first_tokens)

    def detect(
        self, parsed: ParsedUrl, *, host_unicode: str, registrable_domain: str | None
    ) -> tuple[str, ...]:
        """Signal codes for ``parsed``, in :data:`SIGNALS` order (empty when clean).

        ``host_unicode`` is the host in Unicode form (IDNA to-Unicode of
        ``parsed.hostname``); ``registrable_domain`` is the ASCII registrable
        domain from the public suffix list, or ``None`` when there is none.
        """
        host = self._cached_host_signals(
            parsed.hostname, parsed.host_type, host_unicode, registrable_domain
        )
        return self.link_signals(parsed, host)

    def host_signals(
        self,
        hostname: str,
        host_type: str,
        host_unicode: str,
        registrable_domain: str | None,
    ) -> HostSignals:
        """The signals of a host: the same for every link on it.

        ``hostname`` and ``host_type`` are as parsed (``ParsedUrl``); the other
        two arguments are those of :meth:`detect`. Returns :data:`CLEAN_HOST`
        when the host raises nothing. Not memoised: a caller asks once per
        host and keeps the answer (:meth:`detect` keeps its own).
        """
        if (
            host_type == "domain"
            and host_unicode == hostname
            and self._plain_host(hostname, registrable_domain)
        ):
            return CLEAN_HOST
        is_ip = host_type == "ipv4" or host_type == "ipv6"
        private = _is_private_host(hostname, host_type)
        mixed = confusable = in_subdomain = too_long = False
        if host_type == "domain" and hostname:
            mixed, confusable, in_subdomain, too_long = self._compute_host_signals(
                hostname, host_unicode, registrable_domain
            )
        if not (is_ip or private or mixed or confusable or in_subdomain or too_long):
            return CLEAN_HOST
        return untracked(HostSignals(is_ip, private, mixed, confusable, in_subdomain, too_long))

    def plain_host(self, hostname: str, registrable_domain: str | None) -> bool:
        """Whether a domain host certainly raises no host-level signal, by cheap checks.

        True for a host (as parsed, its Unicode form the same) that is ASCII lower case
        without a trailing dot, no ``xn--`` label, nothing of ``localhost``, not too long,
        and either protected itself (or its registrable domain, also lower case) or without
        a token whose skeleton starts a protected domain's skeleton (split at ``.`` and
        ``-``). False says nothing: the full checks decide. Compiled where built
        (``linkgate.urls._split.HostCheck``); the tests hold the two equal.
        """
        return self._plain_host(hostname, registrable_domain)

    def _plain_host_py(self, hostname: str, registrable_domain: str | None) -> bool:
        def lower_name(name: str) -> bool:
            return (
                name.isascii()
                and not any("A" <= c <= "Z" for c in name)
                and (not name or name[-1] != ".")
            )

        if (
            not hostname
            or len(hostname) > MAX_HOST_LENGTH
            or not lower_name(hostname)
            or (registrable_domain is not None and not lower_name(registrable_domain))
            or "localhost" in hostname
            or "xn--" in hostname
            or any(len(label) > MAX_LABEL_LENGTH for label in hostname.split("."))
            or any(c in hostname for c in _RARE_HOST_CHARACTERS)
        ):
            return False
        protected = self.protected_domains
        if registrable_domain in protected or hostname in protected:
            return True
        if not any("a" <= c <= "z" for c in hostname):
            return False
        tokens = hostname.replace("-", ".").split(".")
        return not any(
            t.replace("m", "rn").replace("0", "o").replace("1", "l") in self._first_tokens
            for t in tokens
        )

    def link_signals(self, parsed: ParsedUrl, host: HostSignals) -> tuple[str, ...]:
        """Signal codes for ``parsed`` on a host with signals ``host``, in :data:`SIGNALS` order."""
        raw = parsed.raw
        if (
            parsed.host_type == "domain"
            or parsed.host_type == "ipv4"
            or (parsed.host_type == "ipv6" and parsed.scheme in _SPECIAL_SCHEMES)
        ) and _typed_as_serialised(parsed):
            # Typed as WHATWG serialises it, with a domain or an IP address in its serialised
            # form (dotted decimal, or IPv6 compressed in brackets; a domain and an IPv4
            # address are hosts of special schemes only, and a naive parser keeps the
            # brackets of another scheme's IPv6 host) and no userinfo: printable ASCII with
            # nothing to strip, no "@" in the authority, and a host every parser cuts out
            # alike. Most links are copied whole from a browser or an app.
            userinfo = invisible = differential = False
        else:
            raw, userinfo, invisible, differential = _typed_form_signals(parsed)
        dangerous = parsed.scheme in DANGEROUS_SCHEMES
        embedded = _has_embedded_url(parsed.pathname, parsed.search, parsed.hash)
        too_long = host.too_long or len(raw) > MAX_URL_LENGTH
        if host is CLEAN_HOST and not (
            userinfo or dangerous or invisible or embedded or differential or too_long
        ):
            return ()
        signals: list[str] = []
        if userinfo:
            signals.append("userinfo")
        if host.ip_host:
            signals.append("ip_host")
        if host.private_ip:
            signals.append("private_ip")
        if dangerous:
            signals.append("dangerous_scheme")
        if invisible:
            signals.append("invisible_chars")
        if host.mixed_script:
            signals.append("mixed_script")
        if host.confusable:
            signals.append("confusable")
        if host.platform_in_subdomain:
            signals.append("platform_in_subdomain")
        if embedded:
            signals.append("embedded_url")
        if differential:
            signals.append("parser_differential")
        if too_long:
            signals.append("too_long")
        return tuple(signals)

    # -- host-level checks (memoised) ------------------------------------

    def _compute_host_signals(
        self, hostname: str, host_unicode: str, registrable_domain: str | None
    ) -> tuple[bool, bool, bool, bool]:
        ascii_host = hostname.rstrip(".").lower()
        unicode_host = (host_unicode or ascii_host).rstrip(".")
        too_long = len(ascii_host) > MAX_HOST_LENGTH or (
            len(ascii_host) > MAX_LABEL_LENGTH
            and any(len(label) > MAX_LABEL_LENGTH for label in ascii_host.split("."))
        )
        mixed = not unicode_host.isascii() and not all(
            is_highly_restrictive(label) for label in unicode_host.split(".")
        )
        registrable = (registrable_domain or "").lower().rstrip(".")
        protected = self.protected_domains
        if registrable in protected or ascii_host in protected:
            return mixed, False, False, too_long
        by_skeleton = self._by_skeleton
        if unicode_host.isascii():
            host_skel = ascii_host_skeleton(unicode_host)
            # Every match below puts the first token of a protected skeleton
            # at a token of the host's skeleton; most hosts have none.
            if self._first_tokens.isdisjoint(host_skel.replace("-", ".").split(".")):
                return mixed, False, False, too_long
            # Per-character mapping: the registrable domain's skeleton is the
            # tail of the host's, and its first label is the brand position.
            confusable = host_skel in by_skeleton
            if not confusable and registrable:
                count = registrable.count(".") + 1
                tail = host_skel.split(".")[-count:]
                confusable = ".".join(tail) in by_skeleton or (
                    count > 1 and self._brand_lookalike(tail[0], registrable)
                )
        else:
            host_skel = host_skeleton(unicode_host)
            confusable = host_skel in by_skeleton
            if not confusable and registrable:
                registrable_unicode = _registrable_unicode(unicode_host, registrable)
                confusable = host_skeleton(registrable_unicode) in by_skeleton
                if not confusable and "." in registrable:
                    label = registrable_unicode.split(".", 1)[0]
                    confusable = self._brand_lookalike(host_skeleton(label), registrable)
        in_subdomain = self._platform_in_host(host_skel)
        return mixed, confusable, in_subdomain, too_long

    def _brand_lookalike(self, label_skeleton: str, registrable: str) -> bool:
        """The registrable domain's label imitates a protected brand it is not."""
        brand = self._brand_by_skeleton.get(label_skeleton)
        return brand is not None and brand != registrable.split(".", 1)[0]

    def _platform_in_host(self, host_skel: str) -> bool:
        patterns = self._patterns
        for token in host_skel.replace("-", ".").split("."):
            candidates = patterns.get(token)
            if candidates is not None:
                for pattern in candidates:
                    if pattern.search(host_skel) is not None:
                        return True
        return False


def clear_caches() -> None:
    """Empty the module-level memos (host skeletons, WHATWG host forms)."""
    host_skeleton.cache_clear()
    _whatwg_host.cache_clear()


# -- helpers --------------------------------------------------------------


def _first_token(skel: str) -> str:
    return skel.replace("-", ".").split(".", 1)[0]


def _to_unicode(domain: str) -> str:
    if "xn--" not in domain:
        return domain
    try:
        out = ada_url.idna_to_unicode(domain)
    except (ValueError, UnicodeError):
        return domain
    return out if isinstance(out, str) and out else domain


def _registrable_unicode(unicode_host: str, registrable: str) -> str:
    count = registrable.count(".") + 1
    labels = unicode_host.split(".")
    if len(labels) >= count:
        return ".".join(labels[-count:])
    return _to_unicode(registrable)


def _authority_bounds(raw: str, parsed: ParsedUrl) -> tuple[int, int] | None:
    """Start and end of the authority inside ``raw`` as WHATWG reads it.

    Tabs and newlines are stepped over the way WHATWG deletes them. ``None``
    when the link has no authority.
    """
    scheme = parsed.scheme
    special = scheme in _SPECIAL_SCHEMES
    n = len(raw)
    i = 0
    if not parsed.scheme_added:
        i = raw.find(":") + 1
        if i <= 0:
            return None
    # Special schemes (and chat links given http://) ignore any run of slashes
    # and backslashes; file and non-special schemes need exactly "//".
    any_slashes = parsed.scheme_added or (special and scheme != "file")
    slashes = 0
    while i < n:
        ch = raw[i]
        if ch in "\t\n\r":
            i += 1
        elif (ch == "/" or (special and ch == "\\")) and (any_slashes or slashes < 2):
            slashes += 1
            i += 1
        else:
            break
    if not any_slashes and slashes < 2:
        return None
    start = i
    delimiters = "/?#\\" if special else "/?#"
    while i < n and raw[i] not in delimiters:
        i += 1
    return start, i


# Characters for which a host's skeleton is not the three replacements of
# linkgate.urls.confusables.ascii_host_skeleton.
_RARE_HOST_CHARACTERS: Final = '"%`|'


def _host_check(
    protected: frozenset[str], first_tokens: frozenset[str]
) -> Callable[[str, str | None], bool]:
    """The compiled :meth:`DeceptionDetector.plain_host` over these sets, or one that always
    says False (not built, or the confusables data no longer gives the three replacements),
    which leaves every host to the full checks."""
    if not lower_fast_path():
        return _never
    try:
        from linkgate.urls._split import HostCheck
    except ImportError:
        return _never
    check: Callable[[str, str | None], bool] = HostCheck(
        protected, first_tokens, MAX_HOST_LENGTH, MAX_LABEL_LENGTH
    )
    return check


def _never(hostname: str, registrable_domain: str | None) -> bool:
    return False


def plain_link(parsed: ParsedUrl) -> bool:
    """Whether ``parsed`` raises no link-level signal, by the checks cheap enough for every link.

    True when the link was typed exactly as WHATWG serialises it (up to ASCII case), on a
    domain, without userinfo, with no scheme of :data:`DANGEROUS_SCHEMES`, nothing in its
    path, query or fragment that could carry another URL (see :func:`_plain_part`), and not
    longer than :data:`MAX_URL_LENGTH`. Then
    :meth:`DeceptionDetector.link_signals` of it is the host's signals alone: ``()`` on a
    clean host. False says nothing: the full checks decide. ``linkgate.urls.quick``
    computes the same, compiled, for the common chat link.
    """
    if (
        parsed.host_type != "domain"
        or parsed.scheme in DANGEROUS_SCHEMES
        or len(parsed.raw) > MAX_URL_LENGTH
        or not _typed_as_serialised(parsed)
    ):
        return False
    return all(_plain_part(part) for part in (parsed.pathname, parsed.search, parsed.hash))


def _plain_part(text: str) -> bool:
    """``text`` holds nothing :func:`_has_embedded_url` could find: no ``%`` (to decode), no
    ``\\``, ``//``, ``:/`` or ``aHR0c``, and no ``pt:`` or ``ta:`` in any case (the ends of
    ``javascript:``, ``vbscript:``, ``livescript:`` and ``data:``). Each branch of
    :data:`_EMBEDDED` needs one of those; a colon alone (``sku=1627207:41039807``) does not."""
    if "%" in text or "\\" in text or "//" in text or ":/" in text or "aHR0c" in text:
        return False
    if ":" not in text:
        return True
    lowered = text.lower()
    return "pt:" not in lowered and "ta:" not in lowered


def _typed_as_serialised(parsed: ParsedUrl) -> bool:
    """Typed as WHATWG serialises it (up to ASCII case, or but for an assumed ``http://``),
    without userinfo."""
    if parsed.username or parsed.password:
        return False
    raw = parsed.raw
    href = parsed.href
    return raw == href or _as_serialised(raw, href, parsed.scheme_added)


def _as_serialised(raw: str, href: str, scheme_added: bool) -> bool:
    """``raw`` is ``href`` (without the ``http://`` a chat link was given), up to ASCII case.

    The caller has compared the two as they are."""
    if scheme_added:
        if len(href) != len(raw) + 7:
            return False
        href = href[7:]
    elif len(href) != len(raw):
        return False
    return raw == href or (raw.isascii() and raw.lower() == href.lower())


def _typed_form_signals(parsed: ParsedUrl) -> tuple[str, bool, bool, bool]:
    """What the typed text itself shows: the link as typed without the characters copied
    around it, then whether it has userinfo, invisible characters, a parser differential."""
    raw = parsed.raw.strip(_END_STRIP)
    userinfo = bool(parsed.username or parsed.password) or _raw_userinfo(raw, parsed)
    invisible = (not raw.isprintable()) if raw.isascii() else _INVISIBLE.search(raw) is not None
    return raw, userinfo, invisible, _parser_differential(raw, parsed)


def _raw_userinfo(raw: str, parsed: ParsedUrl) -> bool:
    if "@" not in raw:
        return False
    bounds = _authority_bounds(raw, parsed)
    return bounds is not None and "@" in raw[bounds[0] : bounds[1]]


def _is_private_host(hostname: str, host_type: str) -> bool:
    if host_type == "domain":
        if "localhost" not in hostname:
            return False
        name = hostname.rstrip(".").lower()
        return name == "localhost" or name.endswith(".localhost")
    if host_type == "ipv4":
        # Serialised by the parser: four decimal numbers, each 0-255.
        try:
            a, b, c, d = hostname.split(".")
            value = (int(a) << 24) | (int(b) << 16) | (int(c) << 8) | int(d)
        except ValueError:
            return False
        return _private_v4(value)
    if host_type != "ipv6":
        return False
    try:
        address = ipaddress.IPv6Address(hostname.strip("[]"))
    except ValueError:
        return False
    return _is_private_v6(address)


def _private_v4(value: int) -> bool:
    """The IPv4 address ``value`` is not globally reachable (:data:`_V4_NOT_GLOBAL`)."""
    i = bisect_right(_V4_STARTS, value) - 1
    return i >= 0 and value <= _V4_ENDS[i]


def _is_private_v6(address: ipaddress.IPv6Address) -> bool:
    mapped = address.ipv4_mapped
    if mapped is not None:
        return _private_v4(int(mapped))
    embedded = _embedded_ipv4(address)
    if embedded is not None and _private_v4(int(embedded)):
        return True
    return not address.is_global or address.is_multicast


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address routes to: IPv4-compatible, 6to4, NAT64."""
    value = int(address)
    if value >> 32 == 0 and value > 1:
        return ipaddress.IPv4Address(value)
    for network, prefix in _EMBEDDED_V4_NETWORKS:
        if address in network:
            return ipaddress.IPv4Address((value >> (128 - prefix - 32)) & 0xFFFFFFFF)
    return None


def _has_embedded_url(pathname: str, search: str, fragment: str) -> bool:
    text = pathname + search + fragment
    if (
        ":" not in text
        and "%" not in text
        and "//" not in text
        and "\\" not in text
        and "aHR0c" not in text
    ):
        return False
    for _ in range(4):
        if _may_embed(text) and _EMBEDDED.search(text) is not None:
            return True
        if "aHR0c" in text and any(m in text for m in _BASE64_HTTP):
            return True
        if "%" not in text:
            return False
        decoded = unquote(text)
        if decoded == text:
            return False
        text = decoded
    return False


def _may_embed(text: str) -> bool:
    """False only when ``_EMBEDDED`` cannot match ``text``: a cheap test that spares the search.

    Each branch of ``_EMBEDDED`` needs one of these sequences: a scheme and
    ``://`` needs ``:/`` or ``:\\``; ``javascript:`` and the like end in
    ``pt:``; ``data:`` ends in ``ta:``; ``?next=//`` needs ``=/`` or ``=\\``.
    No character other than ``P``, ``T`` and ``A`` matches ``p``, ``t`` or ``a``
    under ``re.IGNORECASE``, so the lower-cased text holds ``pt:`` or ``ta:``
    whenever those branches match. Long query strings with colons in their
    values (``ali_refid=a3_430583_1006:30533:N``) are the case this is for:
    the search tries the scheme branch at every letter.
    """
    if ":/" in text or ":\\" in text or "=/" in text or "=\\" in text:
        return True
    if ":" not in text:
        return False
    lowered = text.lower()
    return "pt:" in lowered or "ta:" in lowered


# An authority of a host without backslash, brackets, percent signs, spaces or
# controls, after at most one userinfo of the same kind (no "@" in it: both parsers
# then split at that one "@"), followed by an optional numeric port and a delimiter
# both parsers share: urllib and WHATWG then cut out the same host string.
_PLAIN_AUTHORITY = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*://(?:[^/\\?#@\[\]\s\x00-\x1f\x7f]*@)?"
    r"([^/\\?#@\[\]%:\s\x00-\x1f\x7f]+)(?::[0-9]*)?(?:[/?#]|\Z)"
)
_PLAIN_HOST = re.compile(r"([^/\\?#@\[\]%:\s\x00-\x1f\x7f]+)(?::[0-9]*)?(?:[/?#]|\Z)")
# The same with a bracketed IPv6 literal (hex digits, colons, dots) for the host.
_PLAIN_IPV6_AUTHORITY = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*://(?:[^/\\?#@\[\]\s\x00-\x1f\x7f]*@)?"
    r"\[[0-9A-Fa-f:.]+\](?::[0-9]*)?(?:[/?#]|\Z)"
)
_PLAIN_IPV6_HOST = re.compile(r"\[[0-9A-Fa-f:.]+\](?::[0-9]*)?(?:[/?#]|\Z)")


def _fast_host_match(raw: str, parsed: ParsedUrl) -> bool:
    """True when a plain authority makes both parsers certainly agree.

    The common case (``https://item.jd.com/1.html``, ``m.tb.cn/h.abc``) is
    settled without running the naive parser, and so are a single plain userinfo
    (``taobao.com@evil.top``: both parsers split at its one ``@``; the userinfo
    signal is raised apart) and an IPv4 address typed in another form. Anything
    unusual (backslashes, several ``@``, tabs, odd slashes, brackets, percent
    signs in the host) returns False and goes the slow way. A
    non-ASCII host of a special scheme is the same string to both parsers, so
    their hosts agree once WHATWG's IDNA processing is applied to urllib's.
    """
    match = (_PLAIN_HOST if parsed.scheme_added else _PLAIN_AUTHORITY).match(raw)
    if match is None:
        # An IPv6 literal of a special scheme, in any of its written forms: both parsers cut
        # out what is inside the brackets, and WHATWG's parse of that is the host it gave.
        return (
            parsed.host_type == "ipv6"
            and parsed.scheme in _SPECIAL_SCHEMES
            and (_PLAIN_IPV6_HOST if parsed.scheme_added else _PLAIN_IPV6_AUTHORITY).match(raw)
            is not None
        )
    host = match.group(1)
    if not host.isascii():
        return parsed.host_type == "domain"
    hostname = parsed.hostname
    if host == hostname or host.lower().rstrip(".") == hostname.lower().rstrip("."):
        return True
    # An IPv4 address typed in another form (hex, octal, dword, fewer parts): both parsers
    # cut out this same string, and WHATWG's host parsing of it (case makes no difference
    # to an IPv4 address) is the dotted form it already gave: no differential.
    return parsed.host_type == "ipv4"


_NAIVE_FAILED = object()


def _naive_host(text: str) -> str | object:
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return _NAIVE_FAILED
    return host or ""


@lru_cache(maxsize=1 << 12)
def _whatwg_host(naive: str) -> str | None:
    """The host WHATWG makes of a host string, or ``None`` if it is not one (memoised)."""
    decoded = unquote(naive)
    if _FORBIDDEN_IN_HOST.search(decoded.replace(":", "") if ":" in decoded else decoded):
        return None
    candidate = f"[{decoded}]" if ":" in decoded else decoded
    parsed = parse_whatwg(f"http://{candidate}/")
    return parsed.hostname if isinstance(parsed, ParsedUrl) else None


def _parser_differential(raw: str, parsed: ParsedUrl) -> bool:
    if (
        raw == parsed.href
        and parsed.host_type == "domain"
        and not (parsed.username or parsed.password)
    ):
        # Typed exactly as WHATWG serialises it, with a domain and no
        # userinfo: a plain authority, which _fast_host_match would accept
        # (most links are copied whole from a browser or an app).
        return False
    if _fast_host_match(raw, parsed):
        return False
    return _differential_slow(raw, parsed)


def _differential_slow(raw: str, parsed: ParsedUrl) -> bool:
    """The differential the long way: the naive parser's host against WHATWG's."""
    bounds = _authority_bounds(raw, parsed)
    end = bounds[1] if bounds is not None else len(raw)
    if _TAB_OR_NEWLINE.search(raw, 0, end) is not None:
        return True
    text = raw
    if parsed.scheme_added:
        text = ("http:" if raw[:1] in ("/", "\\") else "http://") + raw
    naive = _naive_host(text)
    if not isinstance(naive, str):
        return True
    whatwg = parsed.hostname.rstrip(".")
    if parsed.scheme not in _SPECIAL_SCHEMES:
        return unquote(naive).lower().rstrip(".") != unquote(whatwg).lower()
    if parsed.scheme == "file" and naive == "localhost":
        naive = ""
    if not naive:
        return whatwg != ""
    normalised = _whatwg_host(naive)
    if normalised is None:
        return True
    return normalised.rstrip(".") != whatwg
