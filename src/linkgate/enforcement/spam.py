"""Sender anti-spam rules: thresholds on sliding-window counts and the action ladder.

Marketers who blast links through one-to-one chats are recognised by what
they do in sliding windows: how many distinct people received the same
link, or any link of the same platform, and how many links they shared.
Crossing a threshold earns the next rung of the ladder: ``warn`` →
``restrict_links`` (for a period, then a longer one) → ``ban`` →
``permanent_ban``. A cooldown after each action keeps one burst from
climbing the whole ladder at once. Upheld reports against links a sender
shared count as a threshold of their own.

Forward limits are per link: after ``max_forwards`` shares of one link in a
window, further shares into the limit's channels get its effect
(``copy_only`` or ``blocked``, reason ``forward_limit``), the way messengers
limit viral forwarding.

Counts include the share being decided; a threshold of ``limit`` is crossed
by the share that makes the count ``limit + 1``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from linkgate.enforcement.senders import SenderAction

Measure = Literal["link_recipients", "platform_recipients", "shares"]
MEASURES: tuple[Measure, ...] = ("link_recipients", "platform_recipients", "shares")


@dataclass(frozen=True, slots=True)
class Threshold:
    id: str
    measure: Measure
    window: timedelta
    limit: int
    source: str | None = None

    def describe(self, count: int) -> str:
        what = {
            "link_recipients": "distinct recipients of one link",
            "platform_recipients": "distinct recipients of one platform's links",
            "shares": "links shared",
        }[self.measure]
        return f"{count} {what} in {_span(self.window)} (limit {self.limit})"


@dataclass(frozen=True, slots=True)
class Rung:
    action: SenderAction
    duration: timedelta | None = None


@dataclass(frozen=True, slots=True)
class SpamParams:
    """The policy's ``enforcement:`` section."""

    thresholds: tuple[Threshold, ...] = ()
    ladder: tuple[Rung, ...] = (
        Rung("warn"),
        Rung("restrict_links", timedelta(hours=24)),
        Rung("restrict_links", timedelta(days=7)),
        Rung("ban", timedelta(days=30)),
        Rung("permanent_ban"),
    )
    cooldown: timedelta = timedelta(hours=1)
    lookback: timedelta = timedelta(days=180)
    upheld_reports: int = 3

    @property
    def wants(self) -> tuple[tuple[Measure, timedelta], ...]:
        """The (measure, window) counts the thresholds read, each once."""
        return tuple(dict.fromkeys((t.measure, t.window) for t in self.thresholds))


_NONE: Mapping[Any, int] = MappingProxyType({})


class Counts(NamedTuple):
    """Sliding-window counts for one share, by measure and window (this share included).

    A named tuple: one is made for every counted share, and it is the cheapest
    immutable record to make.
    """

    by: Mapping[tuple[str, timedelta], int] = _NONE
    forwards: Mapping[timedelta, int] = _NONE

    def get(self, measure: str, window: timedelta) -> int:
        return self.by.get((measure, window), 0)


@dataclass(frozen=True, slots=True)
class PriorAction:
    action: SenderAction
    at: datetime
    lifted: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    """The action a sender earns now, and why."""

    rung: int
    action: SenderAction
    expires_at: datetime | None
    reason: str
    evidence: dict[str, int]


def crossed(params: SpamParams, counts: Counts) -> tuple[Threshold, int] | None:
    """The first threshold the counts go over, with the count."""
    by = counts.by  # read here rather than through counts.get: this runs on every share
    for t in params.thresholds:
        count = by.get((t.measure, t.window), 0)
        if count > t.limit:
            return t, count
    return None


@dataclass(frozen=True, slots=True)
class Trigger:
    """Why a sender is acted on: a crossed threshold or upheld reports."""

    reason: str
    evidence: dict[str, int]


def trigger(params: SpamParams, counts: Counts, *, upheld_reports: int = 0) -> Trigger | None:
    found = crossed(params, counts)
    if found is not None:
        threshold, count = found
        return Trigger(
            threshold.describe(count), {f"{threshold.measure}/{_span(threshold.window)}": count}
        )
    if params.upheld_reports and upheld_reports >= params.upheld_reports:
        return Trigger(
            f"{upheld_reports} upheld reports against links this account shared",
            {"upheld_reports": upheld_reports},
        )
    return None


def next_action(
    params: SpamParams, prior: Sequence[PriorAction], now: datetime, why: Trigger
) -> Verdict | None:
    """The next rung for a sender with these earlier actions, or None in the cooldown."""
    since = now - params.lookback
    standing = [p for p in prior if p.at >= since and not p.lifted]
    if standing and now - max(p.at for p in standing) < params.cooldown:
        return None
    rung = min(len(standing), len(params.ladder) - 1)
    step = params.ladder[rung]
    expires = now + step.duration if step.duration is not None else None
    if step.action == "warn":
        expires = None
    return Verdict(rung + 1, step.action, expires, why.reason, why.evidence)


def verdict(
    params: SpamParams,
    counts: Counts,
    prior: Sequence[PriorAction],
    now: datetime,
    *,
    upheld_reports: int = 0,
) -> Verdict | None:
    """The next ladder action if a threshold is crossed and no cooldown applies."""
    why = trigger(params, counts, upheld_reports=upheld_reports)
    return next_action(params, prior, now, why) if why is not None else None


def _span(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
