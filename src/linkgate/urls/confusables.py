"""UTS #39 building blocks: confusable skeletons, scripts and invisible characters.

The confusable data comes from the Unicode ``confusables.txt`` table as shipped
by the ``confusable-homoglyphs`` package. That package stores the table as an
undirected graph (each source character linked to its prototype and back), so
the prototype of each class is recovered here:

* every class is a star around its prototype; a class with a multi-character
  member has that member as prototype (sources are single code points);
* a class of three or more members has the member linked to all others;
* a two-member class is ambiguous in that graph; the member that is not
  NFD-stable is preferred (a source that NFD rewrites could never match), then
  an ASCII member, then the lower code point.

For a two-member class the chosen representative may differ from the one in
``confusables.txt``, but every member of a class maps to the same string, and
the mapping is closed (applied to its own output it changes nothing), so two
strings have equal :func:`skeleton` exactly when UTS #39 says they are
confusable. Skeleton strings are for comparing with each other only.

:func:`host_skeleton` folds case after mapping (host names are
case-insensitive), which makes ``0`` ~ ``o`` and ``1`` ~ ``I`` ~ ``l`` as well as
``rn`` ~ ``m``; it is what the deception detector compares.
"""

from __future__ import annotations

import bisect
import json
import unicodedata
from functools import cache, lru_cache
from importlib import resources

__all__ = [
    "INVISIBLE_CLASS",
    "INVISIBLE_RANGES",
    "ascii_host_skeleton",
    "host_skeleton",
    "is_highly_restrictive",
    "is_invisible",
    "scripts_of",
    "skeleton",
]

_LRM = "\u200e"

# Default_Ignorable_Code_Point (DerivedCoreProperties.txt) plus the controls and
# separators that render as nothing inside a link.
INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F),  # C0 controls (tab, newline, NUL, ...)
    (0x007F, 0x009F),  # DEL and C1 controls
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul choseong / jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors and vowel separator
    (0x200B, 0x200F),  # zero-width space / non-joiner / joiner, LRM, RLM
    (0x2028, 0x2029),  # line and paragraph separators
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # zero-width no-break space (BOM)
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFFB),  # unassigned specials, interlinear annotation marks
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)

_INVISIBLE_STARTS = [lo for lo, _ in INVISIBLE_RANGES]


def is_invisible(ch: str) -> bool:
    """True for a character that renders as nothing (or moves text) in a link."""
    cp = ord(ch)
    i = bisect.bisect_right(_INVISIBLE_STARTS, cp) - 1
    return i >= 0 and cp <= INVISIBLE_RANGES[i][1]


def _invisible_class() -> str:
    parts = []
    for lo, hi in INVISIBLE_RANGES:
        parts.append(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}")
    return "[" + "".join(parts) + "]"


INVISIBLE_CLASS = _invisible_class()
"""A regular-expression character class matching :data:`INVISIBLE_RANGES`."""

_REMOVE_INVISIBLE = {
    cp: None for lo, hi in INVISIBLE_RANGES if lo >= 0x80 for cp in range(lo, hi + 1)
}


def _component_prototype(members: set[str], adjacency: dict[str, set[str]]) -> str:
    multi = sorted(m for m in members if len(m) > 1)
    if multi:
        return multi[0]
    if len(members) > 2:
        centres = sorted(m for m in members if len(adjacency[m]) == len(members) - 1)
        if centres:
            return centres[0]

    def preference(ch: str) -> tuple[bool, bool, int]:
        return (unicodedata.normalize("NFD", ch) == ch, not ch.isascii(), ord(ch))

    return min(members, key=preference)


@cache
def _prototypes() -> dict[int, str]:
    """Map code point -> prototype string (NFD), closed under itself."""
    source = resources.files("confusable_homoglyphs").joinpath("confusables.json")
    graph: dict[str, list[dict[str, str]]] = json.loads(source.read_text(encoding="utf-8"))
    adjacency: dict[str, set[str]] = {}
    for key, entries in graph.items():
        a = key.replace(_LRM, "")
        for entry in entries:
            b = entry["c"].replace(_LRM, "")
            if not a or not b or a == b:
                continue
            adjacency.setdefault(a, set()).add(b)
            adjacency.setdefault(b, set()).add(a)
    mapping: dict[int, str] = {}
    seen: set[str] = set()
    for start in adjacency:
        if start in seen:
            continue
        members: set[str] = set()
        stack = [start]
        while stack:
            node = stack.pop()
            if node not in members:
                members.add(node)
                stack.extend(adjacency[node])
        seen |= members
        prototype = unicodedata.normalize("NFD", _component_prototype(members, adjacency))
        for member in members:
            if len(member) == 1 and member != prototype:
                mapping[ord(member)] = prototype
    # Close the mapping: a prototype made of characters that are themselves
    # mapped elsewhere (e.g. a two-member class whose representative was
    # chosen differently) is rewritten until nothing changes.
    for _ in range(8):
        changed = False
        for cp, target in mapping.items():
            new = unicodedata.normalize("NFD", target.translate(mapping))
            if new != target:
                mapping[cp] = new
                changed = True
        if not changed:
            break
    # A character mapped to itself after closure carries no information.
    return {cp: t for cp, t in mapping.items() if t != chr(cp)}


