"""Parse links the way a WHATWG-conforming browser does, fast.

Two entry points:

- :func:`parse_whatwg` is the strict WHATWG URL parse (no base URL, nothing
  added): what a browser's ``new URL(raw)`` accepts and how it serialises it.
- :func:`parse` is the chat-lenient parse used for links people type into a
  conversation: it strips surrounding whitespace and invisible characters,
  and when the text has no scheme (``m.tb.cn/h.abc``, ``taobao.com:8080/x``,
  ``localhost:3000``, ``1.2.3.4/x``, ``//host/x``) it assumes ``http://``
  and sets ``scheme_added``.

Both return :class:`~linkgate.urls.model.ParsedUrl` or
:class:`~linkgate.urls.model.InvalidUrl` and never raise. Error codes:

- ``empty``: nothing but whitespace;
- ``too_long``: more than :data:`MAX_INPUT_LENGTH` characters;
- ``encoding``: the text holds lone surrogates and is not encodable as UTF-8;
- ``unparseable``: the WHATWG parser rejects it (or, for :func:`parse`, it is a
  relative reference such as ``/path`` or ``?q``).

The parse runs in the ada C++ library through its cffi layer: one call parses,
one reads the serialised ``href``, one reads the component offsets, and the
components are cut out of ``href``. Where the package was built with a C
compiler, that glue is compiled (``linkgate.urls._split``, calling the same
ada functions of the same cffi module); otherwise it runs in Python
(:func:`_parse_py`), with the same results.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from typing import Final

# The cffi module inside ada_url (ada_url.ada_adapter imports the same objects).
from ada_url._ada_wrapper import ffi, lib

from linkgate.records import slot_builder
from linkgate.urls.model import HostType, InvalidUrl, ParsedUrl

__all__ = ["MAX_INPUT_LENGTH", "STRIP_CHARACTERS", "assume_scheme", "parse", "parse_whatwg"]

MAX_INPUT_LENGTH: Final = 32768
"""Longest input, in characters, that is parsed at all."""

_OMITTED: Final = 0xFFFFFFFF
_COMPONENTS: Final = struct.Struct("=8I")
_unpack_components: Final = _COMPONENTS.unpack

_SPECIAL_SCHEMES: Final = frozenset({"http", "https", "ws", "wss", "ftp", "file"})

_ada_parse: Final = lib.ada_parse
_ada_free: Final = lib.ada_free
_ada_get_href: Final = lib.ada_get_href
_ada_get_components: Final = lib.ada_get_components
_ffi_unpack: Final = ffi.unpack
_ffi_buffer: Final = ffi.buffer

# What the WHATWG parser strips from both ends of its input.
_C0_AND_SPACE: Final = "".join(chr(c) for c in range(0x21))

STRIP_CHARACTERS: Final = (
    _C0_AND_SPACE
    + "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    + "\u2028\u2029\u202f\u205f\u3000"
    + "\u200b\u200c\u200d\u2060\ufeff"
)
"""Stripped from both ends of a chat link: C0 controls, space, every Unicode
whitespace character (``str.isspace``) and the invisible zero-width characters
that ride along when text is copied from apps and web pages."""

# A WHATWG scheme followed by its colon, after tab and newline removal.
_SCHEME_RE: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# What may follow ``host:`` when the colon introduces a port.
_PORT_RE: Final = re.compile(r"[0-9]+(?:[/?#\\]|\Z)|\Z")
_NONEMPTY_PORT_RE: Final = re.compile(r"[0-9]+(?:[/?#\\]|\Z)")
# ``host:password@`` (userinfo) before any path.
_USERINFO_RE: Final = re.compile(r"[^/?#\\]*@")

# Schemes whose content may begin with digits (``tel:10086``), and the schemes a
# chat link commonly carries: ``name:digits`` keeps one of these as its scheme,
# while any other dotless name followed by digits is read as ``host:port``.
_KNOWN_SCHEMES: Final = frozenset(
    {
        "about",
        "bitcoin",
        "blob",
        "callto",
        "cid",
        "data",
        "fax",
        "file",
        "ftp",
        "geo",
        "http",
        "https",
        "im",
        "intent",
        "isbn",
        "javascript",
        "magnet",
        "mailto",
        "market",
        "mid",
        "mms",
        "mmsto",
        "news",
        "nntp",
        "sip",
        "sips",
        "sms",
        "smsto",
        "tag",
        "tel",
        "urn",
        "ws",
        "wss",
        "xmpp",
    }
)

_TAB_NEWLINE: Final = {0x09: None, 0x0A: None, 0x0D: None}

_EMPTY: Final = "empty"
_TOO_LONG: Final = "too_long"
_ENCODING: Final = "encoding"
_UNPARSEABLE: Final = "unparseable"

# Built once per link, so built field by field (see linkgate.records); the
# names are checked against the class at import.
_new_parsed: Final[Callable[..., ParsedUrl]] = slot_builder(
    ParsedUrl,
    "raw",
    "href",
    "scheme",
    "username",
    "password",
    "hostname",
    "port",
    "pathname",
    "search",
    "hash",
    "host_type",
    "scheme_added",
)
# The fast construction in use, or None when ParsedUrl no longer allows it and
# parse falls back to the class's own __init__ (the tests watch for that).
_SETTERS: Final = None if _new_parsed is ParsedUrl else _new_parsed


def parse_whatwg(raw: str) -> ParsedUrl | InvalidUrl:
    """Parse ``raw`` exactly as the WHATWG URL standard does, without a base URL."""
    if len(raw) > MAX_INPUT_LENGTH:
        return InvalidUrl(raw, _TOO_LONG)
    if not raw.strip(_C0_AND_SPACE):
        return InvalidUrl(raw, _EMPTY)
    return _parse(raw, raw, False)


def parse(raw: str) -> ParsedUrl | InvalidUrl:
    """Parse a link as typed in a chat, assuming ``http://`` when it has no scheme."""
    if len(raw) > MAX_INPUT_LENGTH:
        return InvalidUrl(raw, _TOO_LONG)
    text = raw.strip(STRIP_CHARACTERS)
    if not text:
        return InvalidUrl(raw, _EMPTY)
    if text.startswith(("https://", "http://")):
        return _parse(raw, text, False)
    assumed = assume_scheme(text)
    if assumed is None:
        return InvalidUrl(raw, _UNPARSEABLE)
    return _parse(raw, assumed[0], assumed[1])


