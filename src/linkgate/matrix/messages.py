"""Links in Matrix message content, and the content rewritten after the decisions.

A ``m.room.message`` carries text in ``body`` (plain) and, with
``format: org.matrix.custom.html``, in ``formatted_body``; an edit carries the
new text again under ``m.new_content``. :class:`MessageLinks` finds every link
and pass-code in all of them (links in the plain text, link-shaped text and
``<a href>`` targets in the HTML) and writes the content back with each
link rendered as decided:

- ``open``: the plain text shows the shim URL in place of the link; the HTML
  keeps the text as written and points the anchor at the shim URL;
- ``copy_only``: the plain text keeps the link as written; the HTML shows it
  in ``<code>`` (which Matrix clients do not linkify) and loses its anchor;
  a notice is appended to both.

Links to exempt hosts (``matrix.to`` permalinks and mentions) are left alone.
A linkgate shim URL already in the text (a reply quoting an earlier message,
a forwarded message) is decided by its target, so the link is never wrapped
twice and is decided again for the room it is sent to. Pure: no I/O.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Final, Literal

from linkgate.opening.keys import b64url_decode
from linkgate.urls.extract import FoundLink, LinkExtractor
from linkgate.urls.model import InvalidUrl
from linkgate.urls.parse import parse

HTML_FORMAT: Final = "org.matrix.custom.html"
NEW_CONTENT: Final = "m.new_content"
# href schemes that are not web links: mail, phone, Matrix media and ids.
_NOT_LINK_SCHEMES: Final = ("mailto:", "tel:", "sms:", "geo:", "mxc:", "matrix:")
# Text inside these elements is not linkified by clients, so it is not rewritten.
_LITERAL_TAGS: Final = frozenset({"code", "pre"})

LinkKind = Literal["url", "href", "passcode"]
Action = Literal["open", "copy_only"]


@dataclass(frozen=True, slots=True)
class MessageLink:
    """One link or pass-code as written in a message.

    ``target`` is what gets decided: the link itself, or the target carried by
    a linkgate shim URL; ``None`` for pass-codes, which carry ``platform``.
    """

    kind: LinkKind
    text: str
    target: str | None
    platform: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.text)


@dataclass(frozen=True, slots=True)
class Rendering:
    """How one link appears in the delivered message."""

    action: Action
    shim_url: str | None = None


def shim_target(url: str, prefix: str) -> str | None:
    """The URL a linkgate shim URL carries (read, not verified), or ``None``.

    Verification is not needed: the target is only decided again, exactly as
    if it had been typed.
    """
    if not url.startswith(prefix):
        return None
    token = url[len(prefix) :].split("?", 1)[0].split("#", 1)[0]
    body = b64url_decode(token.partition(".")[0])
    if body is None:
        return None
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    target = payload.get("u") if isinstance(payload, dict) else None
    return target if isinstance(target, str) and target else None


class MessageLinks:
    """Finds and rewrites links in message content for one configuration."""

    def __init__(
        self, extractor: LinkExtractor, shim_prefix: str, exempt_hosts: Iterable[str]
    ) -> None:
        self._extractor = extractor
        self._shim_prefix = shim_prefix
        self._exempt = frozenset(host.lower().rstrip(".") for host in exempt_hosts)

    # -- finding ----------------------------------------------------------------

    def find(self, content: Mapping[str, Any]) -> list[MessageLink]:
        """Every distinct link and pass-code in the content, in order of appearance."""
        seen: dict[tuple[str, str], MessageLink] = {}
        for part in _parts(content):
            body = part.get("body")
            if isinstance(body, str):
                for link in self._text_links(body):
                    seen.setdefault(link.key, link)
            formatted = _formatted(part)
            if formatted is not None:
                finder = _HtmlRewriter(self, {}, rewrite=False)
                finder.run(formatted)
                for link in finder.found:
                    seen.setdefault(link.key, link)
        return list(seen.values())

    def _text_links(self, text: str) -> list[MessageLink]:
        out: list[MessageLink] = []
        for found in self._extractor.extract(text):
            link = self._link(found)
            if link is not None:
                out.append(link)
        return out

    def _link(self, found: FoundLink) -> MessageLink | None:
        if found.kind == "passcode":
            return MessageLink("passcode", found.text, None, found.platform)
        if found.url is None or self._exempt_url(found.url):
            return None
        return MessageLink("url", found.text, self._target(found.url))

    def href_link(self, href: str) -> MessageLink | None:
        """The link an ``<a href>`` value points to, or ``None`` when it is no web link."""
        value = href.strip()
        if not value or value.lower().startswith(_NOT_LINK_SCHEMES):
            return None
        parsed = parse(value)
        if isinstance(parsed, InvalidUrl) or self._exempt_url(parsed.href):
            return None
        return MessageLink("href", href, self._target(parsed.href))

    def _target(self, url: str) -> str:
        return shim_target(url, self._shim_prefix) or url

    def _exempt_url(self, url: str) -> bool:
        if not self._exempt:
            return False
        parsed = parse(url)
        if isinstance(parsed, InvalidUrl):
            return False
        host = parsed.hostname.lower().rstrip(".")
        return any(host == h or host.endswith("." + h) for h in self._exempt)

    # -- rewriting -----------------------------------------------------------------

    def rewrite(
        self,
        content: Mapping[str, Any],
        renderings: Mapping[tuple[str, str], Rendering],
        notices: Sequence[str] = (),
    ) -> dict[str, Any]:
        """A copy of ``content`` with links rendered and ``notices`` appended.

        A part (the content, its ``m.new_content``) that has a link to render
        and no HTML gets an HTML version, so that the text can stay as written
        while the anchor goes through the shim.
        """
        out: dict[str, Any] = thaw(content)
        for part in _parts(out):
            body = part.get("body")
            if not isinstance(body, str):
                continue
            links = self._text_links(body)
            touched = any(link.key in renderings for link in links)
            formatted = _formatted(part)
            if formatted is None and not touched and not notices:
                continue
            if formatted is None:
                formatted = html.escape(body, quote=False).replace("\n", "<br>")
            part["body"] = self._rewrite_text(body, renderings) + _plain_notices(notices)
            part["format"] = HTML_FORMAT
            rewriter = _HtmlRewriter(self, renderings, rewrite=True)
            part["formatted_body"] = rewriter.run(formatted) + _html_notices(notices)
        return out

    def _rewrite_text(self, text: str, renderings: Mapping[tuple[str, str], Rendering]) -> str:
        pieces: list[str] = []
        last = 0
        for found in self._extractor.extract(text):
            link = self._link(found)
            rendering = renderings.get(link.key) if link is not None else None
            if rendering is None or rendering.action != "open" or rendering.shim_url is None:
                continue
            pieces.append(text[last : found.start])
            pieces.append(rendering.shim_url)
            last = found.end
        pieces.append(text[last:])
        return "".join(pieces)

    def html_text(self, text: str, renderings: Mapping[tuple[str, str], Rendering]) -> str:
        """A text node's HTML with its links rendered."""
        pieces: list[str] = []
        last = 0
        for found in self._extractor.extract(text):
            link = self._link(found)
            rendering = renderings.get(link.key) if link is not None else None
            if rendering is None:
                continue
            pieces.append(html.escape(text[last : found.start], quote=False))
            shown = html.escape(found.text, quote=False)
            if rendering.action == "open" and rendering.shim_url is not None:
                pieces.append(f'<a href="{html.escape(rendering.shim_url)}">{shown}</a>')
            else:
                pieces.append(f"<code>{shown}</code>")
            last = found.end
        pieces.append(html.escape(text[last:], quote=False))
        return "".join(pieces)

    def text_links(self, text: str) -> list[MessageLink]:
        """Links and pass-codes in one piece of text."""
        return self._text_links(text)


