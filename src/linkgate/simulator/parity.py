"""The interoperability parity report: do platforms of equal risk get equal treatment?

Shares are compared inside *strata* of equal risk and equal situation: the
platform's credit band (from its credit score; ``unscored`` without one),
the link kind and the channel. Inside a stratum every platform (and every
tier) has a distribution of treatments as users meet them (``plain_page+warn``
apart from ``plain_page``). Two platforms (or tiers) with at least
``min_shares`` shares each whose distributions differ by more than
``threshold`` in total variation distance (half the sum of the absolute
differences of the shares, 0 = identical, 1 = disjoint) are a
:class:`Disparity`.

Each disparity is attributed to the policy rules behind it, read from the
decisions' traces: a rule *against* the disfavoured side bound a larger
share of its decisions than of the favoured side's (by at least
:data:`ATTRIBUTION_MIN`); a rule *for* the favoured side the other way
round. Rules are named with their stage, id and ``file:line:column``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Final

from linkgate.policy.evaluator import Evaluator
from linkgate.simulator.replay import DecisionClass, Rule
from linkgate.simulator.results import CHANNEL_ORDER, TIER_ORDER, Simulation
from linkgate.vocabulary import LINK_KINDS, RANK

UNSCORED: Final = "unscored"
DEFAULT_THRESHOLD: Final = 0.2
DEFAULT_MIN_SHARES: Final = 30
ATTRIBUTION_MIN: Final = 0.05
#: Treatments as users meet them, best first.
LABELS: Final = (
    "mini_program",
    "mini_program+warn",
    "rich_page",
    "rich_page+warn",
    "plain_page",
    "plain_page+warn",
    "copy_only",
    "blocked",
)
KIND_ORDER: dict[str, int] = {kind: i for i, kind in enumerate(LINK_KINDS)}

Stratum = tuple[str, str, str]  # (credit band, link kind, channel)


def label_score(label: str) -> float:
    """Treatment rank (0 best); a warning costs half a step."""
    treatment, _, warn = label.partition("+")
    return RANK[treatment] + (0.5 if warn else 0.0)


@dataclass(slots=True)
class Group:
    """One platform's (or tier's) shares in one stratum."""

    shares: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    rules: Counter[Rule] = field(default_factory=Counter)

    def add(self, cls: DecisionClass, count: int) -> None:
        self.shares += count
        self.labels[cls.label] += count
        for rule in cls.rules:
            self.rules[rule] += count

    def distribution(self) -> dict[str, float]:
        return {label: n / self.shares for label, n in self.labels.items()} if self.shares else {}

    @property
    def mean_score(self) -> float:
        if not self.shares:
            return 0.0
        return sum(label_score(label) * n for label, n in self.labels.items()) / self.shares

    def to_dict(self) -> dict[str, Any]:
        return {
            "shares": self.shares,
            "treatments": {label: self.labels[label] for label in LABELS if self.labels[label]},
            "shares_by_treatment": {
                label: round(self.labels[label] / self.shares, 4)
                for label in LABELS
                if self.labels[label]
            },
        }


def distance(a: Group, b: Group) -> float:
    """Total variation distance between two groups' treatment distributions."""
    pa, pb = a.distribution(), b.distribution()
    return 0.5 * sum(abs(pa.get(k, 0.0) - pb.get(k, 0.0)) for k in set(pa) | set(pb))


@dataclass(frozen=True, slots=True)
class Attribution:
    """A rule and how much more often it bound one side's decisions than the other's."""

    rule: Rule
    share_disfavoured: float
    share_favoured: float

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.rule.to_dict(),
            "share_disfavoured": round(self.share_disfavoured, 4),
            "share_favoured": round(self.share_favoured, 4),
        }


@dataclass(frozen=True, slots=True)
class Disparity:
    """Two platforms (or tiers) of equal risk treated differently in one stratum."""

    level: str  # "tier" or "platform"
    stratum: Stratum
    favoured: str
    disfavoured: str
    favoured_tier: str
    disfavoured_tier: str
    distance: float
    favoured_group: Group
    disfavoured_group: Group
    against: tuple[Attribution, ...]
    supporting: tuple[Attribution, ...]

    def to_dict(self) -> dict[str, Any]:
        band, kind, channel = self.stratum
        return {
            "level": self.level,
            "credit_band": band,
            "link_kind": kind,
            "channel": channel,
            "favoured": self.favoured,
            "favoured_tier": self.favoured_tier,
            "disfavoured": self.disfavoured,
            "disfavoured_tier": self.disfavoured_tier,
            "distance": round(self.distance, 4),
            "favoured_treatments": self.favoured_group.to_dict(),
            "disfavoured_treatments": self.disfavoured_group.to_dict(),
            "rules_against": [a.to_dict() for a in self.against],
            "rules_for": [a.to_dict() for a in self.supporting],
        }

    def describe(self) -> str:
        band, kind, channel = self.stratum
        rules = "; ".join(str(a.rule) for a in self.against) or "no rule binds more often"
        return (
            f"{self.disfavoured} vs {self.favoured} ({kind} links in {channel}, "
            f"credit band {band}): distance {self.distance:.2f}, by {rules}"
        )


