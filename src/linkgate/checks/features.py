"""What the model reads in a text: jieba words and character 1-3 grams.

The same function turns a text into features when the model is trained and
when it scores, so the two can never drift apart. Digits are folded to
``0`` (a lure says 3 groups or 5 groups alike), whitespace separates but is
not a feature, and jieba's dictionary loads on first use only.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from typing import Any, Final

from linkgate.checks.text import prepare

#: Character n-gram lengths, and the prefixes that keep the feature kinds apart.
CHAR_NGRAMS: Final = (1, 2, 3)
WORD_PREFIX: Final = "w:"
CHAR_PREFIX: Final = "c:"

_DIGITS = re.compile(r"[0-9]+")
_SKIP_WORD = re.compile(r"[\s\W_]+")

_lock = threading.Lock()
_tokenizer: Any = None


def tokenizer() -> Any:
    """jieba's tokenizer, initialised once per process (its dictionary takes ~1 s)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                _tokenizer = tok
    return _tokenizer


def words(folded: str) -> list[str]:
    """jieba's words of an already folded text, without punctuation and spaces."""
    out: list[str] = []
    for word in tokenizer().cut(folded, HMM=False):
        if not _SKIP_WORD.fullmatch(word):
            out.append(word)
    return out


def features(text: str) -> Counter[str]:
    """Feature counts of ``text``: ``w:`` jieba words, ``c:`` character n-grams."""
    folded = _DIGITS.sub("0", prepare(text).folded)
    counts: Counter[str] = Counter()
    for word in words(folded):
        counts[WORD_PREFIX + word] += 1
    for run in folded.split():
        for n in CHAR_NGRAMS:
            for i in range(len(run) - n + 1):
                counts[CHAR_PREFIX + run[i : i + n]] += 1
    return counts