def _parts(content: Mapping[str, Any]) -> list[Any]:
    """The content and, for an edit, its ``m.new_content``."""
    parts: list[Any] = [content]
    new = content.get(NEW_CONTENT)
    if isinstance(new, Mapping):
        parts.append(new)
    return parts


def _formatted(part: Mapping[str, Any]) -> str | None:
    formatted = part.get("formatted_body")
    if part.get("format") == HTML_FORMAT and isinstance(formatted, str):
        return formatted
    return None


def _plain_notices(notices: Sequence[str]) -> str:
    return "".join(f"\n\n{notice}" if i == 0 else f"\n{notice}" for i, notice in enumerate(notices))


def _html_notices(notices: Sequence[str]) -> str:
    if not notices:
        return ""
    return "<br><br>" + "<br>".join(f"<em>{html.escape(n, quote=False)}</em>" for n in notices)


def thaw(value: Any) -> Any:
    """A plain, mutable deep copy of JSON-like data (Synapse hands out frozen mappings)."""
    if isinstance(value, Mapping):
        return {str(k): thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(v) for v in value]
    return value


def _attrs(attrs: Sequence[tuple[str, str | None]]) -> str:
    return "".join(
        f" {name}" if value is None else f' {name}="{html.escape(value)}"' for name, value in attrs
    )