def assume_scheme(text: str) -> tuple[str, bool] | None:
    """Give a chat link its scheme: ``(text, False)`` when it has one, else ``(http form, True)``.

    ``text`` is already stripped. Tabs and newlines are removed first, as the
    WHATWG parser would. ``None`` means the text is a relative reference
    (``/path``, ``?q``, ``#frag``) that no scheme turns into a link.
    """
    if not text:
        return None
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.translate(_TAB_NEWLINE)
        if not text:
            return None
    match = _SCHEME_RE.match(text)
    if match is not None:
        if not _is_host_port(match.group(1), text, match.end()):
            return text, False
        return "http://" + text, True
    head = text[:2]
    if head in ("//", "\\\\", "/\\", "\\/"):
        return "http:" + text, True
    if text[0] in "/\\?#":
        return None
    return "http://" + text, True


def _is_host_port(name: str, text: str, rest: int) -> bool:
    """Whether ``name:`` at the start of ``text`` is a host followed by a port.

    ``taobao.com:8080/x``, ``taobao.com:pw@evil.top`` and ``localhost:3000``
    are hosts; ``mailto:x@y``, ``tel:10086`` and ``com.example.app:/cb`` keep
    their scheme.
    """
    if "." in name:
        return _PORT_RE.match(text, rest) is not None or _USERINFO_RE.match(text, rest) is not None
    if name.lower() in _KNOWN_SCHEMES:
        return False
    return _NONEMPTY_PORT_RE.match(text, rest) is not None


def _parse(raw: str, text: str, scheme_added: bool) -> ParsedUrl | InvalidUrl:
    if _split is None:
        return _parse_py(raw, text, scheme_added)
    try:
        parts = _split(text)
    except UnicodeEncodeError:
        return InvalidUrl(raw, _ENCODING)
    if parts is None:
        return InvalidUrl(raw, _UNPARSEABLE)
    return _new_parsed(raw, *parts, scheme_added)


