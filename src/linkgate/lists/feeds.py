"""Threat-feed parsers: text lines in, list entries or counted rejections out.

Each parser is a pure function from the lines of a feed (without line
endings) to :class:`FeedEntry` s and :class:`Rejected` lines; nothing here
raises on bad input. :data:`FORMATS` is the registry of named parsers:

========== ==================================================================
format     what a line is
========== ==================================================================
urlhaus    URLhaus CSV (``csv_online``/``csv_recent``): ``id,dateadded,url,…``;
           ``#`` lines are comments, the header may be one of them
phishtank  PhishTank CSV (``verified_online.csv``): a header naming the
           ``url`` column, then one phish per row
openphish  one URL per line (OpenPhish feed, or any plain URL list)
hosts      ``0.0.0.0 evil.top [more.names …]  # comment`` (hosts file)
domains    one domain per line; ``*.evil.top`` and ``.evil.top`` mean the same
adblock    ``||evil.top^`` rules (with no options, or ``$document``, ``$all``,
           ``$important``); other rules are rejected as ``unsupported_rule``
sha256     one 64-digit hex SHA-256 of a lookup expression per line
========== ==================================================================

What an entry becomes:

- a URL becomes the **Safe Browsing lookup expression of its canonical form**
  (host + path, plus ``?query`` when there is one): ``http://Evil.top/phish/x.html#a``
  lists ``evil.top/phish/x.html``, which covers exactly the links whose lookup
  expressions include it (that path on that host and its subdomains, with
  any query). A URL with the path ``/`` lists the whole host;
- a name from a hosts, domains or adblock feed becomes a **domain** entry:
  the domain and every subdomain;
- a hex hash becomes a **full hash** entry.

Whether an entry may be listed at all (public suffixes, registered
platforms) is decided afterwards by :mod:`linkgate.lists.guard`.
"""

from __future__ import annotations

import csv
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal

from linkgate.domains.idn import to_ascii
from linkgate.urls.canonical import canonicalize, expressions
from linkgate.urls.model import ParsedUrl
from linkgate.urls.parse import parse

__all__ = [
    "ENTRY_KINDS",
    "FORMATS",
    "EntryKind",
    "FeedEntry",
    "Rejected",
    "parse_feed",
    "url_expression",
]

EntryKind = Literal["domain", "expression", "full_hash"]
ENTRY_KINDS: Final[tuple[EntryKind, ...]] = ("domain", "expression", "full_hash")

# Rejection reasons a parser gives (the guard adds its own).
MALFORMED_ROW: Final = "malformed_row"
NOT_A_URL: Final = "not_a_url"
NOT_A_DOMAIN: Final = "not_a_domain"
LOCAL_NAME: Final = "local_name"
UNSUPPORTED_RULE: Final = "unsupported_rule"
NOT_A_HASH: Final = "not_a_hash"

#: Longest line a parser looks at; longer lines are rejected as malformed.
MAX_LINE: Final = 16_384


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One listed item: its kind, its value (expression, domain or hex hash), its feed line."""

    kind: EntryKind
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class Rejected:
    """A feed line (1-based) that lists nothing, and why."""

    line: int
    reason: str
    text: str


Parsed = FeedEntry | Rejected
Parser = Callable[[Iterable[str]], Iterator[Parsed]]

_LABEL: Final = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\Z")
_HEX64: Final = re.compile(r"[0-9a-fA-F]{64}\Z")
_LOCAL_NAMES: Final = frozenset(
    {"localhost", "localhost.localdomain", "local", "broadcasthost", "localdomain", "0.0.0.0"}
)


def url_expression(text: str) -> str | None:
    """The most specific lookup expression of a URL (host + path [+ ?query]), or ``None``.

    ``None`` also for text a browser would not open (the WHATWG parser
    rejects it): the gateway blocks such links as ``invalid_url`` anyway.
    """
    parsed = parse(text)
    if not isinstance(parsed, ParsedUrl) or not parsed.hostname:
        return None
    exprs = expressions(canonicalize(parsed))
    return exprs[0] if exprs else None


def _domain(text: str) -> str | None:
    """A domain name in lower-case ASCII, or ``None`` when ``text`` is not one."""
    name = text.strip().lower()
    if name.endswith("."):
        name = name[:-1]
    if name.startswith("*."):
        name = name[2:]
    elif name.startswith("."):
        name = name[1:]
    if not name or len(name) > 253:
        return None
    if not name.isascii():
        converted = to_ascii(name)
        if converted is None:
            return None
        name = converted
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        return name
    labels = name.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    return name


def _lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Numbered lines, stripped, without blank lines; a BOM on the first line is dropped."""
    for number, raw in enumerate(lines, start=1):
        text = raw.lstrip("\ufeff") if number == 1 else raw
        text = text.strip()
        if text:
            yield number, text


def _url_entry(number: int, url: str, original: str) -> Parsed:
    expr = url_expression(url.strip())
    if expr is None:
        return Rejected(number, NOT_A_URL, original)
    return FeedEntry("expression", expr, number)


def _csv_row(text: str) -> list[str] | None:
    try:
        return next(csv.reader([text]))
    except (csv.Error, StopIteration):
        return None