class _HtmlRewriter(HTMLParser):
    """Walks message HTML once: finds links, or writes it back with links rendered."""

    def __init__(
        self,
        links: MessageLinks,
        renderings: Mapping[tuple[str, str], Rendering],
        *,
        rewrite: bool,
    ) -> None:
        super().__init__(convert_charrefs=True)
        self._links = links
        self._renderings = renderings
        self._rewrite = rewrite
        self.found: list[MessageLink] = []
        self._out: list[str] = []
        self._literal = 0
        self._anchor: str | None = None  # "open" | "copy" | "keep" while inside <a>
        self._anchor_href = ""
        self._anchor_text: list[str] = []

    def run(self, text: str) -> str:
        self.feed(text)
        self.close()
        return "".join(self._out)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LITERAL_TAGS:
            self._literal += 1
        if tag == "a":
            self._start_anchor(attrs)
            return
        self._out.append(self.get_starttag_text() or f"<{tag}{_attrs(attrs)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._out.append(self.get_starttag_text() or f"<{tag}{_attrs(attrs)} />")

    def _start_anchor(self, attrs: list[tuple[str, str | None]]) -> None:
        href = next((value for name, value in attrs if name == "href" and value), None)
        link = self._links.href_link(href) if href is not None else None
        self._anchor, self._anchor_href, self._anchor_text = "keep", href or "", []
        if link is not None:
            self.found.append(link)
            rendering = self._renderings.get(link.key)
            if rendering is not None and rendering.action == "open" and rendering.shim_url:
                self._anchor = "open"
                attrs = [(n, rendering.shim_url if n == "href" else v) for n, v in attrs]
                self._out.append(f"<a{_attrs(attrs)}>")
                return
            if rendering is not None:
                self._anchor = "copy"
                self._out.append("<code>")
                return
        self._out.append(self.get_starttag_text() or f"<a{_attrs(attrs)}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in _LITERAL_TAGS and self._literal:
            self._literal -= 1
        if tag == "a" and self._anchor is not None:
            if self._anchor == "copy":
                self._out.append("</code>")
                if "".join(self._anchor_text).strip() != self._anchor_href.strip():
                    self._out.append(f" <code>{html.escape(self._anchor_href, quote=False)}</code>")
            else:
                self._out.append("</a>")
            self._anchor = None
            return
        self._out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.found.extend(self._links.text_links(data))
        if self._anchor is not None:
            self._anchor_text.append(data)
        if not self._rewrite or self._literal or self._anchor is not None:
            self._out.append(html.escape(data, quote=False))
            return
        self._out.append(self._links.html_text(data, self._renderings))

    def handle_comment(self, data: str) -> None:
        self._out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self._out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self._out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self._out.append(f"<![{data}]>")
