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
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final, NamedTuple, Protocol

from redis.exceptions import NoScriptError

from linkgate.enforcement.spam import Counts
from linkgate.records import tuple_builder

log = logging.getLogger("linkgate.counters")


class Share(NamedTuple):
    """One share as the counters see it: pseudonymous ids and the canonical link.

    A named tuple: one is made for every counted share, and it is the cheapest
    immutable record to make.
    """

    event: str
    """The share's id, unique per share for the shared counters (members of their sorted
    sets); the in-process counters do not read it, and are given ``""``."""
    sender: str
    recipients: tuple[str, ...]
    link: str
    platform: str | None
    at: float
    """Seconds since the epoch."""


make_share: Final[Callable[[str, str, tuple[str, ...], str, str | None, float], Share]] = (
    tuple_builder(Share)
)
"""``make_share(event, sender, recipients, link, platform, at)`` is
``Share(event, sender, recipients, link, platform, at)``, made in one compiled call
(``linkgate._slots.Builder``) where it is compiled: about 50 ns, against
166 for the named tuple's ``__new__`` (Python) and 109 for ``tuple.__new__(Share, fields)``
(which makes a plain tuple first), on every counted share."""


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

Step = tuple[int, Any, float]
"""(kind, output key, seconds): one count as :class:`LocalCounter` keeps it; the output
key is what :class:`~linkgate.enforcement.spam.Counts` files the count under."""


def _steps(items: Sequence[tuple[str, timedelta, float]]) -> tuple[Step, ...]:
    out: list[Step] = []
    for measure, w, seconds in items:
        kind = _KINDS.get(measure, _FORWARDS)
        out.append((kind, w, seconds) if kind == _FORWARDS else (kind, (measure, w), seconds))
    return tuple(out)


#: Joins a sender, a subject and a member into one key. Senders and members are
#: pseudonyms (hex), subjects canonical URLs (control characters percent-encoded) or
#: platform ids: none contains it.
_SEP: Final = "\x00"


#: Events per block of a window's queue, and shards per dict of its keys (see _Window).
_BLOCK: Final = 4096
_SHARDS: Final = 64
_BLOCK_MASK: Final = _BLOCK - 1
_MASK: Final = _SHARDS - 1


def _shards() -> list[dict[Any, Any]]:
    return [{} for _ in range(_SHARDS)]


class _Window:
    """One count over one sliding window, kept in dicts of strings and numbers only.

    ``count`` maps a key (a sender for ``shares``, a link for ``forwards``, a sender
    and a subject for the distinct counts) to its live count. The events in the
    window are a queue numbered from ``head`` to ``tail``: ``item`` holds each
    one's key (for a distinct count, the key and the member, and ``last`` each
    such pair's latest sighting), ``when`` its time. Trimming pops from the head
    while events are older than the window, so the work per share is amortised
    constant and memory follows the window.

    No dict here grows with the whole window, because a dict that doubles copies
    itself while the share that filled it waits (about a second at 700,000 events
    when all of a window's dicts doubled together). The events' ``item`` and
    ``when`` are dicts of :data:`_BLOCK` events each, by block number (the blocks at
    the head and the tail are also kept at hand), and ``count`` and ``last`` are
    split into :data:`_SHARDS` dicts by the key's hash.

    Nothing here refers to another container but the block tables and shard lists,
    which hold only dicts of strings and numbers, which the garbage collector does
    not track: a server's counts over a day of shares cost its full collections
    next to nothing (as lists of tuples, they cost each full pass about 100 ms,
    which every request then waited out).
    """

    __slots__ = (
        "count",
        "distinct",
        "head",
        "head_items",
        "head_whens",
        "item",
        "kind",
        "last",
        "out",
        "seconds",
        "tail",
        "tail_items",
        "tail_whens",
        "when",
    )

    def __init__(self, kind: int, out: Any, seconds: float) -> None:
        self.kind = kind
        self.distinct = kind <= _PLATFORM
        self.out = out
        self.seconds = seconds
        self.count: list[dict[str, int]] = _shards()
        self.last: list[dict[str, float]] = _shards()
        self.item: dict[int, dict[int, str]] = {0: {}}
        self.when: dict[int, dict[int, float]] = {0: {}}
        self.head = 0
        self.tail = 0
        self.head_items = self.tail_items = self.item[0]
        self.head_whens = self.tail_whens = self.when[0]

    def new_block(self, tail: int) -> None:
        """Start the block that event number ``tail`` opens, unless it is there already
        (a queue that emptied at its start made it). Observe queues each event itself."""
        block = tail // _BLOCK
        if block not in self.item:
            self.tail_items = self.item[block] = {}
            self.tail_whens = self.when[block] = {}

    def trim(self, since: float) -> None:
        """Forget the events at or before ``since``."""
        count, last = self.count, self.last
        head, tail, distinct = self.head, self.tail, self.distinct
        items, whens = self.head_items, self.head_whens
        while head < tail and whens[head] <= since:
            at = whens.pop(head)
            key = items.pop(head)
            head += 1
            if not head % _BLOCK:  # the head block is spent: on to the next
                block = head // _BLOCK
                del self.item[block - 1], self.when[block - 1]
                self.new_block(head)  # the queue may be empty and end here
                items, whens = self.item[block], self.when[block]
            if distinct:
                pairs = last[hash(key) & _MASK]
                if pairs.get(key) != at:
                    continue  # sighted again since: that later event forgets it
                del pairs[key]
                key = key.rpartition(_SEP)[0]
            counts = count[hash(key) & _MASK]
            n = counts[key] - 1
            if n:
                counts[key] = n
            else:
                del counts[key]
        self.head = head
        self.head_items, self.head_whens = items, whens

    def __len__(self) -> int:
        return self.tail - self.head


