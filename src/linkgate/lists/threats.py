"""Threat-list matching by host suffix, URL prefix and Safe Browsing full hash.

A :class:`ThreatLists` holds three kinds of entries, each tagged with the
:class:`ListEntry` (list, category, expiry) that listed it:

- **domains**: ``evil.top`` covers the host ``evil.top`` and every subdomain,
  on label boundaries (``notevil.top`` is not covered);
- **expressions**: Safe Browsing lookup expressions such as
  ``evil.top/phish/`` or ``a.b.c/x.html?q``, matched against the lookup
  expressions of the canonical URL (host suffixes x path prefixes), so
  ``evil.top/phish/`` covers ``http://a.evil.top/phish/x.html``;
- **full hashes**: the SHA-256 of such an expression, for lists shared
  without their plaintext.

Representation (compact, for millions of entries): one dict keyed by host
name holds both the listed domains and the hosts that carry listed
expressions. A decision walks its host's suffixes once (one probe per
label); only when some suffix carries expressions are the URL's lookup
expressions computed and probed. Values are shared :class:`ListEntry`
objects (a tuple of them when several lists name the same key), so an entry
costs a dict slot and its key string. A match returns the first *active*
entry, most specific first: domains from the longest suffix, then
expressions in Safe Browsing order, then full hashes.

What a host's walk finds (the listed domains along it, whether any suffix
carries expressions) depends on the host alone, so it is kept per host
(:data:`HOST_MEMO_SIZE` hosts at most, then it starts afresh; adding an entry
forgets them all): a host seen again costs one probe. Lists with no domain or expression entries
skip the walk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from typing import Final, TypeAlias

from linkgate.urls.canonical import expressions, lookup_parts

__all__ = ["ListEntry", "ThreatLists"]


@dataclass(frozen=True, slots=True)
class ListEntry:
    """The list that listed an entry: its id (the list's name), category and expiry."""

    list_id: str
    category: str
    expires_at: datetime | None = None

    def active(self, at: datetime) -> bool:
        return self.expires_at is None or at < self.expires_at


_Listed: TypeAlias = ListEntry | tuple[ListEntry, ...]


class _HostNode:
    """A host that carries listed expressions, and maybe is a listed domain too."""

    __slots__ = ("domain",)

    def __init__(self, domain: _Listed | None) -> None:
        self.domain = domain


_EXPRESSIONS_ONLY: Final = _HostNode(None)

#: Hosts whose walk :class:`ThreatLists` keeps before it forgets them all and starts again.
HOST_MEMO_SIZE: Final = 65_536

_Walk: TypeAlias = tuple[tuple[_Listed, ...], bool]
"""What a host's suffix walk found: the listed domains, most specific first, and whether
some suffix carries expressions."""

_NOTHING: Final[_Walk] = ((), False)


def _add(existing: _Listed | None, entry: ListEntry) -> _Listed:
    if existing is None:
        return entry
    if isinstance(existing, ListEntry):
        return existing if existing == entry else (existing, entry)
    return existing if entry in existing else (*existing, entry)


def _active(listed: _Listed, at: datetime) -> ListEntry | None:
    if isinstance(listed, ListEntry):
        return listed if listed.active(at) else None
    for entry in listed:
        if entry.active(at):
            return entry
    return None


def _normalise_host(name: str) -> str:
    name = name.strip().lower()
    if name.endswith("."):
        name = name[:-1]
    if name.startswith("*."):
        name = name[2:]
    elif name.startswith("."):
        name = name[1:]
    return name


class ThreatLists:
    """In-memory threat lists (immutable once published in a snapshot)."""

    __slots__ = ("_counts", "_expressions", "_hashes", "_hosts", "_walks")

    def __init__(self) -> None:
        # host -> ListEntry | tuple (a listed domain) or _HostNode (a host with expressions)
        self._hosts: dict[str, object] = {}
        self._walks: dict[str, _Walk] = {}
        self._expressions: dict[str, _Listed] = {}
        self._hashes: dict[bytes, _Listed] = {}
        self._counts = [0, 0, 0]  # domains, expressions, full hashes (distinct keys)

    def __len__(self) -> int:
        return sum(self._counts)

    @property
    def counts(self) -> dict[str, int]:
        """Distinct keys by kind: ``domain``, ``expression``, ``full_hash``."""
        domains, exprs, hashes = self._counts
        return {"domain": domains, "expression": exprs, "full_hash": hashes}

    def add_domain(self, domain: str, entry: ListEntry) -> None:
        """List ``domain`` and its subdomains; ``ValueError`` for an empty or malformed name."""
        name = _normalise_host(domain)
        if not name or "*" in name or "/" in name or "" in name.split("."):
            raise ValueError(f"not a domain: {domain!r}")
        self._walks.clear()
        hosts = self._hosts
        node = hosts.get(name)
        if isinstance(node, _HostNode):
            if node.domain is None:
                self._counts[0] += 1
            hosts[name] = _HostNode(_add(node.domain, entry))
            return
        if node is None:
            self._counts[0] += 1
        hosts[name] = _add(node, entry)  # type: ignore[arg-type]

    def add_expression(self, expression: str, entry: ListEntry) -> None:
        """A Safe Browsing lookup expression such as ``evil.top/phish/`` or ``a.b.c/x.html?q``."""
        host, slash, _ = expression.partition("/")
        if not host or not slash:
            raise ValueError(f"not a lookup expression (host/path): {expression!r}")
        self._walks.clear()
        existing = self._expressions.get(expression)
        if existing is None:
            self._counts[1] += 1
        self._expressions[expression] = _add(existing, entry)
        node = self._hosts.get(host)
        if node is None:
            self._hosts[host] = _EXPRESSIONS_ONLY
        elif not isinstance(node, _HostNode):
            self._hosts[host] = _HostNode(node)  # type: ignore[arg-type]

    def add_full_hash(self, full_hash: bytes, entry: ListEntry) -> None:
        """The SHA-256 (32 bytes) of a lookup expression."""
        if len(full_hash) != 32:
            raise ValueError(f"a full hash is 32 bytes, not {len(full_hash)}")
        key = bytes(full_hash)
        existing = self._hashes.get(key)
        if existing is None:
            self._counts[2] += 1
        self._hashes[key] = _add(existing, entry)

    def add_entries(self, kind: str, values: Iterable[str | bytes], entry: ListEntry) -> int:
        """Add many entries of one kind (``domain``, ``expression``, ``full_hash``)."""
        count = 0
        if kind == "domain":
            for value in values:
                self.add_domain(str(value), entry)
                count += 1
        elif kind == "expression":
            for value in values:
                self.add_expression(str(value), entry)
                count += 1
        elif kind == "full_hash":
            for value in values:
                self.add_full_hash(
                    value if isinstance(value, bytes) else bytes.fromhex(value), entry
                )
                count += 1
        else:
            raise ValueError(f"unknown entry kind {kind!r}")
        return count

    def _walk(self, host: str) -> _Walk:
        """The listed domains among ``host``'s suffixes (longest first), and whether any
        suffix carries expressions."""
        hosts = self._hosts
        domains: list[_Listed] = []
        with_expressions = False
        pos = 0
        while True:
            node = hosts.get(host[pos:] if pos else host)
            if node is not None:
                if isinstance(node, _HostNode):
                    with_expressions = True
                    if node.domain is not None:
                        domains.append(node.domain)
                else:
                    domains.append(node)  # type: ignore[arg-type]
            pos = host.find(".", pos) + 1
            if not pos:
                break
        return (tuple(domains), with_expressions) if domains or with_expressions else _NOTHING

    def match(self, *, host: str | None, canonical: str | None, at: datetime) -> ListEntry | None:
        """The first active entry covering the link, or ``None``.

        ``host`` is the canonical host (lower case, no trailing dot);
        ``canonical`` the Safe Browsing canonical URL.
        """
        if not host:
            return None
        hosts = self._hosts
        if hosts:
            walk = self._walks.get(host)
            if walk is None:
                walk = self._walk(host)
                if len(self._walks) >= HOST_MEMO_SIZE:
                    self._walks.clear()  # start afresh: hosts still in use return at once
                self._walks[host] = walk
            domains, with_expressions = walk
        else:
            domains, with_expressions = _NOTHING
        for domain in domains:
            found = _active(domain, at)
            if found is not None:
                return found
        if canonical is None or not (with_expressions or self._hashes):
            return None
        if with_expressions:
            # Only the lookup hosts that carry expressions are probed, in Safe Browsing order.
            lookup_hosts, paths = lookup_parts(canonical)
            table = self._expressions
            for lookup_host in lookup_hosts:
                if not isinstance(hosts.get(lookup_host), _HostNode):
                    continue
                for path in paths:
                    listed = table.get(lookup_host + path)
                    if listed is not None:
                        hit = _active(listed, at)
                        if hit is not None:
                            return hit
        if self._hashes:
            hashes = self._hashes
            for expr in expressions(canonical):
                listed = hashes.get(sha256(expr.encode("utf-8", "surrogatepass")).digest())
                if listed is not None:
                    hit = _active(listed, at)
                    if hit is not None:
                        return hit
        return None
