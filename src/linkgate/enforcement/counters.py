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
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from linkgate.enforcement.spam import Counts


@dataclass(frozen=True, slots=True)
class Share:
    """One share as the counters see it: pseudonymous ids and the canonical link."""

    event: str
    sender: str
    recipients: tuple[str, ...]
    link: str
    platform: str | None
    at: float
    """Seconds since the epoch."""


@dataclass(frozen=True, slots=True)
class CountPlan:
    """Which counts to keep, compiled once per policy: (measure, window, seconds) each."""

    items: tuple[tuple[str, timedelta, float], ...]

    @classmethod
    def of(
        cls, wants: Sequence[tuple[str, timedelta]], forward_windows: Sequence[timedelta]
    ) -> CountPlan:
        pairs = [*wants, *(("forwards", w) for w in forward_windows)]
        return cls(tuple((m, w, w.total_seconds()) for m, w in dict.fromkeys(pairs)))

    def __bool__(self) -> bool:
        return bool(self.items)


class ShareCounter(Protocol):
    def observe(self, share: Share, plan: CountPlan) -> Counts: ...


def _link_key(link: str) -> str:
    return hashlib.sha256(link.encode("utf-8", "surrogatepass")).hexdigest()[:20]


class _Events:
    """Event times, oldest first."""

    __slots__ = ("start", "times")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.start = 0

    def add(self, now: float, horizon: float) -> None:
        times = self.times
        times.append(now)
        start = bisect_right(times, horizon, self.start)
        if start > 1024 and start * 2 > len(times):
            del times[:start]
            start = 0
        self.start = start

    def count_since(self, since: float) -> int:
        return len(self.times) - bisect_right(self.times, since, self.start)


class _Distinct:
    """Members seen within one window, by last-seen time, oldest first (dicts keep order)."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}

    def add(self, member: str, now: float, since: float) -> int:
        """Record ``member`` at ``now``, forget who was last seen at or before ``since``,
        and return how many are left (amortised constant time)."""
        seen = self.seen
        seen.pop(member, None)
        seen[member] = now
        while True:
            oldest = next(iter(seen))
            if seen[oldest] > since:
                return len(seen)
            del seen[oldest]


class LocalCounter:
    """Counts in this process (the embedded default, and the fallback when Redis is away).

    Distinct counts keep, per (sender, link or platform, window), members by
    last-seen time, trimmed from the oldest end; event counts keep a list of
    times, trimmed by bisection. Both are amortised constant time per share.
    """

    def __init__(self, *, max_keys: int = 500_000) -> None:
        self._distinct: dict[tuple[str, str, float], _Distinct] = {}
        self._events: dict[tuple[str, str, float], _Events] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def observe(self, share: Share, plan: CountPlan) -> Counts:
        now = share.at
        by: dict[tuple[str, timedelta], int] = {}
        forwards: dict[timedelta, int] = {}
        with self._lock:
            if len(self._distinct) + len(self._events) > self._max_keys:
                self._distinct.clear()
                self._events.clear()
            for measure, w, seconds in plan.items:
                if measure == "link_recipients" or measure == "platform_recipients":
                    subject = share.link if measure == "link_recipients" else share.platform
                    if subject is None:
                        continue
                    key = (share.sender, subject, seconds)
                    members = self._distinct.get(key)
                    if members is None:
                        members = self._distinct[key] = _Distinct()
                    for recipient in share.recipients:
                        count = members.add(recipient, now, now - seconds)
                    by[(measure, w)] = count if share.recipients else len(members.seen)
                    continue
                subject = share.sender if measure == "shares" else share.link
                ekey = (measure, subject, seconds)
                events = self._events.get(ekey)
                if events is None:
                    events = self._events[ekey] = _Events()
                events.add(now, now - seconds)
                count = len(events.times) - events.start
                if measure == "forwards":
                    forwards[w] = count
                else:
                    by[(measure, w)] = count
        return Counts(by, forwards)


class RedisCounter:
    """Counts in Redis sorted sets (member → time), one pipelined transaction per share."""

    def __init__(self, client: Any, *, prefix: str = "linkgate:cnt:") -> None:
        self._client = client
        self._prefix = prefix

    def observe(self, share: Share, plan: CountPlan) -> Counts:
        now = share.at
        link = _link_key(share.link)
        p = self._prefix
        pipe = self._client.pipeline(transaction=True)
        answers: list[tuple[str, timedelta, int]] = []  # measure, window, index of the count
        calls = 0
        for measure, w, seconds in plan.items:
            if measure == "shares":
                key, member = f"{p}sh:{share.sender}:{int(seconds)}", share.event
            elif measure == "forwards":
                key, member = f"{p}fw:{link}:{int(seconds)}", share.event
            elif measure == "link_recipients":
                key, member = f"{p}sl:{share.sender}:{link}:{int(seconds)}", None
            elif share.platform is not None:
                key, member = f"{p}sp:{share.sender}:{share.platform}:{int(seconds)}", None
            else:
                continue
            members = {member: now} if member is not None else dict.fromkeys(share.recipients, now)
            if not members:
                continue
            pipe.zadd(key, members)
            pipe.zremrangebyscore(key, "-inf", now - seconds)
            pipe.zcard(key)
            pipe.expire(key, int(seconds) + 60)
            answers.append((measure, w, calls + 2))
            calls += 4
        results = pipe.execute() if calls else []
        by: dict[tuple[str, timedelta], int] = {}
        forwards: dict[timedelta, int] = {}
        for measure, w, index in answers:
            if measure == "forwards":
                forwards[w] = int(results[index])
            else:
                by[(measure, w)] = int(results[index])
        return Counts(by, forwards)
