"""What a replay means: per platform × channel statistics, their differences, presets compared.

A :class:`Simulation` is built from a :class:`~linkgate.simulator.replay.Tally`
and the traffic's reading statistics. It aggregates each policy's decision
classes into :class:`Stats` — shares, treatments, interstitials,
capabilities granted, blocked and copy-only shares by reason, and expected
opens through the policy's funnel — for any grouping (platform × channel,
platform, tier, channel, day). With two policies it also counts, per cell,
how each share's treatment moved from A to B.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from linkgate.simulator.replay import DecisionClass, PolicyRun, Tally
from linkgate.simulator.schema import TrafficProblem
from linkgate.vocabulary import CAPABILITIES, CHANNELS, INTERSTITIALS, TIERS, TREATMENTS

K = TypeVar("K", bound=Hashable)

TIER_ORDER: dict[str, int] = {tier: i for i, tier in enumerate(TIERS)}
CHANNEL_ORDER: dict[str, int] = {channel: i for i, channel in enumerate(CHANNELS)}


@dataclass(slots=True)
class Stats:
    """Counts over a set of shares under one policy."""

    shares: int = 0
    opens: float = 0.0
    treatments: Counter[str] = field(default_factory=Counter)
    interstitials: Counter[str] = field(default_factory=Counter)
    capabilities: Counter[str] = field(default_factory=Counter)
    blocked: Counter[str] = field(default_factory=Counter)
    copy_only: Counter[str] = field(default_factory=Counter)

    def add(self, cls: DecisionClass, count: int) -> None:
        self.shares += count
        self.opens += cls.opens * count
        self.treatments[cls.treatment] += count
        self.interstitials[cls.interstitial] += count
        for capability in cls.capabilities:
            self.capabilities[capability] += count
        if cls.treatment == "blocked":
            self.blocked[cls.reason or "unspecified"] += count
        elif cls.treatment == "copy_only":
            self.copy_only[cls.reason or "unspecified"] += count

    def share_of(self, treatment: str) -> float:
        return self.treatments[treatment] / self.shares if self.shares else 0.0

    @property
    def warned(self) -> int:
        return self.interstitials["warn"]

    @property
    def grants(self) -> int:
        """Capability grants summed over shares (a share granted three counts three)."""
        return sum(self.capabilities.values())

    @property
    def open_rate(self) -> float:
        return self.opens / self.shares if self.shares else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "shares": self.shares,
            "expected_opens": round(self.opens, 3),
            "open_rate": round(self.open_rate, 6),
            "treatments": {t: self.treatments[t] for t in TREATMENTS},
            "interstitials": {i: self.interstitials[i] for i in INTERSTITIALS},
            "capabilities": {c: self.capabilities[c] for c in CAPABILITIES},
            "capability_grants": self.grants,
            "blocked_by_reason": dict(self.blocked.most_common()),
            "copy_only_by_reason": dict(self.copy_only.most_common()),
        }


@dataclass(frozen=True, slots=True)
class TrafficSummary:
    """The input as read: events, malformed lines, period, distinct links, daily rhythm."""

    source: str
    events: int
    malformed: int
    problems: tuple[TrafficProblem, ...]
    distinct_urls: int
    first: datetime | None
    last: datetime | None
    hours: tuple[int, ...]
    evaluations: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "events": self.events,
            "malformed_lines": self.malformed,
            "problems": [p.to_dict() for p in self.problems],
            "distinct_urls": self.distinct_urls,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "shares_by_hour": list(self.hours),
            "evaluations": self.evaluations[0] if self.evaluations else 0,
        }


def _platform_key(cls: DecisionClass) -> tuple[str, str]:
    return (cls.platform, cls.tier)


def _cell_key(cls: DecisionClass) -> tuple[str, str, str]:
    return (cls.platform, cls.tier, cls.channel)


class Simulation:
    """Aggregates over a tally; ``runs[i]`` names policy *i*."""

    def __init__(self, tally: Tally, traffic: TrafficSummary) -> None:
        self.tally = tally
        self.traffic = traffic
        self.runs: tuple[PolicyRun, ...] = tally.runs
        self._by_class = [tally.by_class(i) for i in range(len(tally.runs))]

    @property
    def names(self) -> list[str]:
        return [run.name for run in self.runs]

    def group(self, run: int, key: Callable[[DecisionClass], K]) -> dict[K, Stats]:
        """Stats of policy ``run`` grouped by ``key`` of each decision class."""
        classes = self.tally.classes[run]
        out: dict[K, Stats] = {}
        for index, count in self._by_class[run].items():
            cls = classes[index]
            k = key(cls)
            stats = out.get(k)
            if stats is None:
                stats = out[k] = Stats()
            stats.add(cls, count)
        return out

    def total(self, run: int) -> Stats:
        return self.group(run, lambda cls: None).get(None, Stats())

    def cells(self, run: int) -> dict[tuple[str, str, str], Stats]:
        """By (platform, tier, channel)."""
        return self.group(run, _cell_key)

    def platforms(self, run: int) -> dict[tuple[str, str], Stats]:
        """By (platform, tier)."""
        return self.group(run, _platform_key)

    def tiers(self, run: int) -> dict[str, Stats]:
        return self.group(run, lambda cls: cls.tier)

    def channels(self, run: int) -> dict[str, Stats]:
        return self.group(run, lambda cls: cls.channel)

    def days(self, run: int) -> dict[date, Stats]:
        classes = self.tally.classes[run]
        out: dict[date, Stats] = {}
        for (day, ids), count in self.tally.counts.items():
            stats = out.get(day)
            if stats is None:
                stats = out[day] = Stats()
            stats.add(classes[ids[run]], count)
        return dict(sorted(out.items()))

    def transitions(
        self, a: int = 0, b: int = 1
    ) -> dict[tuple[str, str, str], Counter[tuple[str, str]]]:
        """Per (platform, tier, channel): shares by (label under A, label under B)."""
        ca, cb = self.tally.classes[a], self.tally.classes[b]
        out: dict[tuple[str, str, str], Counter[tuple[str, str]]] = {}
        for (_, ids), count in self.tally.counts.items():
            x, y = ca[ids[a]], cb[ids[b]]
            out.setdefault(_cell_key(x), Counter())[(x.label, y.label)] += count
        return out

    def changed(self, a: int = 0, b: int = 1) -> int:
        """Shares whose treatment, interstitial or capabilities differ between A and B."""
        ca, cb = self.tally.classes[a], self.tally.classes[b]
        total = 0
        for (_, ids), count in self.tally.counts.items():
            x, y = ca[ids[a]], cb[ids[b]]
            if (x.treatment, x.interstitial, x.capabilities) != (
                y.treatment,
                y.interstitial,
                y.capabilities,
            ):
                total += count
        return total


def ordered_cells(
    keys: Iterable[tuple[str, str, str]], weight: dict[str, int]
) -> list[tuple[str, str, str]]:
    """Cells by their platform's shares (most first), then channel order."""
    return sorted(
        keys,
        key=lambda k: (-weight.get(k[0], 0), k[0], CHANNEL_ORDER.get(k[2], 99)),
    )


