"""The common chat link, parsed, canonicalised and checked in one compiled call.

Most links reach linkgate as a browser or an app copied them: ASCII, nothing
around them, ``http://``, ``https://`` or no scheme at all (``m.tb.cn/h.abc``),
a domain, a path and query that no Safe Browsing rule rewrites. For those,
:func:`quick_link` returns in one call what :func:`linkgate.urls.parse.parse`,
:func:`linkgate.urls.canonical.quick_canonical` and
:func:`linkgate.urls.deception.plain_link` would: the parse, its canonical
form (``None`` when a rewriting rule applies) and whether the link as typed
raises no link-level deception signal. For any other text, and where the
compiled glue (``linkgate.urls._split``) was not built, it returns ``None``
and the caller takes the general way, with the same results:
:func:`quick_link_py` is that reference, and the tests hold the two equal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from linkgate.urls import parse as _parse_module
from linkgate.urls.canonical import quick_canonical
from linkgate.urls.deception import DANGEROUS_SCHEMES, MAX_URL_LENGTH, plain_link
from linkgate.urls.model import InvalidUrl, ParsedUrl
from linkgate.urls.parse import MAX_INPUT_LENGTH, parse

__all__ = ["COMPILED", "QuickLink", "quick_link", "quick_link_py"]

# What could be a scheme at the start of text (its first character alphanumeric, which a
# link without a scheme also begins with); the text takes the quick way unless a colon follows.
_SCHEME_RUN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9+.\-]*")
_TAB_NEWLINE: Final = re.compile(r"[\t\n\r]")

QuickLink = tuple[ParsedUrl, str | None, bool]
"""``(parsed, canonical or None, plain)``."""


def quick_link_py(raw: str) -> QuickLink | None:
    """:func:`quick_link` in Python: which text it takes, and what it returns for it."""
    if len(raw) > MAX_INPUT_LENGTH or len(raw) < 8 or not raw.isascii() or raw[-1] <= " ":
        return None
    if not raw.startswith(("http://", "https://")):
        # Without a scheme: taken when nothing at its start could be a scheme and its colon
        # (parse.assume_scheme then adds http://) and there is no tab or newline to remove.
        run = _SCHEME_RUN.match(raw)
        if run is None or raw[run.end() : run.end() + 1] == ":" or _TAB_NEWLINE.search(raw):
            return None
    parsed = parse(raw)
    if isinstance(parsed, InvalidUrl):
        return None
    return parsed, quick_canonical(parsed), plain_link(parsed)


def _no_link(raw: str) -> QuickLink | None:
    return None


def _bind() -> Callable[[str], QuickLink | None] | None:
    if not _parse_module.COMPILED or {"http", "https"} & DANGEROUS_SCHEMES:
        return None
    try:
        from linkgate.urls import _split
    except ImportError:
        return None
    # parse._new_parsed is ParsedUrl's builder; parse() builds with the same one.
    _split.bind_link(_parse_module._new_parsed, MAX_INPUT_LENGTH, MAX_URL_LENGTH)
    link: Callable[[str], QuickLink | None] = _split.link
    return link


_link: Final = _bind()
COMPILED: Final = _link is not None
"""Whether :func:`quick_link` runs compiled; without it, it always answers ``None``."""

quick_link: Final[Callable[[str], QuickLink | None]] = _link if _link is not None else _no_link
"""The common chat link's ``(parsed, canonical or None, plain)``, or ``None`` (see above)."""
