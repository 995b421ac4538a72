"""A size-bounded, time-bounded cache of preview results (thread-safe, least recently used out)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["TtlLru"]

V = TypeVar("V")


class TtlLru(Generic[V]):
    """At most ``maxsize`` values, each for at most its TTL; the least recently used goes first."""

    def __init__(self, maxsize: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        if maxsize < 0:
            raise ValueError("maxsize must not be negative")
        self._maxsize = maxsize
        self._clock = clock
        self._data: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: str) -> V | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            if hit[0] <= self._clock():
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return hit[1]

    def put(self, key: str, value: V, ttl: float) -> None:
        if self._maxsize == 0 or ttl <= 0:
            return
        with self._lock:
            self._data[key] = (self._clock() + ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self._maxsize:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