def platform_weights(sim: Simulation) -> dict[str, int]:
    return {platform: stats.shares for (platform, _), stats in sim.platforms(0).items()}


def delta(a: Counter[str], b: Counter[str], names: Sequence[str] | None = None) -> dict[str, int]:
    """``b - a`` per name (all names when given, else those that differ)."""
    keys = list(names) if names is not None else sorted(set(a) | set(b))
    out = {k: b[k] - a[k] for k in keys}
    return out if names is not None else {k: v for k, v in out.items() if v}


def diff_stats(a: Stats, b: Stats) -> dict[str, Any]:
    """B minus A for one group of shares."""
    return {
        "shares": a.shares,
        "expected_opens_a": round(a.opens, 3),
        "expected_opens_b": round(b.opens, 3),
        "expected_opens_delta": round(b.opens - a.opens, 3),
        "expected_opens_delta_pct": round((b.opens - a.opens) / a.opens * 100, 2)
        if a.opens
        else None,
        "treatments_delta": delta(a.treatments, b.treatments, TREATMENTS),
        "interstitials_delta": delta(a.interstitials, b.interstitials, INTERSTITIALS),
        "capabilities_delta": delta(a.capabilities, b.capabilities),
        "capability_grants_delta": b.grants - a.grants,
        "blocked_delta": delta(a.blocked, b.blocked),
        "copy_only_delta": delta(a.copy_only, b.copy_only),
    }


def run_info(run: PolicyRun) -> dict[str, Any]:
    policy = run.policy
    funnel = policy.funnel
    return {
        "name": run.name,
        "policy": policy.name,
        "preset": policy.path,
        "revision": policy.revision,
        "files": list(policy.files),
        "funnel": {
            "continue": dict(funnel.continue_rates),
            "clicks_per_share": {c: funnel.clicks_per_share.get(c, 1.0) for c in CHANNELS},
        },
    }


