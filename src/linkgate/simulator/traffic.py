"""Generated share traffic: realistic, and the same for the same seed, byte for byte.

``generate(TrafficSpec(days=7, shares_per_day=10_000, seed=1))`` yields
share events in time order, exactly ``shares_per_day`` per day:

- **Links**: each platform family (:data:`~linkgate.simulator.links.PLATFORM_MIX`)
  has its own pool of links, popular by Zipf's law (rank *k* drawn with
  weight 1/k^:data:`ZIPF_S`); a share first draws the platform by the mix,
  then a link from that platform's pool. :data:`BAD_SHARE` of ordinary
  shares carry a bad link instead (deceptive, red-envelope or induced-sharing
  pages, malformed), and :data:`SCHEMELESS_SHARE` of links are typed
  without a scheme, as in chat.
- **Time**: the hour of each share follows :data:`HOURLY_WEIGHTS`, the daily
  rhythm of messaging in China (quiet before dawn, a lunch bump, the evening
  peak around 21:00), uniform within the hour, in the offset of ``start``.
- **Channels**: :data:`CHANNEL_MIX` (1:1 chats, groups, Moments, official
  accounts, QR scans); a group share names its group, groups drawn by Zipf.
- **Senders**: ordinary senders share with Zipf-distributed activity; a few
  spammers (:data:`SPAMMER_SHARE` of senders) make :data:`SPAM_SHARE` of all
  shares in bursts, one link blasted to dozens of 1:1 chats or groups
  within minutes, mostly bad links, else fresh affiliate links with
  promotional titles.

Every draw comes from :class:`~linkgate.simulator.rng.Rng`; nothing reads the
clock, the environment or hash order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Final, Literal, NamedTuple

from linkgate.simulator.links import (
    BAD_LINKS,
    PLATFORM_LINKS,
    PLATFORM_MIX,
    Link,
    marketing_link,
)
from linkgate.simulator.rng import HEX, Rng, Weighted, Zipf
from linkgate.simulator.schema import ShareEvent, share_event
from linkgate.vocabulary import Channel

CST: Final = timezone(timedelta(hours=8))
DEFAULT_SEED: Final = 20210917
DEFAULT_DAYS: Final = 7
DEFAULT_SHARES_PER_DAY: Final = 10_000
#: Two days before the first interconnection phase of 2021-09-17 (China Standard Time).
DEFAULT_START: Final = datetime(2021, 9, 15, tzinfo=CST)
MAX_DAYS: Final = 3660
MAX_SHARES_PER_DAY: Final = 50_000_000

#: Relative share volume by local hour 0..23: night trough, morning ramp,
#: lunch bump, evening peak at 21:00.
HOURLY_WEIGHTS: Final[tuple[float, ...]] = (
    3.0, 1.8, 1.0, 0.6, 0.5, 0.6, 1.2, 2.6, 3.8, 4.4, 4.6, 4.8,
    5.4, 4.9, 4.4, 4.4, 4.5, 4.8, 5.2, 5.9, 6.8, 7.2, 6.4, 4.6,
)  # fmt: skip
CHANNEL_MIX: Final[dict[Channel, float]] = {
    "private_chat": 0.52,
    "group_chat": 0.33,
    "moments": 0.10,
    "official_account": 0.03,
    "qr_scan": 0.02,
}
ZIPF_S: Final = 1.0
#: Share of ordinary shares that carry a bad link.
BAD_SHARE: Final = 0.03
#: Share of links typed without a scheme (``m.tb.cn/h.abc``).
SCHEMELESS_SHARE: Final = 0.04
#: Share of all shares sent by spammers, and of senders who are spammers.
SPAM_SHARE: Final = 0.05
SPAMMER_SHARE: Final = 0.005
#: Of a spam burst's links: bad ones; the rest are affiliate links.
SPAM_BAD_SHARE: Final = 0.65
#: Recipients of one burst, and seconds between two sends in it.
BURST_RECIPIENTS: Final = (8, 40)
BURST_GAP_SECONDS: Final = (1, 15)
#: Distinct links per platform pool: one per this many shares of that platform.
SHARES_PER_LINK: Final = 5
#: Shares per ordinary sender and per group over the whole period (sizes the populations).
SHARES_PER_SENDER: Final = 20
SHARES_PER_GROUP: Final = 60

SenderKind = Literal["normal", "spammer"]
#: Where a share's link came from: a platform's pool, the bad links, or a spammer's affiliate link.
Origin = Literal["platform", "bad", "marketing"]


@dataclass(frozen=True, slots=True)
class TrafficSpec:
    """What to generate; raises ``ValueError`` for an impossible spec."""

    days: int = DEFAULT_DAYS
    shares_per_day: int = DEFAULT_SHARES_PER_DAY
    seed: int = DEFAULT_SEED
    start: datetime = DEFAULT_START

    def __post_init__(self) -> None:
        if not 1 <= self.days <= MAX_DAYS:
            raise ValueError(f"days must be between 1 and {MAX_DAYS}, got {self.days}")
        if not 1 <= self.shares_per_day <= MAX_SHARES_PER_DAY:
            raise ValueError(
                f"shares per day must be between 1 and {MAX_SHARES_PER_DAY:,}, "
                f"got {self.shares_per_day}"
            )
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise ValueError("start needs a UTC offset, e.g. 2021-09-15T00:00:00+08:00")

    @property
    def total(self) -> int:
        return self.days * self.shares_per_day


class Labeled(NamedTuple):
    """A generated event with what it was generated as."""

    event: ShareEvent
    sender_kind: SenderKind
    origin: Origin
    link: Link


class _Pool:
    """One platform's links, drawn by Zipf popularity (rank 0 most popular)."""

    __slots__ = ("links", "zipf")

    def __init__(self, links: list[Link]) -> None:
        self.links = links
        self.zipf = Zipf(len(links), ZIPF_S)

    def draw(self, rng: Rng) -> Link:
        return self.links[self.zipf.draw(rng)]