def _parse_py(raw: str, text: str, scheme_added: bool) -> ParsedUrl | InvalidUrl:
    """:func:`_parse` in Python: the reference for the compiled ``split``, and what an
    install without a C compiler parses with."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return InvalidUrl(raw, _ENCODING)
    url = _ada_parse(data, len(data))
    try:
        h = _ada_get_href(url)
        # ada returns an empty href for a failed parse; a valid URL never has one.
        if not h.length:
            return InvalidUrl(raw, _UNPARSEABLE)
        href_bytes: bytes = _ffi_unpack(h.data, h.length)
        (
            protocol_end,
            username_end,
            host_start,
            host_end,
            port,
            pathname_start,
            search_start,
            hash_start,
        ) = _unpack_components(_ffi_buffer(_ada_get_components(url)))
    finally:
        _ada_free(url)

    if href_bytes.isascii():
        href = href_bytes.decode("ascii")
    else:
        # Offsets count UTF-8 bytes; they always sit on ASCII delimiters, so
        # each maps to the character offset of the same delimiter.
        href = href_bytes.decode("utf-8", "replace")
        protocol_end = _char_offset(href_bytes, protocol_end)
        username_end = _char_offset(href_bytes, username_end)
        host_start = _char_offset(href_bytes, host_start)
        host_end = _char_offset(href_bytes, host_end)
        pathname_start = _char_offset(href_bytes, pathname_start)
        search_start = _char_offset(href_bytes, search_start)
        hash_start = _char_offset(href_bytes, hash_start)

    end = len(href)
    query_end = hash_start if hash_start != _OMITTED else end
    path_end = search_start if search_start != _OMITTED else query_end
    scheme = href[: protocol_end - 1]
    username = href[protocol_end + 2 : username_end] if protocol_end + 2 < username_end else ""
    password = href[username_end + 1 : host_start] if host_start > username_end else ""
    if host_end > host_start and href[host_start] == "@":
        hostname = href[host_start + 1 : host_end]
    else:
        hostname = href[host_start:host_end]
    port_text = href[host_end + 1 : pathname_start] if port != _OMITTED else ""
    pathname = href[pathname_start:path_end]
    if search_start != _OMITTED and query_end - search_start > 1:
        search = href[search_start:query_end]
    else:
        search = ""
    hash_ = href[hash_start:] if hash_start != _OMITTED and end - hash_start > 1 else ""

    host_type: HostType
    if not hostname or href[protocol_end : protocol_end + 2] != "//":
        host_type = "none"
    elif hostname[0] == "[":
        host_type = "ipv6"
    elif scheme not in _SPECIAL_SCHEMES:
        host_type = "opaque"
    elif hostname[-1].isdigit() and hostname.replace(".", "").isdigit():
        # A special URL's host that ends in a number is an IPv4 address or a
        # parse failure, and serialises as dotted decimal.
        host_type = "ipv4"
    else:
        host_type = "domain"

    return _new_parsed(
        raw,
        href,
        scheme,
        username,
        password,
        hostname,
        port_text,
        pathname,
        search,
        hash_,
        host_type,
        scheme_added,
    )


def _bind() -> Callable[[str], tuple[str, ...] | None] | None:
    """The compiled ``split`` bound to the ada functions of ada_url's cffi module, or None
    where it was not built (no C compiler at install)."""
    try:
        from linkgate.urls import _split as compiled
    except ImportError:
        return None
    compiled.bind(
        *(
            int(ffi.cast("uintptr_t", ffi.addressof(lib, name)))
            for name in ("ada_parse", "ada_get_href", "ada_get_components", "ada_free")
        )
    )
    return compiled.split


_split: Final = _bind()
COMPILED: Final = _split is not None
"""Whether links are cut into components by the compiled glue (``linkgate.urls._split``)."""


def _char_offset(data: bytes, offset: int) -> int:
    if offset == _OMITTED:
        return offset
    return len(data[:offset].decode("utf-8", "replace"))