def parse_urlhaus(lines: Iterable[str]) -> Iterator[Parsed]:
    """URLhaus CSV: the ``url`` column (the third, or as the header names it)."""
    column = 2
    for number, text in _lines(lines):
        if len(text) > MAX_LINE:
            yield Rejected(number, MALFORMED_ROW, text[:200])
            continue
        if text.startswith("#"):
            header = _csv_row(text.lstrip("#").strip())
            if header and "url" in header and "dateadded" in header:
                column = header.index("url")
            continue
        row = _csv_row(text)
        if row is None or len(row) <= column:
            yield Rejected(number, MALFORMED_ROW, text)
            continue
        if row[column] == "url" and "dateadded" in row:
            continue
        yield _url_entry(number, row[column], text)


def parse_phishtank(lines: Iterable[str]) -> Iterator[Parsed]:
    """PhishTank CSV: the ``url`` column named by the header (the second when there is none)."""
    column = 1
    first = True
    for number, text in _lines(lines):
        if len(text) > MAX_LINE:
            yield Rejected(number, MALFORMED_ROW, text[:200])
            first = False
            continue
        row = _csv_row(text)
        if first:
            first = False
            if row is not None and "url" in row:
                column = row.index("url")
                continue
        if row is None or len(row) <= column:
            yield Rejected(number, MALFORMED_ROW, text)
            continue
        yield _url_entry(number, row[column], text)


def parse_openphish(lines: Iterable[str]) -> Iterator[Parsed]:
    """One URL per line; ``#`` starts a comment line."""
    for number, text in _lines(lines):
        if text.startswith("#"):
            continue
        if len(text) > MAX_LINE:
            yield Rejected(number, MALFORMED_ROW, text[:200])
            continue
        yield _url_entry(number, text, text)


def _name_entry(number: int, name: str, original: str) -> Parsed:
    if name.strip().lower().rstrip(".") in _LOCAL_NAMES or name.lower().startswith("ip6-"):
        return Rejected(number, LOCAL_NAME, original)
    domain = _domain(name)
    if domain is None:
        return Rejected(number, NOT_A_DOMAIN, original)
    return FeedEntry("domain", domain, number)


def parse_hosts(lines: Iterable[str]) -> Iterator[Parsed]:
    """Hosts-file lines: an address, then one or more names; ``#`` starts a comment."""
    for number, text in _lines(lines):
        body = text.split("#", 1)[0].strip()
        if not body:
            continue
        fields = body.split()
        if len(fields) < 2 or len(text) > MAX_LINE:
            yield Rejected(number, MALFORMED_ROW, text[:200])
            continue
        try:
            ipaddress.ip_address(fields[0].split("%", 1)[0])
        except ValueError:
            yield Rejected(number, MALFORMED_ROW, text)
            continue
        for name in fields[1:]:
            yield _name_entry(number, name, text)


def parse_domains(lines: Iterable[str]) -> Iterator[Parsed]:
    """One domain per line; ``#`` starts a comment (whole line or trailing)."""
    for number, text in _lines(lines):
        body = text.split("#", 1)[0].strip()
        if not body:
            continue
        if len(body.split()) != 1:
            yield Rejected(number, MALFORMED_ROW, text)
            continue
        yield _name_entry(number, body, text)


_ADBLOCK_OPTIONS: Final = frozenset({"", "document", "all", "important", "doc"})


def parse_adblock(lines: Iterable[str]) -> Iterator[Parsed]:
    """``||domain^`` rules; comments (``!``) and the ``[Adblock …]`` header are skipped."""
    for number, text in _lines(lines):
        if text.startswith("!") or (text.startswith("[") and text.endswith("]")):
            continue
        rule, _, options = text.partition("$")
        wanted = {o.strip().lower() for o in options.split(",")} if options else {""}
        if (
            not rule.startswith("||")
            or not rule.endswith("^")
            or not wanted <= _ADBLOCK_OPTIONS
            or any(c in rule[2:-1] for c in "/*^|")
        ):
            yield Rejected(number, UNSUPPORTED_RULE, text)
            continue
        yield _name_entry(number, rule[2:-1], text)


def parse_sha256(lines: Iterable[str]) -> Iterator[Parsed]:
    """One hex SHA-256 per line; ``#`` starts a comment line."""
    for number, text in _lines(lines):
        if text.startswith("#"):
            continue
        if not _HEX64.match(text):
            yield Rejected(number, NOT_A_HASH, text[:200])
            continue
        yield FeedEntry("full_hash", text.lower(), number)


#: The named feed parsers.
FORMATS: Final[dict[str, Parser]] = {
    "urlhaus": parse_urlhaus,
    "phishtank": parse_phishtank,
    "openphish": parse_openphish,
    "hosts": parse_hosts,
    "domains": parse_domains,
    "adblock": parse_adblock,
    "sha256": parse_sha256,
}


def parse_feed(format: str, lines: Iterable[str]) -> Iterator[Parsed]:
    """Parse ``lines`` as feed ``format``; ``ValueError`` for an unknown format."""
    parser = FORMATS.get(format)
    if parser is None:
        raise ValueError(f"unknown feed format {format!r}; expected one of {', '.join(FORMATS)}")
    return parser(lines)
