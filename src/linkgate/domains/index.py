"""Domain-suffix indexes: the most specific registered suffix of a host.

A :class:`SuffixIndex` maps domain suffixes (``jd.com``, ``m.tb.cn``) to
values and answers, for a host, which registered suffix covers it most
specifically: ``item.m.jd.com`` matches ``m.jd.com`` before ``jd.com``. A
suffix covers itself and every subdomain, on label boundaries only
(``notjd.com`` is not covered by ``jd.com``).

A lookup walks the host's labels from the right, one dict probe per label,
and stops as soon as no registered suffix ends with what it has seen so far
(the index keeps every tail of every key for that). An unknown host costs one
or two probes whatever its length; no regular expressions. The platform
registry, threat lists and block lists all use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final, Generic, TypeVar, cast

__all__ = ["SuffixIndex", "is_suffix", "normalise_suffix"]

V = TypeVar("V")

_ABSENT: Final = object()
_INNER: Final = object()  # a tail of some key that is not itself a key


def normalise_suffix(suffix: str) -> str:
    """Lower-case, without one trailing dot and without a leading ``*.`` or ``.``."""
    name = suffix.strip().lower()
    if name.endswith("."):
        name = name[:-1]
    if name.startswith("*."):
        name = name[2:]
    elif name.startswith("."):
        name = name[1:]
    return name


def is_suffix(name: str) -> bool:
    """Whether ``name`` (already normalised) can be a key: labels, none empty, no ``*``."""
    return bool(name) and "*" not in name and "" not in name.split(".")


def _tails(name: str) -> Iterator[str]:
    """``a.b.c`` -> ``c``, ``b.c``, ``a.b.c``."""
    pos = len(name)
    while pos > 0:
        pos = name.rfind(".", 0, pos)
        yield name[pos + 1 :]


class SuffixIndex(Generic[V]):
    """Domain suffix -> value, with most-specific-match lookup for hosts."""

    __slots__ = ("_nodes", "_table", "_tails")

    def __init__(self, items: Iterable[tuple[str, V]] = ()) -> None:
        self._table: dict[str, V] = {}
        # every tail of every key -> how many keys end with it
        self._tails: dict[str, int] = {}
        # every tail -> its value if it is a key, else _INNER (one probe per label)
        self._nodes: dict[str, object] = {}
        for suffix, value in items:
            self[suffix] = value

    def __setitem__(self, suffix: str, value: V) -> None:
        """Register (or replace) ``suffix``; ``ValueError`` if it is empty or has empty labels."""
        name = normalise_suffix(suffix)
        if not is_suffix(name):
            raise ValueError(f"not a domain suffix: {suffix!r}")
        if name not in self._table:
            for tail in _tails(name):
                self._tails[tail] = self._tails.get(tail, 0) + 1
                self._nodes.setdefault(tail, _INNER)
        self._table[name] = value
        self._nodes[name] = value

    def __delitem__(self, suffix: str) -> None:
        name = normalise_suffix(suffix)
        del self._table[name]
        self._nodes[name] = _INNER
        for tail in _tails(name):
            left = self._tails[tail] - 1
            if left:
                self._tails[tail] = left
            else:
                del self._tails[tail]
                del self._nodes[tail]

    def __getitem__(self, suffix: str) -> V:
        return self._table[normalise_suffix(suffix)]

    def __contains__(self, suffix: object) -> bool:
        return isinstance(suffix, str) and normalise_suffix(suffix) in self._table

    def __len__(self) -> int:
        return len(self._table)

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def items(self) -> Iterator[tuple[str, V]]:
        return iter(self._table.items())

    def get(self, suffix: str, default: V | None = None) -> V | None:
        """The value registered for exactly ``suffix`` (no suffix walk)."""
        return self._table.get(normalise_suffix(suffix), default)

    def find(self, host: str, *, floor: str | None = None) -> V | None:
        """The value of the most specific suffix covering ``host``, or ``None``.

        ``host`` may carry one trailing dot and any case. With ``floor`` (for
        instance the host's registrable domain, in lower case), suffixes
        shorter than ``floor`` are not considered: an entry for a public
        suffix such as ``com.cn`` then never captures ``example.com.cn``. A
        ``floor`` that is not ``host`` or a parent domain of it matches nothing.
        """
        if host.endswith("."):
            host = host[:-1]
        return self.find_normalised(host.lower(), floor)

    def find_normalised(self, host: str, floor: str | None = None) -> V | None:
        """:meth:`find` for a host already in lower case without a trailing dot."""
        nodes = self._nodes
        if floor is None:
            pos = host.rfind(".") + 1
        else:
            pos = len(host) - len(floor)
            if pos < 0 or (pos and host[pos - 1] != ".") or not host.endswith(floor):
                return None
        best: object = None
        while True:
            value = nodes.get(host[pos:], _ABSENT)
            if value is _ABSENT:
                break
            if value is not _INNER:
                best = value
            if pos <= 0:
                break
            pos = host.rfind(".", 0, pos - 1) + 1
        return cast("V | None", best)

    def match(self, host: str, *, floor: str | None = None) -> tuple[str, V] | None:
        """Like :meth:`find`, also returning the suffix that matched."""
        if host.endswith("."):
            host = host[:-1]
        host = host.lower()
        found = self._walk(host, floor)
        return None if found is None else (found, self._table[found])

    def find_all(self, host: str) -> list[tuple[str, V]]:
        """Every registered suffix covering ``host``, most specific first."""
        if host.endswith("."):
            host = host[:-1]
        host = host.lower()
        table = self._table
        tails = self._tails
        out: list[tuple[str, V]] = []
        pos = len(host)
        while pos > 0:
            pos = host.rfind(".", 0, pos) + 1
            name = host[pos:]
            if name not in tails:
                break
            if name in table:
                out.append((name, table[name]))
            pos -= 1
        out.reverse()
        return out

    def _walk(self, host: str, floor: str | None) -> str | None:
        """The longest key covering ``host`` (not shorter than ``floor``)."""
        tails = self._tails
        table = self._table
        if floor is None:
            pos = host.rfind(".") + 1
        else:
            pos = len(host) - len(floor)
            if pos < 0 or (pos and host[pos - 1] != ".") or not host.endswith(floor):
                return None
        best: str | None = None
        while True:
            name = host[pos:]
            if name not in tails:
                return best
            if name in table:
                best = name
            if pos <= 0:
                return best
            pos = host.rfind(".", 0, pos - 1) + 1
