"""Rollout safety: pause a phase when the traffic it opened draws too many complaints or blocks.

A phase may carry ``bounds: {complaint_rate: R, block_rate: B}`` (fractions).
The traffic a phase opened is the shares of its platforms' links in its
channels since it started; its complaint rate is reports against those
links per share, its block rate the share of those distinct links that were
blocked or restricted since. Bounds are only judged once ``min_shares``
shares have been seen, so a quiet first hour cannot pause a phase.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PhaseTraffic:
    """What a phase opened so far."""

    shares: int
    links: int
    reports: int
    blocked_links: int

    @property
    def complaint_rate(self) -> float:
        return self.reports / self.shares if self.shares else 0.0

    @property
    def block_rate(self) -> float:
        return self.blocked_links / self.links if self.links else 0.0


@dataclass(frozen=True, slots=True)
class Breach:
    bound: str
    limit: float
    observed: float

    def describe(self) -> str:
        return f"{self.bound} {self.observed:.4%} is over the bound {self.limit:.4%}"


def breach(bounds: Mapping[str, float], traffic: PhaseTraffic, *, min_shares: int) -> Breach | None:
    """The first bound the traffic crosses, or None (also None below ``min_shares``)."""
    if traffic.shares < min_shares:
        return None
    observed = {"complaint_rate": traffic.complaint_rate, "block_rate": traffic.block_rate}
    for name in ("complaint_rate", "block_rate"):
        limit = bounds.get(name)
        if limit is not None and observed[name] > limit:
            return Breach(name, limit, observed[name])
    return None
