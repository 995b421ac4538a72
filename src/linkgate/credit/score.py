"""Credit scores from complaint *rates*, with a confidence bound, recovering with clean time.

A platform's (or a domain's) score answers "how often are this platform's
shared links found to violate the rules?", not "how many complaints has it
had". At every credit event (an upheld report or an operator-recorded
violation) the score is recomputed from the complaint rate over a trailing
window::

    complaints = sum(weight * severity) of the events in the window
    shares     = links of this platform shared in the window + prior_shares
    rate       = Wilson lower bound of complaints / shares (confidence z)
    level      = start - points_per_rate * rate * 10_000

so a platform ten times bigger, with ten times the complaints, has the same
level, and a handful of complaints on a small sample are discounted by the
confidence bound and the prior (clean) shares. Between events the score
recovers ``recovery_points`` every ``recovery_days`` of clean time::

    score(t) = min(start, min over events e <= t of level(e) + recovery(t - e.at))

Voided events (an appeal granted, a review reversed) are left out entirely,
which restores the score as if they had never happened.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

PER = 10_000.0


@dataclass(frozen=True, slots=True)
class CreditParams:
    """The credit model's settings (the policy's ``credit:`` section)."""

    start: float = 100.0
    points_per_rate: float = 4.0
    z: float = 1.96
    window_days: int = 90
    prior_shares: int = 10_000
    recovery_points: float = 1.0
    recovery_days: float = 7.0
    min_links: int = 3


@dataclass(frozen=True, slots=True)
class CreditEvent:
    """One upheld report or violation counted against a platform or domain."""

    id: str
    at: datetime
    link: str
    category: str
    weight: float
    severity: float

    @property
    def points(self) -> float:
        return self.weight * self.severity


@dataclass(frozen=True, slots=True)
class Score:
    """A score at a moment, with what it rests on."""

    score: float
    complaint_rate: float
    complaints: float
    shares: int
    events: int
    distinct_links: int
    sufficient: bool
    """Whether the events span enough distinct links for platform-wide effects."""


class ShareCounts:
    """Shares per UTC day, answering "how many between two times" by prefix sums."""

    def __init__(self, days: Iterable[tuple[date, int]] = ()) -> None:
        merged: dict[date, int] = {}
        for day, count in days:
            merged[day] = merged.get(day, 0) + int(count)
        self._days = sorted(merged)
        self._prefix = [0]
        for day in self._days:
            self._prefix.append(self._prefix[-1] + merged[day])

    def between(self, start: datetime, end: datetime) -> int:
        """Shares on the UTC days from ``start``'s day to ``end``'s day, both included."""
        lo = bisect_left(self._days, start.date())
        hi = bisect_right(self._days, end.date())
        return self._prefix[hi] - self._prefix[lo] if hi > lo else 0

    @property
    def total(self) -> int:
        return self._prefix[-1]


def wilson_lower_bound(successes: float, trials: float, z: float) -> float:
    """The lower end of the Wilson score interval for ``successes / trials``.

    Weighted complaints may be fractional; ``successes`` is capped at ``trials``.
    """
    if trials <= 0:
        return 0.0
    p = min(max(successes, 0.0), trials) / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return max(0.0, (centre - margin) / (1 + z2 / trials))


def _level(complaints: float, shares: int, params: CreditParams) -> tuple[float, float]:
    """The score level and the rate (per 10,000 shares, lower bound) for a window."""
    trials = shares + params.prior_shares
    rate = wilson_lower_bound(complaints, trials, params.z) * PER
    return params.start - params.points_per_rate * rate, rate


def score_at(
    events: Sequence[CreditEvent], shares: ShareCounts, at: datetime, params: CreditParams
) -> Score:
    """The score at ``at`` from the (non-voided) events and the share counts."""
    past = sorted((e for e in events if e.at <= at), key=lambda e: e.at)
    window = timedelta(days=params.window_days)
    best = params.start
    lo = 0
    running = 0.0
    per_day = params.recovery_points / params.recovery_days if params.recovery_days else 0.0
    binding: set[str] = set()
    for event in past:
        running += event.points
        while past[lo].at <= event.at - window:
            running -= past[lo].points
            lo += 1
        level, _ = _level(running, shares.between(event.at - window, event.at), params)
        recovered = per_day * (at - event.at).total_seconds() / 86_400
        if level + recovered < params.start:
            binding.add(event.link)
        best = min(best, level + recovered)
    recent = [e for e in past if e.at > at - window]
    complaints = sum(e.points for e in recent)
    in_window = shares.between(at - window, at)
    _, rate = _level(complaints, in_window, params)
    links = len(binding | {e.link for e in recent})
    return Score(
        score=round(max(0.0, min(params.start, best)), 2),
        complaint_rate=round(rate, 4),
        complaints=round(complaints, 4),
        shares=in_window,
        events=len(recent),
        distinct_links=links,
        sufficient=links >= params.min_links,
    )


def score_history(
    events: Sequence[CreditEvent],
    shares: ShareCounts,
    times: Iterable[datetime],
    params: CreditParams,
) -> list[tuple[datetime, float]]:
    """The score at each of ``times`` (for charts)."""
    return [(t, score_at(events, shares, t, params).score) for t in times]