def _rows(groups: dict[Any, Stats], fields: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    for key, stats in groups.items():
        values = key if isinstance(key, tuple) else (key,)
        row = dict(zip(fields, values, strict=True))
        row.update(stats.to_dict())
        rows.append(row)
    return rows


def tier_sorted(groups: dict[str, Stats]) -> dict[str, Stats]:
    return dict(sorted(groups.items(), key=lambda kv: TIER_ORDER.get(kv[0], 99)))


def simulation_dict(sim: Simulation) -> dict[str, Any]:
    """Everything as plain JSON data."""
    weights = platform_weights(sim)
    results: dict[str, Any] = {}
    for i, run in enumerate(sim.runs):
        cells = sim.cells(i)
        platforms = sim.platforms(i)
        results[run.name] = {
            "total": sim.total(i).to_dict(),
            "tiers": _rows(tier_sorted(sim.tiers(i)), ("tier",)),
            "platforms": _rows(
                dict(sorted(platforms.items(), key=lambda kv: -kv[1].shares)),
                ("platform", "tier"),
            ),
            "channels": _rows(sim.channels(i), ("channel",)),
            "cells": _rows(
                {k: cells[k] for k in ordered_cells(cells, weights)},
                ("platform", "tier", "channel"),
            ),
            "days": [
                {"day": day.isoformat(), **stats.to_dict()} for day, stats in sim.days(i).items()
            ],
        }
    out: dict[str, Any] = {
        "traffic": sim.traffic.to_dict(),
        "policies": [run_info(run) for run in sim.runs],
        "results": results,
    }
    if len(sim.runs) == 2:
        out["diff"] = diff_dict(sim)
    return out


def diff_dict(sim: Simulation) -> dict[str, Any]:
    """B against A: totals, per tier, per platform, per cell with the treatment moves."""
    weights = platform_weights(sim)
    cells_a, cells_b = sim.cells(0), sim.cells(1)
    moves = sim.transitions()
    cells = []
    for key in ordered_cells(cells_a, weights):
        platform, tier, channel = key
        row: dict[str, Any] = {"platform": platform, "tier": tier, "channel": channel}
        row.update(diff_stats(cells_a[key], cells_b.get(key, Stats())))
        row["changed"] = sum(n for (x, y), n in moves.get(key, Counter()).items() if x != y)
        row["transitions"] = [
            {"from": x, "to": y, "count": n}
            for (x, y), n in moves.get(key, Counter()).most_common()
            if x != y
        ]
        cells.append(row)
    tiers_a, tiers_b = sim.tiers(0), sim.tiers(1)
    plat_a, plat_b = sim.platforms(0), sim.platforms(1)
    return {
        "a": sim.runs[0].name,
        "b": sim.runs[1].name,
        "changed": sim.changed(),
        "total": diff_stats(sim.total(0), sim.total(1)),
        "tiers": [
            {"tier": t, **diff_stats(tiers_a[t], tiers_b.get(t, Stats()))}
            for t in tier_sorted(tiers_a)
        ],
        "platforms": [
            {"platform": p, "tier": t, **diff_stats(s, plat_b.get((p, t), Stats()))}
            for (p, t), s in sorted(plat_a.items(), key=lambda kv: -kv[1].shares)
        ],
        "cells": cells,
    }


def comparison(sim: Simulation, by: str) -> list[dict[str, Any]]:
    """Per tier (``by="tier"``) or platform: each policy's opens, grants and treatments."""
    if by not in ("tier", "platform"):
        raise ValueError("compare by tier or platform")
    per_run: list[dict[Any, Stats]] = [
        sim.tiers(i) if by == "tier" else sim.platforms(i) for i in range(len(sim.runs))
    ]
    keys = list(tier_sorted(per_run[0]) if by == "tier" else per_run[0])
    if by == "platform":
        keys.sort(key=lambda k: -per_run[0][k].shares)
    rows = []
    for key in keys:
        row: dict[str, Any] = (
            {"tier": key} if by == "tier" else {"platform": key[0], "tier": key[1]}
        )
        row["shares"] = per_run[0][key].shares
        for run, groups in zip(sim.runs, per_run, strict=True):
            stats = groups.get(key, Stats())
            row[run.name] = {
                "expected_opens": round(stats.opens, 3),
                "open_rate": round(stats.open_rate, 6),
                "capability_grants": stats.grants,
                "grants_per_share": round(stats.grants / stats.shares, 4) if stats.shares else 0.0,
                "treatments": {t: stats.treatments[t] for t in TREATMENTS},
                "warned": stats.warned,
                "capabilities": {c: stats.capabilities[c] for c in CAPABILITIES},
            }
        rows.append(row)
    return rows


def headline(sim: Simulation) -> list[str]:
    """One sentence per tier: expected opens and capability grants under each policy."""
    lines = []
    for row in comparison(sim, "tier"):
        if not row["shares"]:
            continue
        opens = " · ".join(
            f"{name} {row[name]['expected_opens']:,.0f} ({row[name]['open_rate'] * 100:.0f}%)"
            for name in sim.names
        )
        grants = " · ".join(f"{name} {row[name]['grants_per_share']:.2f}" for name in sim.names)
        score = {n: (row[n]["expected_opens"], row[n]["capability_grants"]) for n in sim.names}
        top = max(score.values())
        best = [n for n in sim.names if score[n] == top]
        verdict = (
            "the same under every policy"
            if len(best) == len(sim.names)
            else "gains most under " + " and ".join(best)
        )
        lines.append(
            f"{row['tier']} ({row['shares']:,} shares): expected opens {opens}; "
            f"capabilities per share {grants}; {verdict}"
        )
    return lines
