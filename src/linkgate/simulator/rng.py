"""Seeded randomness for generated traffic: every draw comes from ``Random.random()``.

``random.Random(seed).random()`` gives the same sequence for an integer seed
on every platform and Python version; the helpers here build everything on
it (no ``choice``/``randrange``, whose algorithms are not promised), so a
seed always yields the same traffic, byte for byte.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")

DIGITS = "0123456789"
HEX = "0123456789abcdef"
LOWER = "abcdefghijklmnopqrstuvwxyz"
B36 = DIGITS + LOWER
B62 = DIGITS + LOWER + LOWER.upper()
B64URL = B62 + "-_"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class Rng:
    """A seeded source of draws; see the module docstring."""

    __slots__ = ("random",)

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed).random

    def below(self, n: int) -> int:
        """An integer in ``[0, n)``."""
        i = int(self.random() * n)
        return i if i < n else n - 1

    def between(self, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]``."""
        return lo + self.below(hi - lo + 1)

    def chance(self, p: float) -> bool:
        return self.random() < p

    def pick(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def text(self, alphabet: str, k: int) -> str:
        return "".join([alphabet[self.below(len(alphabet))] for _ in range(k)])

    def number(self, k: int) -> str:
        """``k`` decimal digits without a leading zero."""
        return "123456789"[self.below(9)] + self.text(DIGITS, k - 1)

    def shuffle(self, items: list[T]) -> None:
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]


class Weighted(Generic[T]):
    """A fixed weighted choice."""

    __slots__ = ("_cum", "_items", "_last", "_total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        if not pairs or any(weight < 0 for _, weight in pairs):
            raise ValueError("a weighted choice needs items with non-negative weights")
        self._items = [item for item, _ in pairs]
        self._cum = list(accumulate(float(weight) for _, weight in pairs))
        self._total = self._cum[-1]
        self._last = len(self._items) - 1
        if self._total <= 0:
            raise ValueError("a weighted choice needs a positive total weight")

    def draw(self, rng: Rng) -> T:
        i = bisect_right(self._cum, rng.random() * self._total)
        return self._items[i if i < self._last else self._last]

    @property
    def items(self) -> list[T]:
        return list(self._items)

    def share(self, item: T) -> float:
        """The probability of drawing ``item``."""
        total = 0.0
        previous = 0.0
        for candidate, cum in zip(self._items, self._cum, strict=True):
            if candidate == item:
                total += cum - previous
            previous = cum
        return total / self._total


class Zipf:
    """Ranks ``0 .. n-1`` drawn with probability proportional to ``1 / (rank + 1) ** s``."""

    __slots__ = ("_cum", "_last", "_total")

    def __init__(self, n: int, s: float) -> None:
        if n <= 0:
            raise ValueError("Zipf needs at least one rank")
        self._cum = list(accumulate((k + 1) ** -s for k in range(n)))
        self._total = self._cum[-1]
        self._last = n - 1

    def draw(self, rng: Rng) -> int:
        i = bisect_right(self._cum, rng.random() * self._total)
        return i if i < self._last else self._last

    def head_share(self, k: int) -> float:
        """The probability that a draw falls in the first ``k`` ranks."""
        if k <= 0:
            return 0.0
        return float(self._cum[min(k, self._last + 1) - 1] / self._total)
