"""Safe Browsing (v4) canonical form of a link, its lookup expressions and hashes.

The canonical form follows the Safe Browsing v4 "URLs and hashing" rules,
applied to the components of a WHATWG parse (:mod:`linkgate.urls.parse`), so
the host is the one a browser would connect to:

- tab, CR and LF are removed and the fragment is dropped;
- host, path and query are percent-unescaped until no escape is left;
- host: leading and trailing dots stripped, runs of dots collapsed, IPv4 in
  any form (hex, octal, dword, fewer than four parts) written as dotted
  decimal, lower case;
- path: ``/./`` and ``/../`` resolved, runs of slashes collapsed (and, for
  http-like schemes, ``\\`` read as ``/`` the way browsers read it);
- the query is kept (not path-normalised);
- bytes <= 0x20, >= 0x7F, ``#`` and ``%`` are escaped as upper-case ``%XX``;
- userinfo and port are dropped.

Input that the WHATWG parser rejects but Safe Browsing still canonicalises
(``http:// leadingspace.com/``, ``http://host%23.com/``, raw control bytes in
the host) goes through a byte-level split instead: the whole text is
unescaped, split into scheme, host, path and query, and canonicalised by the
same rules.

A ``str`` may carry raw bytes that are not UTF-8 as lone surrogates
U+DC80..U+DCFF (Python's ``surrogateescape`` convention, as produced by
``data.decode("utf-8", "surrogateescape")``); :func:`canonicalize_raw` maps
them back to those bytes, so ``b"http://\\x01\\x80.com/"`` canonicalises to
``http://%01%80.com/``. Other lone surrogates are taken as their UTF-8-style
(surrogatepass) bytes. Nothing here raises on any input string.

Host suffixes are memoised per host (bounded, shared by every caller):
links that do not repeat still share hosts. Lookup expressions and digests
are not memoised here: a memo per link holds every new link's strings long
after its decision, and measured on all-new links that memory cost more time
than computing them again saved (``UrlFacts`` keeps the expressions of its
own link). :func:`clear_caches` empties the memo (benchmarks start cold
with it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Final

from linkgate.urls.model import ParsedUrl
from linkgate.urls.parse import (
    MAX_INPUT_LENGTH,
    STRIP_CHARACTERS,
    assume_scheme,
    parse,
    parse_whatwg,
)

__all__ = [
    "canonicalize",
    "canonicalize_raw",
    "clear_caches",
    "compiled_digests",
    "expression_digests",
    "expressions",
    "full_hashes",
    "hash_prefixes",
    "lookup_parts",
    "quick_canonical",
]

_SPECIAL_SCHEMES: Final = frozenset({"http", "https", "ws", "wss", "ftp", "file"})

# Bytes escaped in the canonical form.
_ESCAPED: Final = frozenset(range(0x21)) | frozenset(range(0x7F, 0x100)) | {0x23, 0x25}
_ESCAPE: Final = {c: f"%{c:02X}" for c in _ESCAPED}
# An opaque host (a non-http-like scheme's host) also escapes the code points
# that would end or invalidate it, so that the canonical form parses back to
# the same host.
_ESCAPE_OPAQUE_HOST: Final = _ESCAPE | {c: f"%{c:02X}" for c in b"/:<>?@[\\]^|"}

_HEX: Final = b"0123456789abcdefABCDEF"
_UNHEX: Final = {bytes((a, b)): bytes((int(chr(a) + chr(b), 16),)) for a in _HEX for b in _HEX}
# Percent-unescaping passes tried before switching to the one-pass reduction
# (deeply nested escapes such as %25252525...).
_UNESCAPE_PASSES: Final = 4

_TAB_NEWLINE: Final = {0x09: None, 0x0A: None, 0x0D: None}
_TAB_NEWLINE_TO_SPACE: Final = {0x09: " ", 0x0A: " ", 0x0D: " "}

_sha256: Final = hashlib.sha256


def _compiled() -> tuple[
    Callable[[str], list[str] | None] | None,
    Callable[[Sequence[str]], list[bytes]] | None,
    Callable[[str], tuple[bytes, ...] | None] | None,
]:
    try:
        from linkgate.urls import _lookup
    except ImportError:  # not built here (no C compiler or OpenSSL headers at install)
        return None, None, None
    return _lookup.expressions, _lookup.sha256_each, _lookup.digests


_expressions, _sha256_each, _digests = _compiled()
COMPILED_LOOKUP: Final = _sha256_each is not None
"""Whether lookup expressions and their full hashes come from the compiled
``linkgate.urls._lookup`` (expressions cut in C; one OpenSSL context for every digest rather
than a ``hashlib`` object each); the results are the same."""

_MAX_HOSTS: Final = 5
_MAX_PATH_PREFIXES: Final = 4

HOST_CACHE_SIZE: Final = 1 << 14


def canonicalize(parsed: ParsedUrl) -> str:
    """Return the Safe Browsing canonical form of a parsed link.

    A link without a host (``mailto:``, ``data:``, ``javascript:``,
    ``file:///``), or whose host is nothing but dots, has no Safe Browsing
    form; its ``href`` without the fragment is returned.
    """
    canonical = _canonical(parsed)
    if canonical is None:
        return parsed.href.partition("#")[0]
    return canonical


def canonicalize_raw(raw: str) -> str | None:
    """Canonicalise text as typed; ``None`` when it has no Safe Browsing form.

    That is: empty, longer than ``MAX_INPUT_LENGTH``, a relative reference,
    a link without a host (``mailto:x@y``), or an authority without a host
    (``http://?q``).
    """
    parsed = parse(raw)
    if isinstance(parsed, ParsedUrl):
        return _canonical(parsed)
    if parsed.code in ("empty", "too_long"):
        return None
    return _canonical_bytes(raw)


def _canonical(parsed: ParsedUrl) -> str | None:
    host_type = parsed.host_type
    if host_type == "none":
        return None
    query = _query(parsed)
    quick = _quick(parsed.scheme, parsed.hostname, host_type, parsed.pathname, query)
    if quick is not None:
        return quick
    return _canonical_slow(parsed.scheme, parsed.hostname, host_type, parsed.pathname, query)


def quick_canonical(parsed: ParsedUrl) -> str | None:
    """The canonical form when no rule rewrites any part, else ``None``.

    That is a link with a host that is not opaque, no ``%`` in its path or query, no
    ``/.`` or ``//`` in its path, and no leading, trailing or doubled dot in its host:
    most links. ``linkgate.urls.quick`` computes the same, compiled.
    """
    host_type = parsed.host_type
    if host_type == "none":
        return None
    return _quick(parsed.scheme, parsed.hostname, host_type, parsed.pathname, _query(parsed))


def _query(parsed: ParsedUrl) -> str:
    """The query the canonical form keeps: an empty one that was typed (``x?``) stays."""
    query = parsed.search
    if not query and parsed.href.partition("#")[0].endswith("?"):
        return "?"
    return query


def _quick(scheme: str, host: str, host_type: str, path: str, query: str) -> str | None:
    if (
        host_type != "opaque"
        and "%" not in path
        and "%" not in query
        and "/." not in path
        and "//" not in path
        and host[0] != "."
        and host[-1] != "."
        and ".." not in host
    ):
        return f"{scheme}://{host}{path}{query}"
    return None


def _canonical_slow(scheme: str, host: str, host_type: str, path: str, query: str) -> str | None:
    if host_type == "ipv6":
        canonical_host = host
    else:
        host_bytes = _canonical_host(_unescape(_to_bytes(host)))
        if not host_bytes:
            return None
        table = _ESCAPE_OPAQUE_HOST if host_type == "opaque" else _ESCAPE
        canonical_host = host_bytes.decode("latin-1").translate(table)
    special = scheme in _SPECIAL_SCHEMES
    # A "?" the unescaping brought into the path stays escaped, or reading the
    # canonical form again would start a query there (canonical forms must be fixed points).
    canonical_path = _escape(_canonical_path(_unescape(_to_bytes(path)), special)).replace(
        "?", "%3F"
    )
    canonical_query = _escape(_unescape(_to_bytes(query)))
    return f"{scheme}://{canonical_host}{canonical_path}{canonical_query}"


def _canonical_bytes(raw: str) -> str | None:
    """Canonicalise text the WHATWG parser rejects, by splitting its bytes."""
    if len(raw) > MAX_INPUT_LENGTH:
        return None
    text = raw.strip(STRIP_CHARACTERS).translate(_TAB_NEWLINE)
    text = text.partition("#")[0]
    if not text:
        return None
    # Unescape the whole text, so that escaped delimiters (http%3A%2F%2F...)
    # split it the way they would once decoded; latin-1 keeps one character
    # per byte for the split.
    text = _unescape(_to_bytes(text)).decode("latin-1")
    # Decoded tabs and newlines are data here, not noise to remove: probe the
    # scheme with spaces in their place.
    probe = text.translate(_TAB_NEWLINE_TO_SPACE)
    assumed = assume_scheme(probe)
    if assumed is None:
        return None
    text = assumed[0][: len(assumed[0]) - len(probe)] + text
    colon = text.index(":")
    scheme = text[:colon].lower()
    rest = text[colon + 1 :]
    special = scheme in _SPECIAL_SCHEMES
    if special:
        rest = rest.lstrip("/\\")
        authority_end = _find_any(rest, "/\\?")
    elif rest.startswith("//"):
        rest = rest[2:]
        authority_end = _find_any(rest, "/?")
    else:
        return None
    authority = rest[:authority_end]
    path, question, query = rest[authority_end:].partition("?")
    # Leading dots go before the bracket test: the canonical host loses them,
    # and reading it again must split it the same way (``.[][``).
    host = authority.rpartition("@")[2].lstrip(".")
    if host.startswith("["):
        host = host[: host.find("]") + 1] if "]" in host else host
    else:
        host = host.partition(":")[0]
    host_bytes = _canonical_host(host.encode("latin-1"))
    if not host_bytes:
        return None
    canonical_host = host_bytes.decode("latin-1").translate(
        _ESCAPE if special else _ESCAPE_OPAQUE_HOST
    )
    if special:
        # Let the WHATWG host parser have the host alone (IDNA, IPv4 forms);
        # a host it still rejects stays as escaped bytes.
        reparsed = parse_whatwg(f"{scheme}://{canonical_host}/")
        if isinstance(reparsed, ParsedUrl) and reparsed.hostname:
            if reparsed.host_type == "ipv6":
                canonical_host = reparsed.hostname
            else:
                host_bytes = _canonical_host(reparsed.hostname.encode("ascii", "replace"))
                if not host_bytes:
                    return None
                canonical_host = host_bytes.decode("ascii")
    canonical_path = _escape(_canonical_path(path.encode("latin-1"), special))
    canonical_query = _escape((question + query).encode("latin-1"))
    return f"{scheme}://{canonical_host}{canonical_path}{canonical_query}"


def _find_any(text: str, chars: str) -> int:
    end = len(text)
    for char in chars:
        index = text.find(char, 0, end)
        if index >= 0:
            end = index
    return end


def _to_bytes(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _escape(data: bytes) -> str:
    return data.decode("latin-1").translate(_ESCAPE)


def _unescape(data: bytes) -> bytes:
    """Percent-unescape until no ``%XX`` is left."""
    for _ in range(_UNESCAPE_PASSES):
        if b"%" not in data:
            return data
        unescaped = _unescape_once(data)
        if unescaped == data:
            return data
        data = unescaped
    return _unescape_fully(data)


def _unescape_once(data: bytes) -> bytes:
    pieces = data.split(b"%")
    out = [pieces[0]]
    for piece in pieces[1:]:
        byte = _UNHEX.get(piece[:2])
        if byte is None:
            out.append(b"%")
            out.append(piece)
        else:
            out.append(byte)
            out.append(piece[2:])
    return b"".join(out)


def _unescape_fully(data: bytes) -> bytes:
    """One pass to the same result as unescaping repeatedly.

    Decoding an escape can only complete a new escape that ends at the
    decoded byte, so reducing the tail of the output after every byte reaches
    the fixed point in linear time.
    """
    out = bytearray()
    for byte in data:
        out.append(byte)
        while len(out) >= 3 and out[-3] == 0x25:
            decoded = _UNHEX.get(bytes(out[-2:]))
            if decoded is None:
                break
            del out[-3:]
            out += decoded
    return bytes(out)


def _canonical_host(host: bytes) -> bytes:
    """Dots, IPv4 forms and case of an unescaped host."""
    host = host.strip(b".")
    while b".." in host:
        host = host.replace(b"..", b".")
    host = host.lower()
    ipv4 = _ipv4(host)
    return host if ipv4 is None else ipv4


def _ipv4(host: bytes) -> bytes | None:
    """Dotted decimal for an IPv4 address in any legal form, else ``None``."""
    if not host or not host[-1:].isalnum():
        return None
    parts = host.split(b".")
    if len(parts) > 4:
        return None
    numbers: list[int] = []
    for part in parts:
        number = _ipv4_number(part)
        if number is None:
            return None
        numbers.append(number)
    last = numbers.pop()
    if any(n > 255 for n in numbers) or last >= 256 ** (5 - len(parts)):
        return None
    address = last
    for index, number in enumerate(numbers):
        address += number << (8 * (3 - index))
    return b"%d.%d.%d.%d" % (
        address >> 24,
        (address >> 16) & 0xFF,
        (address >> 8) & 0xFF,
        address & 0xFF,
    )


def _ipv4_number(part: bytes) -> int | None:
    if not part or len(part) > 40:
        return None
    if part[:2] in (b"0x", b"0X"):
        digits = part[2:]
        if not digits:
            return 0
        return int(digits, 16) if all(c in _HEX for c in digits) else None
    if not part.isdigit():
        return None
    if len(part) > 1 and part[:1] == b"0":
        return int(part, 8) if all(0x30 <= c <= 0x37 for c in part) else None
    return int(part)


def _canonical_path(path: bytes, special: bool) -> bytes:
    """Resolve ``.`` and ``..`` segments and collapse runs of slashes."""
    if special:
        path = path.replace(b"\\", b"/")
    segments: list[bytes] = []
    directory = True
    for segment in path.split(b"/"):
        if segment == b"..":
            if segments:
                segments.pop()
            directory = True
        elif segment in (b".", b""):
            directory = True
        else:
            segments.append(segment)
            directory = False
    if not segments:
        return b"/"
    joined = b"/" + b"/".join(segments)
    return joined + b"/" if directory else joined


def expressions(canonical: str) -> list[str]:
    """Safe Browsing lookup expressions for a canonical URL, most specific first.

    Hosts: the exact host, then up to four suffixes of its last five labels
    (never the top-level label alone; none for IP addresses). Paths: the
    exact path with its query (when the query is not empty), the exact path,
    and up to four prefixes from ``/`` on, each ending in ``/``. Text that is
    not ``scheme://host...`` gives no expressions.
    """
    if _expressions is not None:
        found = _expressions(canonical)
        if found is not None:
            return found
    return expressions_py(canonical)


def expressions_py(canonical: str) -> list[str]:
    """:func:`expressions` in Python: the reference, and what runs uncompiled (or for text
    that is not ASCII, which a canonical URL never is)."""
    hosts, paths = lookup_parts(canonical)
    return [h + p for h in hosts for p in paths]


def lookup_parts(canonical: str) -> tuple[tuple[str, ...], list[str]]:
    """The lookup hosts and lookup paths whose products are :func:`expressions`.

    For matchers that probe only some hosts: ``[h + p for h in hosts for p in
    paths]`` is exactly ``expressions(canonical)``, in the same order.
    """
    start = canonical.find("://") + 3
    if start < 3:
        return (), []
    host_end = canonical.find("/", start)
    question = canonical.find("?", start)
    if host_end < 0 or 0 <= question < host_end:
        host_end = question if question >= 0 else len(canonical)
    if host_end == start:
        return (), []
    host = canonical[start:host_end]
    path, _, query = canonical[host_end:].partition("?")
    if not path:
        path = "/"
    paths = [path + "?" + query, path] if query else [path]
    if path != "/":
        paths.append("/")
        slash = path.find("/", 1)
        prefixes = 1
        while slash > 0 and prefixes < _MAX_PATH_PREFIXES:
            prefix = path[: slash + 1]
            if prefix != path:
                paths.append(prefix)
            prefixes += 1
            slash = path.find("/", slash + 1)
    return _lookup_hosts(host), paths


@lru_cache(maxsize=HOST_CACHE_SIZE)
def _lookup_hosts(host: str) -> tuple[str, ...]:
    dots = host.count(".")
    if dots < 2 or host[0] == "[" or (dots == 3 and host.replace(".", "").isdigit()):
        return (host,)
    if dots >= _MAX_HOSTS:
        labels = host.rsplit(".", _MAX_HOSTS)
        return (host, *(".".join(labels[-n:]) for n in range(_MAX_HOSTS, 1, -1)))
    # Four labels or fewer after the first: every suffix down to two labels.
    hosts = [host]
    dot = host.find(".")
    while dot >= 0 and host.find(".", dot + 1) >= 0:
        hosts.append(host[dot + 1 :])
        dot = host.find(".", dot + 1)
    return tuple(hosts)


def expression_digests(canonical: str) -> tuple[bytes, ...]:
    """The SHA-256 of each of ``expressions(canonical)``, in the same order.

    Compiled, each digest is taken from the pieces of ``canonical`` that make its
    expression, without making the expressions themselves.
    """
    if _digests is not None:
        found = _digests(canonical)
        if found is not None:
            return found
    return tuple(full_hashes(expressions(canonical)))


def compiled_digests() -> Callable[[str], tuple[bytes, ...] | None] | None:
    """The compiled :func:`expression_digests` (``None`` for text that is not ASCII), or
    ``None`` where it was not built: for a caller that calls it once per link."""
    return _digests


def full_hashes(exprs: Sequence[str]) -> list[bytes]:
    """SHA-256 of each expression's UTF-8 bytes."""
    if _sha256_each is not None:
        return _sha256_each(exprs)
    return full_hashes_py(exprs)


def full_hashes_py(exprs: Sequence[str]) -> list[bytes]:
    """:func:`full_hashes` with ``hashlib``: the reference, and what runs uncompiled."""
    return [_sha256(e.encode("utf-8", "surrogatepass")).digest() for e in exprs]


def hash_prefixes(exprs: list[str], length: int = 4) -> list[bytes]:
    """The first ``length`` bytes of each expression's SHA-256.

    Safe Browsing prefixes are 4 to 32 bytes long; any other ``length`` is a
    programming error and raises ``ValueError``.
    """
    if not 4 <= length <= 32:
        raise ValueError(f"hash prefix length must be 4 to 32 bytes, not {length}")
    return [h[:length] for h in full_hashes(exprs)]


def clear_caches() -> None:
    """Empty the memoised host suffixes."""
    _lookup_hosts.cache_clear()
