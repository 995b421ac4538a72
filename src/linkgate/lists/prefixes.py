"""Safe Browsing v4-style hash-prefix lists: export, and the check a client runs locally.

A client that holds the prefix list can tell, without sending the link
anywhere, whether a link *may* be listed: it computes the link's lookup
expressions (:func:`linkgate.urls.canonical.expressions`), hashes each with
SHA-256 and looks the first 4 bytes up in the list. No hit means the link
is not listed. A hit means it is listed or collides with a listed prefix
(about one chance in 2**32 / N per expression for N prefixes); the client
then asks for the decision, revealing only the prefix or the link.

What is in the list: the 4-byte prefix of the SHA-256 of every listed
lookup expression (``evil.top/phish/x.html``), of ``domain/`` for every
listed domain (``evil.top/``, the expression that covers the domain's
hosts), and the first 4 bytes of every listed full hash.

File formats (``linkgate lists export --hash-prefixes FILE``):

``binary`` (the default)
    the prefixes concatenated, 4 bytes each, sorted as unsigned big-endian
    numbers (byte order), without duplicates, no header: a file of ``4 * N``
    bytes, whose ``i``-th prefix is bytes ``4*i .. 4*i+3``. Binary-search it.
``hex``
    the same prefixes, one per line as 8 lower-case hex digits, sorted.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from hashlib import sha256
from pathlib import Path
from typing import Final, Literal

from linkgate.urls.canonical import canonicalize_raw, expressions

__all__ = [
    "PREFIX_LENGTH",
    "HashPrefixSet",
    "PrefixFormat",
    "encode_prefixes",
    "listed_prefixes",
    "lookup_prefixes",
]

PREFIX_LENGTH: Final = 4
PrefixFormat = Literal["binary", "hex"]


def _prefix(expression: str) -> bytes:
    return sha256(expression.encode("utf-8", "surrogatepass")).digest()[:PREFIX_LENGTH]


def listed_prefixes(
    *,
    domains: Iterable[str] = (),
    expressions: Iterable[str] = (),
    full_hashes: Iterable[bytes] = (),
) -> list[bytes]:
    """The sorted, distinct 4-byte prefixes of listed domains, expressions and full hashes."""
    out: set[bytes] = set()
    out.update(_prefix(d + "/") for d in domains)
    out.update(_prefix(e) for e in expressions)
    out.update(bytes(h[:PREFIX_LENGTH]) for h in full_hashes)
    return sorted(out)


def encode_prefixes(prefixes: Iterable[bytes], format: PrefixFormat = "binary") -> bytes:
    """The file content for sorted, distinct ``prefixes`` in ``format``."""
    ordered = sorted(set(prefixes))
    if any(len(p) != PREFIX_LENGTH for p in ordered):
        raise ValueError(f"every prefix must be {PREFIX_LENGTH} bytes")
    if format == "binary":
        return b"".join(ordered)
    if format == "hex":
        return b"".join(p.hex().encode() + b"\n" for p in ordered)
    raise ValueError(f"unknown prefix format {format!r}; expected binary or hex")


class HashPrefixSet:
    """A sorted prefix list as a client holds it: membership by binary search."""

    __slots__ = ("_data", "_n")

    def __init__(self, data: bytes) -> None:
        """``data`` in the binary format (``4 * N`` bytes, sorted)."""
        if len(data) % PREFIX_LENGTH:
            raise ValueError(f"a binary prefix list is a multiple of {PREFIX_LENGTH} bytes long")
        self._data = bytes(data)
        self._n = len(data) // PREFIX_LENGTH

    @classmethod
    def from_hex(cls, text: str) -> HashPrefixSet:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        try:
            prefixes = [bytes.fromhex(line) for line in lines]
        except ValueError:
            raise ValueError("a hex prefix list has one 8-digit hex prefix per line") from None
        return cls(encode_prefixes(prefixes, "binary"))

    @classmethod
    def load(cls, path: str | Path, format: PrefixFormat = "binary") -> HashPrefixSet:
        data = Path(path).read_bytes()
        if format == "hex":
            return cls.from_hex(data.decode("ascii"))
        return cls(data)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index: int) -> bytes:
        if not 0 <= index < self._n:
            raise IndexError(index)
        start = index * PREFIX_LENGTH
        return self._data[start : start + PREFIX_LENGTH]

    def __contains__(self, prefix: object) -> bool:
        if not isinstance(prefix, bytes | bytearray) or len(prefix) != PREFIX_LENGTH:
            return False
        at = bisect_left(self, bytes(prefix))
        return at < self._n and self[at] == prefix


def lookup_prefixes(url: str, prefixes: HashPrefixSet) -> list[str]:
    """The link's lookup expressions whose hash prefix is in ``prefixes`` (most specific first).

    Empty: the link is on no list the prefixes came from. Not empty: it may
    be (or a prefix collides); ask the gateway for the decision.
    """
    canonical = canonicalize_raw(url)
    if canonical is None:
        return []
    return [e for e in expressions(canonical) if _prefix(e) in prefixes]
