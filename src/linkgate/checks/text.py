"""Text as the checks see it: normalised, with a way back to the original offsets.

Preview texts arrive in full-width forms (``１０个群``), mixed case, with
zero-width characters wedged between the words a filter would look for.
:func:`prepare` folds each character with NFKC and lower case, drops
invisible format characters, and remembers for every character of the
result which character of the input it came from, so a match found in the
folded text is reported as a span of the text the caller gave.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

#: Longest input the checks read; the rest of a longer text is ignored.
MAX_CHARS: Final = 4096


@dataclass(frozen=True, slots=True)
class Prepared:
    """``folded`` is the normalised text; ``origin[i]`` is the input index of ``folded[i]``."""

    original: str
    folded: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The input span ``[start', end')`` that produced ``folded[start:end]``."""
        if start >= end:
            at = self.origin[start] if start < len(self.origin) else len(self.original)
            return at, at
        return self.origin[start], self.origin[end - 1] + 1


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    if unicodedata.category(char) in ("Cf", "Cc", "Cs", "Co", "Cn") and char not in "\t\n":
        return ""
    folded = unicodedata.normalize("NFKC", char).lower()
    return " " if folded.isspace() else folded


def prepare(text: str) -> Prepared:
    """Fold ``text`` (at most :data:`MAX_CHARS` characters of it) for matching."""
    original = text[:MAX_CHARS]
    parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(original):
        folded = _fold_char(char)
        if not folded:
            continue
        parts.append(folded)
        origin.extend([index] * len(folded))
    return Prepared(original, "".join(parts), tuple(origin))