def _ids(rng: Rng, prefix: str, n: int) -> list[str]:
    """``n`` distinct opaque ids like ``u3f9a0c21``."""
    seen: set[str] = set()
    out: list[str] = []
    width = max(8, len(f"{n * 16:x}"))
    while len(out) < n:
        candidate = prefix + rng.text(HEX, width)
        if candidate not in seen:
            seen.add(candidate)
            out.append(candidate)
    return out


def _schemeless(rng: Rng, link: Link) -> Link:
    if link.bad == "malformed" or not rng.chance(SCHEMELESS_SHARE):
        return link
    sep = link.url.find("://")
    return link._replace(url=link.url[sep + 3 :]) if sep > 0 else link


class _World:
    """Everything drawn once per run: link pools, senders, spammers, groups."""

    def __init__(self, spec: TrafficSpec, rng: Rng) -> None:
        total = spec.total
        self.platforms: Weighted[str] = Weighted(list(PLATFORM_MIX.items()))
        self.pools: dict[str, _Pool] = {}
        for family, weight in PLATFORM_MIX.items():
            share = weight / sum(PLATFORM_MIX.values())
            size = max(20, round(total * share / SHARES_PER_LINK))
            self.pools[family] = _Pool([PLATFORM_LINKS[family](rng) for _ in range(size)])
        bad = max(20, round(total * BAD_SHARE / SHARES_PER_LINK))
        self.bad = [BAD_LINKS.draw(rng)(rng) for _ in range(bad)]
        normal = max(20, total // SHARES_PER_SENDER)
        spammers = max(1, round(normal * SPAMMER_SHARE))
        ids = _ids(rng, "u", normal + spammers)
        rng.shuffle(ids)
        self.senders = ids[:normal]
        self.spammers = ids[normal:]
        self.sender_zipf = Zipf(normal, 0.9)
        self.groups = _ids(rng, "g", max(10, total // SHARES_PER_GROUP))
        self.group_zipf = Zipf(len(self.groups), 0.8)
        self.hours: Weighted[int] = Weighted(list(enumerate(HOURLY_WEIGHTS)))
        self.channels: Weighted[Channel] = Weighted(list(CHANNEL_MIX.items()))

    def second_of_day(self, rng: Rng) -> int:
        return self.hours.draw(rng) * 3600 + rng.below(3600)

    def group(self, rng: Rng) -> str:
        return self.groups[self.group_zipf.draw(rng)]


# One share before it is dated: second of the day, order drawn, and its parts.
_Draft = tuple[int, int, Channel, str, str | None, Link, SenderKind, Origin]


def _ordinary(world: _World, rng: Rng, order: int) -> _Draft:
    second = world.second_of_day(rng)
    channel = world.channels.draw(rng)
    sender = world.senders[world.sender_zipf.draw(rng)]
    group = world.group(rng) if channel == "group_chat" else None
    origin: Origin
    if rng.chance(BAD_SHARE):
        link, origin = rng.pick(world.bad), "bad"
    else:
        link, origin = world.pools[world.platforms.draw(rng)].draw(rng), "platform"
    return (second, order, channel, sender, group, _schemeless(rng, link), "normal", origin)


def _burst(world: _World, rng: Rng, order: int, budget: int) -> list[_Draft]:
    sender = rng.pick(world.spammers)
    origin: Origin
    if rng.chance(SPAM_BAD_SHARE):
        link, origin = rng.pick(world.bad), "bad"
    else:
        link, origin = marketing_link(rng), "marketing"
    channel: Channel = "private_chat" if rng.chance(0.8) else "group_chat"
    second = world.second_of_day(rng)
    out: list[_Draft] = []
    for i in range(min(budget, rng.between(*BURST_RECIPIENTS))):
        group = world.group(rng) if channel == "group_chat" else None
        out.append((second, order + i, channel, sender, group, link, "spammer", origin))
        second = min(86_399, second + rng.between(*BURST_GAP_SECONDS))
    return out


def generate_labeled(spec: TrafficSpec) -> Iterator[Labeled]:
    """The events of :func:`generate`, each with what it was generated as."""
    rng = Rng(spec.seed)
    world = _World(spec, rng)
    spam_per_day = round(spec.shares_per_day * SPAM_SHARE)
    one_second = timedelta(seconds=1)
    for day in range(spec.days):
        midnight = spec.start + timedelta(days=day)
        drafts = [_ordinary(world, rng, i) for i in range(spec.shares_per_day - spam_per_day)]
        order = len(drafts)
        left = spam_per_day
        while left > 0:
            burst = _burst(world, rng, order, left)
            drafts.extend(burst)
            order += len(burst)
            left -= len(burst)
        drafts.sort()
        for second, _, channel, sender, group, link, kind, origin in drafts:
            event = share_event(
                midnight + second * one_second, link.url, channel, sender, group, link.title
            )
            yield Labeled(event, kind, origin, link)


def generate(spec: TrafficSpec) -> Iterator[ShareEvent]:
    """Share events in time order; the same spec gives the same events."""
    for labeled in generate_labeled(spec):
        yield labeled.event


def parse_start(text: str) -> datetime:
    """A ``--start`` value: ISO 8601 with an offset, or a date (midnight, China Standard Time)."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 date or time: {text!r}") from None
    if value.tzinfo is None:
        if len(text.strip()) == 10:
            return value.replace(tzinfo=CST)
        raise ValueError(f"{text!r} has no UTC offset (write e.g. 2021-09-15T00:00:00+08:00)")
    return value


__all__ = [
    "CHANNEL_MIX",
    "CST",
    "HOURLY_WEIGHTS",
    "Labeled",
    "TrafficSpec",
    "generate",
    "generate_labeled",
    "parse_start",
]
