"""Sliding-window share counters: in-process for one server, Redis across replicas.

One ``observe`` call records a share and returns every count the rules
need, in one step: distinct recipients of the same link and of the same
platform's links per sender, shares per sender, and shares of the link
overall, each over the configured windows. The Redis version does this in
one round trip (a server-side script), so counts are global and exact
across replicas. Keys carry only pseudonyms and link hashes.
"""

from __future__ import annotations

import hashlib
import threading
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NamedTuple, Protocol

from redis.exceptions import NoScriptError

from linkgate.enforcement.spam import Counts


class Share(NamedTuple):
    """One share as the counters see it: pseudonymous ids and the canonical link.

    A named tuple: one is made for every counted share, and it is the cheapest
    immutable record to make.
    """

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
    steps: tuple[Step, ...] = field(default=(), compare=False, repr=False)
    """The items as the in-process counter walks them (see :func:`_steps`)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", _steps(self.items))

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


_LINK, _PLATFORM, _SHARES, _FORWARDS = 0, 1, 2, 3
_KINDS = {"link_recipients": _LINK, "platform_recipients": _PLATFORM, "shares": _SHARES}

Step = tuple[int, int, Any, float]
"""(kind, index, output key, seconds): ``index`` is the step's slot in the sender's
state (distinct and share counts) or in the link's state (forward counts)."""


def _steps(items: Sequence[tuple[str, timedelta, float]]) -> tuple[Step, ...]:
    sender_slots = 0
    link_slots = 0
    out: list[Step] = []
    for measure, w, seconds in items:
        kind = _KINDS.get(measure, _FORWARDS)
        if kind == _FORWARDS:
            out.append((kind, link_slots, w, seconds))
            link_slots += 1
        else:
            out.append((kind, sender_slots, (measure, w), seconds))
            sender_slots += 1
    return tuple(out)


class _Times:
    """Event times, oldest first; the live ones start at ``head``."""

    __slots__ = ("head", "times")

    def __init__(self, now: float) -> None:
        self.head = 0
        self.times = [now]


class _Distinct:
    """Distinct members by subject within one window.

    ``seen`` maps each subject to its members' last-seen times; ``log`` lists
    every (time, subject, member) sighting in time order, live from ``head``.
    Trimming walks the log from the oldest end and forgets a member when its
    oldest sighting is its last one, and a subject when it has no members
    left, so the work per share is amortised constant and memory follows the
    window.
    """

    __slots__ = ("head", "log", "seen")

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, float]] = {}
        self.log: list[tuple[float, str, str]] = []
        self.head = 0

    def trim(self, since: float) -> None:
        log = self.log
        seen = self.seen
        head = self.head
        end = len(log)
        while head < end:
            at, subject, member = log[head]
            if at > since:
                break
            head += 1
            members = seen.get(subject)  # gone if sighted twice at one time
            if members is not None and members.get(member) == at:
                del members[member]
                if not members:
                    del seen[subject]
        if head > 1024 and head * 2 > end:
            del log[:head]
            head = 0
        self.head = head


