"""Threat-list matching by host suffix, URL prefix and Safe Browsing hash prefix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256

from linkgate.domains.index import SuffixIndex
from linkgate.urls.canonical import expressions


@dataclass(frozen=True, slots=True)
class ListEntry:
    list_id: str
    category: str
    expires_at: datetime | None = None

    def active(self, at: datetime) -> bool:
        return self.expires_at is None or at < self.expires_at


class ThreatLists:
    """In-memory threat lists.

    Domains match the host and its subdomains. URL prefixes and full hashes
    are matched through the Safe Browsing lookup expressions of the
    canonical URL (host suffixes × path prefixes), so ``evil.top/phish/``
    covers ``http://a.evil.top/phish/x.html``.
    """

    def __init__(self) -> None:
        self._domains: SuffixIndex[ListEntry] = SuffixIndex()
        self._domain_count = 0
        self._expressions: dict[str, ListEntry] = {}
        self._hashes: dict[bytes, ListEntry] = {}

    def __len__(self) -> int:
        return self._domain_count + len(self._expressions) + len(self._hashes)

    def add_domain(self, domain: str, entry: ListEntry) -> None:
        self._domains[domain] = entry
        self._domain_count += 1

    def add_expression(self, expression: str, entry: ListEntry) -> None:
        """A Safe Browsing lookup expression such as ``evil.top/phish/`` or ``a.b.c/x.html?q``."""
        self._expressions[expression] = entry

    def add_full_hash(self, full_hash: bytes, entry: ListEntry) -> None:
        self._hashes[full_hash] = entry

    def match(self, *, host: str | None, canonical: str | None, at: datetime) -> ListEntry | None:
        if host:
            entry = self._domains.find_normalised(host)
            if entry is not None and entry.active(at):
                return entry
        if canonical is None or not host or not (self._expressions or self._hashes):
            return None
        for expr in expressions(canonical):
            entry = self._expressions.get(expr)
            if entry is None and self._hashes:
                entry = self._hashes.get(sha256(expr.encode()).digest())
            if entry is not None and entry.active(at):
                return entry
        return None