def _attribute(
    worse: Group, better: Group
) -> tuple[tuple[Attribution, ...], tuple[Attribution, ...]]:
    against: list[Attribution] = []
    supporting: list[Attribution] = []
    for rule in set(worse.rules) | set(better.rules):
        sw = worse.rules[rule] / worse.shares
        sb = better.rules[rule] / better.shares
        if sw - sb >= ATTRIBUTION_MIN:
            against.append(Attribution(rule, sw, sb))
        elif sb - sw >= ATTRIBUTION_MIN:
            supporting.append(Attribution(rule, sw, sb))
    against.sort(key=lambda a: (a.share_favoured - a.share_disfavoured, str(a.rule)))
    supporting.sort(key=lambda a: (a.share_disfavoured - a.share_favoured, str(a.rule)))
    return tuple(against), tuple(supporting)


def _stratum_order(s: Stratum) -> tuple[Any, ...]:
    return (s[0], KIND_ORDER.get(s[1], 99), CHANNEL_ORDER.get(s[2], 99))


class Parity:
    """The parity report of one policy over one traffic."""

    def __init__(
        self,
        sim: Simulation,
        credit: Mapping[str, float] | None = None,
        *,
        run: int = 0,
        threshold: float = DEFAULT_THRESHOLD,
        min_shares: int = DEFAULT_MIN_SHARES,
    ) -> None:
        if not 0 <= threshold <= 1:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
        if min_shares < 1:
            raise ValueError(f"min_shares must be at least 1, got {min_shares}")
        self.sim = sim
        self.run = run
        self.credit = dict(credit or {})
        self.threshold = threshold
        self.min_shares = min_shares
        evaluator = sim.runs[run].evaluator
        self.bands = {p: self._band(evaluator, score) for p, score in self.credit.items()}
        self.platforms: dict[Stratum, dict[str, Group]] = {}
        self.tiers: dict[Stratum, dict[str, Group]] = {}
        self.tier_of: dict[str, str] = {}
        classes = sim.tally.classes[run]
        for index, count in sim.tally.by_class(run).items():
            cls = classes[index]
            stratum = (self.bands.get(cls.platform, UNSCORED), cls.link_kind, cls.channel)
            self.tier_of[cls.platform] = cls.tier
            self.platforms.setdefault(stratum, {}).setdefault(cls.platform, Group()).add(cls, count)
            self.tiers.setdefault(stratum, {}).setdefault(cls.tier, Group()).add(cls, count)
        self.disparities = sorted(
            [*self._flag("tier", self.tiers), *self._flag("platform", self.platforms)],
            key=lambda d: (d.level != "tier", -d.distance, _stratum_order(d.stratum), d.favoured),
        )

    @staticmethod
    def _band(evaluator: Evaluator, score: float) -> str:
        band = evaluator.band(score)
        return band.id if band is not None else UNSCORED

    def _flag(self, level: str, strata: dict[Stratum, dict[str, Group]]) -> Iterable[Disparity]:
        for stratum in sorted(strata, key=_stratum_order):
            groups = {n: g for n, g in strata[stratum].items() if g.shares >= self.min_shares}
            for x, y in combinations(sorted(groups), 2):
                gx, gy = groups[x], groups[y]
                d = distance(gx, gy)
                if d <= self.threshold:
                    continue
                if (gx.mean_score, x) > (gy.mean_score, y):
                    x, y, gx, gy = y, x, gy, gx
                against, supporting = _attribute(gy, gx)
                tier = (lambda n: n) if level == "tier" else self.tier_of.__getitem__
                yield Disparity(
                    level, stratum, x, y, tier(x), tier(y), d, gx, gy, against, supporting
                )

    def by_band_and_kind(self, level: str) -> dict[tuple[str, str], dict[str, Group]]:
        """Groups pooled over channels: (band, link kind) -> tier or platform -> group."""
        strata = self.tiers if level == "tier" else self.platforms
        out: dict[tuple[str, str], dict[str, Group]] = {}
        for (band, kind, _), groups in strata.items():
            pooled = out.setdefault((band, kind), {})
            for name, group in groups.items():
                target = pooled.setdefault(name, Group())
                target.shares += group.shares
                target.labels.update(group.labels)
                target.rules.update(group.rules)
        order = TIER_ORDER if level == "tier" else None
        return {
            key: dict(
                sorted(
                    groups.items(),
                    key=lambda kv: (
                        order.get(kv[0], 99) if order else TIER_ORDER.get(self.tier_of[kv[0]], 99),
                        -kv[1].shares,
                        kv[0],
                    ),
                )
            )
            for key, groups in sorted(out.items(), key=lambda kv: (kv[0][0], KIND_ORDER[kv[0][1]]))
        }

    def to_dict(self) -> dict[str, Any]:
        def strata(level: str, data: dict[Stratum, dict[str, Group]]) -> list[dict[str, Any]]:
            rows = []
            for stratum in sorted(data, key=_stratum_order):
                band, kind, channel = stratum
                for name, group in sorted(data[stratum].items()):
                    row = {"credit_band": band, "link_kind": kind, "channel": channel}
                    row[level] = name
                    if level == "platform":
                        row["tier"] = self.tier_of[name]
                    row.update(group.to_dict())
                    rows.append(row)
            return rows

        run = self.sim.runs[self.run]
        return {
            "policy": {"name": run.policy.name, "revision": run.policy.revision},
            "threshold": self.threshold,
            "min_shares": self.min_shares,
            "credit": {
                p: {"score": s, "band": self.bands[p]} for p, s in sorted(self.credit.items())
            },
            "tiers": strata("tier", self.tiers),
            "platforms": strata("platform", self.platforms),
            "disparities": [d.to_dict() for d in self.disparities],
        }