class LocalCounter:
    """Counts in this process (the embedded default, and the fallback when Redis is away).

    State is kept per sender (for each distinct count, recipients by link or
    platform; share times) and per link (forward times), one slot per plan
    step, so one share looks up two table entries. Distinct counts forget
    members through a log of sightings (:class:`_Distinct`); event counts keep
    a list of times, trimmed by bisection. Both are amortised constant time
    per share.

    A plan with other measures or windows (a newly published policy that
    changed them) starts the counts afresh; more than ``max_keys`` entries do
    too, which bounds memory.
    """

    def __init__(self, *, max_keys: int = 500_000) -> None:
        self._senders: dict[str, list[Any]] = {}
        self._links: dict[str, list[_Times | None]] = {}
        self._plan: CountPlan | None = None
        self._keys = 0
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def _clear(self) -> None:
        self._senders.clear()
        self._links.clear()
        self._keys = 0

    def observe(self, share: Share, plan: CountPlan) -> Counts:
        now = share.at
        recipients = share.recipients
        by: dict[tuple[str, timedelta], int] = {}
        forwards: dict[timedelta, int] = {}
        with self._lock:
            if plan is not self._plan:
                if self._plan is None or self._plan.items != plan.items:
                    self._clear()
                self._plan = plan
            if self._keys > self._max_keys:
                self._clear()
            state = self._senders.get(share.sender)
            if state is None:
                state = self._senders[share.sender] = [None] * len(plan.steps)
                self._keys += 1
            linked: list[_Times | None] | None = None
            for kind, index, out, seconds in plan.steps:
                since = now - seconds
                if kind <= _PLATFORM:
                    subject = share.link if kind == _LINK else share.platform
                    if subject is None:
                        continue
                    distinct: _Distinct | None = state[index]
                    if distinct is None:
                        distinct = state[index] = _Distinct()
                    log = distinct.log
                    if distinct.head < len(log) and log[distinct.head][0] <= since:
                        distinct.trim(since)
                    seen = distinct.seen.get(subject)
                    if seen is None:
                        seen = distinct.seen[subject] = {}
                    for recipient in recipients:
                        seen[recipient] = now
                        log.append((now, subject, recipient))
                    by[out] = len(seen)
                    continue
                if kind == _SHARES:
                    slots = state
                else:
                    if linked is None:
                        linked = self._links.get(share.link)
                        if linked is None:
                            linked = self._links[share.link] = [None] * len(plan.steps)
                            self._keys += 1
                    slots = linked
                found: _Times | None = slots[index]
                if found is None:
                    slots[index] = _Times(now)
                    count = 1
                else:
                    times = found.times
                    times.append(now)
                    head = found.head
                    if times[head] <= since:
                        head = bisect_right(times, since, head)
                        if head > 1024 and head * 2 > len(times):
                            del times[:head]
                            head = 0
                        found.head = head
                    count = len(times) - head
                if kind == _FORWARDS:
                    forwards[out] = count
                else:
                    by[out] = count
        return Counts(by, forwards)


_OBSERVE_LUA = """
-- KEYS: one sorted set (member -> time) per count.
-- ARGV: now, then for each key: horizon, ttl, n, and n members.
local now = ARGV[1]
local at = 2
local out = {}
for i, key in ipairs(KEYS) do
  local horizon = ARGV[at]
  local ttl = ARGV[at + 1]
  local n = tonumber(ARGV[at + 2])
  at = at + 3
  for j = 1, n do
    redis.call('ZADD', key, now, ARGV[at])
    at = at + 1
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', horizon)
  out[i] = redis.call('ZCARD', key)
  redis.call('EXPIRE', key, ttl)
end
return out
"""


class RedisCounter:
    """Counts in Redis sorted sets (member → time), one script call per share.

    The script adds the share to every count, drops what left the window and
    reads the counts, atomically and in one round trip (``EVALSHA``; the
    script is loaded again if the server forgot it).
    """

    def __init__(self, client: Any, *, prefix: str = "linkgate:cnt:") -> None:
        self._client = client
        self._prefix = prefix
        self._sha = hashlib.sha1(_OBSERVE_LUA.encode()).hexdigest()

    def _run(self, keys: list[str], args: list[Any]) -> list[int]:
        try:
            return self._client.evalsha(self._sha, len(keys), *keys, *args)  # type: ignore[no-any-return]
        except NoScriptError:  # a restarted or flushed server: load the script and go on
            self._client.script_load(_OBSERVE_LUA)
            return self._client.evalsha(self._sha, len(keys), *keys, *args)  # type: ignore[no-any-return]

    def observe(self, share: Share, plan: CountPlan) -> Counts:
        now = share.at
        link = _link_key(share.link)
        p = self._prefix
        keys: list[str] = []
        args: list[Any] = [repr(now)]
        answers: list[tuple[str, timedelta]] = []
        for measure, w, seconds in plan.items:
            span = int(seconds)
            members: Sequence[str]
            if measure == "shares":
                key, members = f"{p}sh:{share.sender}:{span}", (share.event,)
            elif measure == "forwards":
                key, members = f"{p}fw:{link}:{span}", (share.event,)
            elif measure == "link_recipients":
                key, members = f"{p}sl:{share.sender}:{link}:{span}", share.recipients
            elif share.platform is not None:
                key, members = f"{p}sp:{share.sender}:{share.platform}:{span}", share.recipients
            else:
                continue
            if not members:
                continue
            keys.append(key)
            args += (repr(now - seconds), span + 60, len(members), *members)
            answers.append((measure, w))
        results = self._run(keys, args) if keys else []
        by: dict[tuple[str, timedelta], int] = {}
        forwards: dict[timedelta, int] = {}
        for (measure, w), count in zip(answers, results, strict=True):
            if measure == "forwards":
                forwards[w] = int(count)
            else:
                by[(measure, w)] = int(count)
        return Counts(by, forwards)
