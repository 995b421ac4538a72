"""A page's preview fields from its bytes: charset, title, description, Open Graph tags.

Pure: no I/O. The charset is, in order: a byte-order mark, the
``Content-Type`` header's ``charset``, a ``<meta charset>`` or
``<meta http-equiv="Content-Type">`` in the first 4 KiB, else UTF-8 when the
bytes are valid UTF-8, else GB18030. Legacy Chinese labels (``gb2312``,
``gbk``, ``x-gbk``, ``gb18030``) decode as GB18030, their superset, as
browsers do. Scripts are never run; forms are never read.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Final

__all__ = ["PageMeta", "decode_html", "detect_charset", "extract_meta"]

SNIFF_BYTES: Final = 4096
MAX_FIELD: Final = 1000

_GB_LABELS: Final = frozenset({"gb2312", "gbk", "x-gbk", "gb18030", "cp936", "csgb2312", "gb_2312"})
_META_CHARSET: Final = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_OG: Final = ("og:title", "og:description", "og:image", "og:url", "og:site_name", "og:type")


def _label(name: str | None) -> str | None:
    """A Python codec name for a charset label, or ``None`` when unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label in _GB_LABELS:
        return "gb18030"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def content_type_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return _label(value)
    return None


def detect_charset(body: bytes, content_type: str | None = None) -> str:
    """The codec to decode ``body`` with (see the module docstring for the order)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    declared = content_type_charset(content_type)
    if declared:
        return declared
    match = _META_CHARSET.search(body[:SNIFF_BYTES])
    if match is not None:
        meta = _label(match.group(1).decode("ascii", "replace"))
        if meta:
            # A page served as bytes cannot really be UTF-16: browsers read it as UTF-8.
            return "utf-8" if meta.startswith("utf-16") else meta
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A page cut by the size cap may end inside a character.
        if exc.start < len(body) - 3:
            return "gb18030"
    return "utf-8"


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(text, charset)``; undecodable bytes become U+FFFD."""
    charset = detect_charset(body, content_type)
    text = body.decode(charset, "replace")
    return (text[1:] if text.startswith("\ufeff") else text), charset


def _clean(text: str) -> str:
    return " ".join(text.split())[:MAX_FIELD]


@dataclass
class PageMeta:
    """What a preview shows."""

    title: str | None = None
    description: str | None = None
    og: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "description": self.description, "og": dict(self.og)}


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta = PageMeta()
        self._in_title = False
        self._title: list[str] = []
        self._done_title = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template", "svg"):
            self._skip += 1
        elif tag == "title" and not self._done_title and not self._skip:
            self._in_title = True
        elif tag == "meta":
            self._meta({k.lower(): (v or "") for k, v in attrs})

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template", "svg"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title" and self._in_title:
            self._in_title = False
            self._done_title = True

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)

    def _meta(self, attrs: dict[str, str]) -> None:
        content = attrs.get("content")
        if content is None:
            return
        name = attrs.get("name", "").strip().lower()
        prop = attrs.get("property", "").strip().lower()
        if name == "description" and self.meta.description is None:
            self.meta.description = _clean(content)
        for key in (prop, name):
            if key in _OG and key[3:] not in self.meta.og:
                self.meta.og[key[3:]] = _clean(content)

    def result(self) -> PageMeta:
        if self._title:
            title = _clean("".join(self._title))
            self.meta.title = title or None
        return self.meta


def extract_meta(text: str) -> PageMeta:
    """The title, ``<meta name=description>`` and ``og:*`` tags of an HTML document."""
    parser = _MetaParser()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):
        pass  # html.parser gives up on some broken markup; keep what was read
    return parser.result()