class _PyWindows:
    """Every window of one plan, in Python: the reference for the compiled ``Windows``.

    ``observe`` records a share in every window and returns its counts; ``len`` is the
    number of live events in all windows.
    """

    __slots__ = ("windows",)

    def __init__(self, steps: tuple[Step, ...], counts: type[Counts]) -> None:
        self.windows = tuple(_Window(kind, out, seconds) for kind, out, seconds in steps)

    def __len__(self) -> int:
        return sum(map(len, self.windows))

    def live(self) -> list[tuple[dict[str, int], dict[str, float], int]]:
        """Per window: the live counts, the latest sightings and the number of events."""
        return [
            (
                {k: v for shard in w.count for k, v in shard.items()},
                {k: v for shard in w.last for k, v in shard.items()},
                len(w),
            )
            for w in self.windows
        ]

    def shed(self, count: int) -> tuple[tuple[int, float], ...]:
        """Drop the ``count`` oldest events of all windows (oldest first across the windows,
        by time; on a tie, the earlier window's; each window's in its queue order), so that
        the windows reaching back furthest reach back less far. Each window that gave
        events up then forgets every event, in queue order, up to the first later than the
        latest it gave: (its index, that time) per such window."""
        if count < 1:
            raise ValueError("shed() drops at least one event")
        cursors = [w.head for w in self.windows]
        since: dict[int, float] = {}
        for _ in range(count):
            oldest, when = -1, 0.0
            for i, w in enumerate(self.windows):
                if cursors[i] < w.tail:
                    t = w.when[cursors[i] // _BLOCK][cursors[i]]
                    if oldest < 0 or t < when:
                        oldest, when = i, t
            if oldest < 0:
                break  # every event taken
            since[oldest] = max(since.get(oldest, when), when)
            cursors[oldest] += 1
        shed = tuple(sorted(since.items()))
        for i, t in shed:
            self.windows[i].trim(t)
        return shed

    def observe(self, share: Share) -> Counts:
        now = share.at
        by: dict[tuple[str, timedelta], int] = {}
        forwards: dict[timedelta, int] = {}
        for w in self.windows:
            since = now - w.seconds
            head = w.head
            if head < w.tail and w.head_whens[head] <= since:
                w.trim(since)
            kind = w.kind
            tail = w.tail
            if kind >= _SHARES:
                key = share.sender if kind == _SHARES else share.link
                count = w.count[hash(key) & _MASK]
                n = count[key] = count.get(key, 0) + 1
                if not tail & _BLOCK_MASK and tail:
                    w.new_block(tail)
                w.tail_items[tail] = key
                w.tail_whens[tail] = now
                w.tail = tail + 1
                if kind == _SHARES:
                    by[w.out] = n
                else:
                    forwards[w.out] = n
                continue
            subject = share.link if kind == _LINK else share.platform
            if subject is None:
                continue
            key = share.sender + _SEP + subject
            count = w.count[hash(key) & _MASK]
            n = count.get(key, 0)
            shards = w.last
            for recipient in share.recipients:
                pair = key + _SEP + recipient
                last = shards[hash(pair) & _MASK]
                if pair not in last:
                    n += 1
                last[pair] = now
                if not tail & _BLOCK_MASK and tail:
                    w.new_block(tail)
                w.tail_items[tail] = pair
                w.tail_whens[tail] = now
                tail += 1
            w.tail = tail
            if n:
                count[key] = n
            by[w.out] = n
        return Counts(by, forwards)


class Windows(Protocol):
    def __len__(self) -> int: ...
    def observe(self, share: Share) -> Counts: ...
    def shed(self, count: int) -> tuple[tuple[int, float], ...]: ...


Observe = Callable[[Share, CountPlan], Counts]
"""``observe(share, plan)``: count a share under a plan and return its counts."""

_Gate: Callable[..., Observe] | None
try:
    from linkgate.enforcement._windows import Gate as _Gate
    from linkgate.enforcement._windows import Windows as _CWindows
except ImportError:  # not compiled here (no C compiler at install): the same counts in Python
    COMPILED = False
    _make_windows: Callable[[tuple[Step, ...], type[Counts]], Windows] = _PyWindows
    _Gate = None
else:
    from linkgate.enforcement._windows import Tally

    COMPILED = True
    _make_windows = _CWindows
    # The compiled windows' answers hold their counts in Tallies: read-only mappings.
    Mapping.register(Tally)

#: :class:`LocalCounter`'s default bound on live events in all windows (about 305 MB in the
#: compiled windows). The default policy keeps about 94,000 events per share a second (one
#: per share in the day's window, one per recipient or share in the others).
DEFAULT_MAX_EVENTS: Final = 4_000_000
#: The highest bound :class:`LocalCounter` takes (about 165 GB of events): the compiled
#: windows count the events that point at one cell in 32 bits.
MAX_EVENTS_LIMIT: Final = 1 << 31


class LocalCounter:
    """Counts in this process (the embedded default, and the fallback when Redis is away).

    One window per plan step; a share adds one event to each (one per recipient
    to a distinct count) after dropping what left it, and reads the live count
    of its key. Exact, amortised constant time per share, and invisible to the
    garbage collector. The windows are compiled (``linkgate.enforcement._windows``,
    built at install where a C compiler is present; :data:`COMPILED` tells) or,
    without a compiler, :class:`_PyWindows`, which keeps the same counts.

    A plan with other measures or windows (a newly published policy that
    changed them) starts the counts afresh. Memory is bounded by ``max_events``
    live events in all windows (about 76 bytes each in the compiled windows):
    over it, the oldest events of all windows are dropped until they hold at
    most nine tenths of the bound, so the windows that reach back furthest (in
    the default policy, the day's shares) reach back less far while the
    shorter ones stay exact.
    :attr:`shed_events` counts what was dropped so, :attr:`reach` tells how far
    back each shortened window still counted at its last shedding.
    """

    def __init__(
        self,
        *,
        max_events: int = DEFAULT_MAX_EVENTS,
        windows: Callable[[tuple[Step, ...], type[Counts]], Windows] | None = None,
    ) -> None:
        if not 1 <= max_events <= MAX_EVENTS_LIMIT:
            raise ValueError(f"max_events is between 1 and {MAX_EVENTS_LIMIT}")
        self._make = windows if windows is not None else _make_windows
        self._gate = _Gate if self._make is _make_windows else None
        self._windows: Windows = self._make((), Counts)
        self._plan: CountPlan | None = None
        self._lock = threading.Lock()
        self._max_events = max_events
        self._until_check = _CHECK_EVERY
        self.shed_events = 0
        """Events dropped before their window ended, to stay within ``max_events``."""
        self.reach: dict[tuple[str, timedelta], float] = {}
        """Per (measure, window) shortened by shedding: the seconds it still reached back
        when last shed (its configured length once its early drops have aged out)."""
        self.observe: Observe = self._observe
        """``observe(share, plan)``: count a share and return its counts. With the compiled
        windows, a gate (``linkgate.enforcement._windows.Gate``) between memory checks."""

    def _start(self, plan: CountPlan) -> None:
        self._windows = self._make(plan.steps, Counts)
        self.reach = {}

    def _shed(self, plan: CountPlan, now: float) -> None:
        """Drop the oldest events of all windows (over the bound) until they hold at most nine
        tenths of it."""
        windows = self._windows
        total = len(windows)
        # A new dict each time: /readyz reads it from other threads, without the lock.
        reach = dict(self.reach)
        for index, since in windows.shed(total - self._max_events * 9 // 10):
            measure, window, _ = plan.items[index]
            back = reach[(measure, window)] = max(0.0, now - since)
            log.warning(
                "share counts over %d live events: the %s count over %d s dropped its oldest "
                "events and reaches back %.0f s until they age out",
                self._max_events,
                measure,
                window.total_seconds(),
                back,
            )
        self.reach = reach
        self.shed_events += total - len(windows)

    def _observe(self, share: Share, plan: CountPlan) -> Counts:
        """Count under the lock: a new plan's windows, the memory check every
        :data:`_CHECK_EVERY` shares, and (compiled windows) the gate for the shares until
        the next check."""
        with self._lock:
            if plan is not self._plan:
                if self._plan is None or self._plan.items != plan.items:
                    self._start(plan)
                self._plan = plan
            self._until_check -= 1
            if self._until_check <= 0:
                self._until_check = _CHECK_EVERY
                if len(self._windows) > self._max_events:
                    self._shed(plan, share.at)
            counts = self._windows.observe(share)
            if self._gate is not None:
                # The compiled windows count a share in one call that holds the interpreter
                # lock throughout: no other thread sees or changes them half-way, so the
                # gate sends the next shares of this plan straight to them, without a lock
                # or a Python call, and back here when the check is due (its last share).
                self.observe = self._gate(self._windows, plan, self._until_check, self._observe)
                self._until_check = 1
            return counts


#: Shares between two checks of :class:`LocalCounter`'s memory bound.
_CHECK_EVERY: Final = 1024


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
