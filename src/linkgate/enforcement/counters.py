"""Sliding-window share counters: in-process for one server, Redis across replicas.

One ``observe`` call records a share and returns every count the rules
need, in one step: distinct recipients of the same link and of the same
platform's links per sender, shares per sender, and shares of the link
overall, each over the configured windows. The Redis version does this in
one pipelined ``MULTI``/``EXEC`` round trip, so counts are global and exact
across replicas. Keys carry only pseudonyms and link hashes.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from linkgate.enforcement.spam import Counts


@dataclass(frozen=True, slots=True)
class Share:
    """One share as the counters see it: pseudonymous ids and the canonical link."""

    event: str
    sender: str
    recipient: str
    link: str
    platform: str | None
    at: datetime


class ShareCounter(Protocol):
    def observe(
        self, share: Share, windows: Sequence[timedelta], forward_windows: Sequence[timedelta]
    ) -> Counts: ...


def _link_key(link: str) -> str:
    return hashlib.sha256(link.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _keys(share: Share, prefix: str) -> dict[str, tuple[str, str]]:
    """Counter key and member for each measure."""
    link = _link_key(share.link)
    keys = {
        "link_recipients": (f"{prefix}sl:{share.sender}:{link}", share.recipient),
        "shares": (f"{prefix}sh:{share.sender}", share.event),
        "forwards": (f"{prefix}fw:{link}", share.event),
    }
    if share.platform is not None:
        keys["platform_recipients"] = (
            f"{prefix}sp:{share.sender}:{share.platform}",
            share.recipient,
        )
    return keys


class LocalCounter:
    """Counts in this process (the embedded default, and the fallback when Redis is away)."""

    def __init__(self, *, max_keys: int = 500_000) -> None:
        self._sets: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def observe(
        self, share: Share, windows: Sequence[timedelta], forward_windows: Sequence[timedelta]
    ) -> Counts:
        now = share.at.timestamp()
        longest = max((*windows, *forward_windows), default=timedelta(0)).total_seconds()
        by: dict[tuple[str, timedelta], int] = {}
        forwards: dict[timedelta, int] = {}
        with self._lock:
            if len(self._sets) > self._max_keys:
                self._sweep(now - longest)
            for measure, (key, member) in _keys(share, "").items():
                members = self._sets.setdefault(key, {})
                members[member] = now
                stale = [m for m, t in members.items() if t <= now - longest]
                for m in stale:
                    del members[m]
                wanted = forward_windows if measure == "forwards" else windows
                for w in wanted:
                    since = now - w.total_seconds()
                    count = sum(1 for t in members.values() if t > since)
                    if measure == "forwards":
                        forwards[w] = count
                    else:
                        by[(measure, w)] = count
        return Counts(by, forwards)

    def _sweep(self, before: float) -> None:
        for key in list(self._sets):
            members = self._sets[key]
            if all(t <= before for t in members.values()):
                del self._sets[key]


class RedisCounter:
    """Counts in Redis sorted sets (member → time), one pipelined transaction per share."""

    def __init__(self, client: Any, *, prefix: str = "linkgate:cnt:") -> None:
        self._client = client
        self._prefix = prefix

    def observe(
        self, share: Share, windows: Sequence[timedelta], forward_windows: Sequence[timedelta]
    ) -> Counts:
        now = share.at.timestamp()
        longest = max((*windows, *forward_windows), default=timedelta(0)).total_seconds()
        pipe = self._client.pipeline(transaction=True)
        wanted: list[tuple[str, timedelta, int]] = []  # measure, window, index of the answer
        calls = 0
        for measure, (key, member) in _keys(share, self._prefix).items():
            pipe.zadd(key, {member: now})
            pipe.zremrangebyscore(key, "-inf", now - longest)
            calls += 2
            for w in forward_windows if measure == "forwards" else windows:
                pipe.zcount(key, f"({now - w.total_seconds()}", "+inf")
                wanted.append((measure, w, calls))
                calls += 1
            pipe.expire(key, int(longest) + 60)
            calls += 1
        results = pipe.execute()
        by: dict[tuple[str, timedelta], int] = {}
        forwards: dict[timedelta, int] = {}
        for measure, w, index in wanted:
            if measure == "forwards":
                forwards[w] = int(results[index])
            else:
                by[(measure, w)] = int(results[index])
        return Counts(by, forwards)