def skeleton(text: str) -> str:
    """UTS #39 skeleton: NFD, drop default-ignorables, map to prototypes, NFD."""
    nfd = unicodedata.normalize("NFD", text)
    mapped = nfd.translate(_REMOVE_INVISIBLE).translate(_prototypes())
    return unicodedata.normalize("NFD", mapped)


def _ascii_host_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0x80):
        folded = _host_skeleton_slow(chr(cp))
        if folded != chr(cp):
            table[cp] = folded
    return table


def _host_skeleton_slow(host: str) -> str:
    return skeleton(skeleton(host).lower())


@cache
def _ascii_table() -> dict[int, str]:
    return _ascii_host_table()


# The lower-case ASCII characters that change, as derived from the data when
# this module was written; checked against the data on first use.
_LOWER_ASCII_CHANGES = {"m": "rn", "0": "o", "1": "l"}
_RARE_ASCII = '"%`|'
_lower_fast_path: bool | None = None


def _check_lower_fast_path() -> bool:
    global _lower_fast_path
    derived = {chr(cp): t for cp, t in _ascii_table().items() if not chr(cp).isupper()}
    expected_rare = {c for c in derived if c not in _LOWER_ASCII_CHANGES}
    _lower_fast_path = all(
        derived.get(c) == t for c, t in _LOWER_ASCII_CHANGES.items()
    ) and expected_rare <= set(_RARE_ASCII)
    return _lower_fast_path


def lower_fast_path() -> bool:
    """Whether the skeleton of a lower-case ASCII host without ``"%`|`` is its three
    replacements (``m`` -> ``rn``, ``0`` -> ``o``, ``1`` -> ``l``), as the data gives today."""
    return _lower_fast_path if _lower_fast_path is not None else _check_lower_fast_path()


def ascii_host_skeleton(host: str) -> str:
    """:func:`host_skeleton` for an ASCII string.

    Host names arrive lower-cased, and only ``m`` -> ``rn``, ``0`` -> ``o`` and
    ``1`` -> ``l`` change among the characters a host name usually holds, so
    the common case is three replacements.
    """
    fast = _lower_fast_path if _lower_fast_path is not None else _check_lower_fast_path()
    if not fast or not host.islower() or '"' in host or "%" in host or "`" in host or "|" in host:
        return host.translate(_ascii_table())
    return host.replace("m", "rn").replace("0", "o").replace("1", "l")


@lru_cache(maxsize=1 << 14)
def host_skeleton(host: str) -> str:
    """Case-folded skeleton of a host name or label (see the module docstring)."""
    if host.isascii():
        return ascii_host_skeleton(host)
    return _host_skeleton_slow(host)


# ---------------------------------------------------------------------------
# Scripts (Scripts.txt, as shipped by confusable-homoglyphs)

_IGNORED_SCRIPTS = frozenset({"COMMON", "INHERITED", "Unknown"})
_HIGHLY_RESTRICTIVE_SETS = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)


@cache
def _script_ranges() -> tuple[list[int], list[int], list[str]]:
    source = resources.files("confusable_homoglyphs").joinpath("categories.json")
    data = json.loads(source.read_text(encoding="utf-8"))
    aliases: list[str] = data["iso_15924_aliases"]
    starts: list[int] = []
    ends: list[int] = []
    names: list[str] = []
    for lo, hi, alias, _category in sorted(data["code_points_ranges"]):
        starts.append(lo)
        ends.append(hi)
        names.append(aliases[alias])
    return starts, ends, names


@lru_cache(maxsize=1 << 12)
def _script(ch: str) -> str:
    starts, ends, names = _script_ranges()
    cp = ord(ch)
    i = bisect.bisect_right(starts, cp) - 1
    if i >= 0 and cp <= ends[i]:
        return names[i]
    return "Unknown"


def scripts_of(text: str) -> frozenset[str]:
    """Scripts used by ``text``, ignoring Common, Inherited and unassigned characters.

    Names are upper-case Unicode script names (``LATIN``, ``CYRILLIC``, ``HAN``).
    """
    if text.isascii():
        return frozenset({"LATIN"}) if any(c.isalpha() for c in text) else frozenset()
    found = {_script(ch) for ch in text}
    return frozenset(found - _IGNORED_SCRIPTS)


def is_highly_restrictive(label: str) -> bool:
    """UTS #39 "highly restrictive" script profile for one label.

    Allowed: a single script, or a subset of Latin + Han + Hiragana + Katakana,
    Latin + Han + Bopomofo, or Latin + Han + Hangul.
    """
    scripts = scripts_of(label)
    if len(scripts) <= 1:
        return True
    return any(scripts <= allowed for allowed in _HIGHLY_RESTRICTIVE_SETS)
