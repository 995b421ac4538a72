"""A validated policy: plain frozen data, each rule knowing where it was written.

The loader (``policy.loader``) builds these from YAML; the evaluator
(``policy.evaluator``) reads them. ``source`` fields are ``file:line:column``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from linkgate.credit.score import CreditParams
from linkgate.enforcement.ladder import LadderParams
from linkgate.enforcement.spam import SpamParams
from linkgate.reports.weighting import WeightParams
from linkgate.vocabulary import Treatment


@dataclass(frozen=True, slots=True)
class Effect:
    """What a rule does to a decision when it applies."""

    treatment: Treatment | None = None
    warn: bool = False
    remove: frozenset[str] = frozenset()
    reason: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class TierBaseline:
    """The best a tier's links may get in one channel under the policy path."""

    tier: str
    treatment: Treatment
    fallback: Treatment
    warn: bool
    reason: str | None
    capabilities: frozenset[str]
    limits: dict[str, dict[str, Any]]
    source: str | None


@dataclass(frozen=True, slots=True)
class PlatformSelector:
    """Platforms a phase or rule covers: by tier, by id, or by priority rank (any may match)."""

    tiers: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    max_rank: int | None = None

    def matches(self, platform_id: str | None, tier: str, rank: int | None) -> bool:
        if tier in self.tiers:
            return True
        if platform_id is not None and platform_id in self.ids:
            return True
        return self.max_rank is not None and rank is not None and rank <= self.max_rank


@dataclass(frozen=True, slots=True)
class RampStep:
    at: datetime
    percent: float


@dataclass(frozen=True, slots=True)
class Phase:
    """From ``start`` (until ``end``), these channels open for these platforms' links."""

    id: str
    start: datetime
    end: datetime | None
    platforms: PlatformSelector
    channels: frozenset[str]
    link_kinds: frozenset[str] | None
    percent: float
    ramp: tuple[RampStep, ...]
    connects: frozenset[str]
    effect: Effect | None
    bounds: dict[str, float]
    source: str | None

    def percent_at(self, at: datetime) -> float:
        """The share of users (0–100) this phase admits at ``at``."""
        percent = self.percent
        for step in self.ramp:
            if step.at <= at:
                percent = step.percent
        return percent

    def boundaries(self) -> list[datetime]:
        times = [self.start, *(s.at for s in self.ramp)]
        if self.end is not None:
            times.append(self.end)
        return times


@dataclass(frozen=True, slots=True)
class Rollout:
    closed: Effect
    gated_capabilities: frozenset[str]
    phases: tuple[Phase, ...]
    safety_min_shares: int = 200


@dataclass(frozen=True, slots=True)
class ChannelRule:
    id: str
    channels: frozenset[str]
    link_kinds: frozenset[str] | None
    tiers: frozenset[str] | None
    platforms: frozenset[str] | None
    effect: Effect
    source: str | None

    def matches(self, channel: str, link_kind: str, tier: str, platform_id: str | None) -> bool:
        if channel not in self.channels:
            return False
        if self.link_kinds is not None and link_kind not in self.link_kinds:
            return False
        if self.tiers is not None and tier not in self.tiers:
            return False
        return self.platforms is None or platform_id in self.platforms


@dataclass(frozen=True, slots=True)
class GroupPolicy:
    """What a group owner's setting and a member's opt-out do to external links."""

    external_tiers: frozenset[str]
    denied: Effect
    allowed_kinds: dict[str, frozenset[str] | None]
    viewer_opt_out: Effect
    source: str | None


@dataclass(frozen=True, slots=True)
class CreditBand:
    id: str
    min: float
    effect: Effect


@dataclass(frozen=True, slots=True)
class CategoryEffects:
    """Effects by category (content classes, threat-list categories, sender actions)."""

    default: Effect | None
    categories: dict[str, Effect]
    min_score: float = 0.0

    def effect_for(self, category: str) -> Effect | None:
        return self.categories.get(category, self.default)


DEFAULT_CONTINUE_RATES: dict[str, float] = {
    "none": 1.0,
    "warn": 0.70,
    "copy_only": 0.05,
    "blocked": 0.0,
}


@dataclass(frozen=True, slots=True)
class Funnel:
    """How shares become expected opens in the simulator (``simulator.funnel``).

    A share gets ``clicks_per_share[channel]`` clicks (1.0 where unset); a
    click opens the page with the continue rate of the interstitial it meets
    (see docs/simulator.md for where the default rates come from).
    """

    continue_rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_CONTINUE_RATES))
    clicks_per_share: dict[str, float] = field(default_factory=dict)
    source: str | None = None

    def opens(self, channel: str, interstitial: str) -> float:
        """Expected opens of one share in ``channel`` that meets ``interstitial``."""
        return self.clicks_per_share.get(channel, 1.0) * self.continue_rates[interstitial]


@dataclass(frozen=True, slots=True)
class ReportPolicy:
    """How reports are counted and when they restrict a link pending review."""

    restrict_weight: float = 3.0
    restrict: CategoryEffects = field(
        default_factory=lambda: CategoryEffects(Effect(treatment="copy_only"), {})
    )
    severity: dict[str, float] = field(default_factory=dict)
    weighting: WeightParams = field(default_factory=WeightParams)
    per_hour: int = 20
    per_day: int = 100
    appeal_due_hours: int = 72
    appeals_per_hour: int = 10
    appeals_per_day: int = 30
    source: str | None = None

    def severity_of(self, category: str) -> float:
        return self.severity.get(category, 1.0)


@dataclass(frozen=True, slots=True)
class ViolationPolicy:
    """What an upheld violation does: the ladder of blocks and its effect."""

    ladder: LadderParams = field(default_factory=LadderParams)
    effect: Effect = field(default_factory=lambda: Effect(treatment="blocked"))
    source: str | None = None


@dataclass(frozen=True, slots=True)
class ForwardLimit:
    """After ``max_forwards`` shares of one link within ``window``, shares into
    ``channels`` get ``effect`` (reason ``forward_limit``)."""

    id: str
    window: timedelta
    max_forwards: int
    channels: frozenset[str]
    effect: Effect
    source: str | None


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    path: str
    revision: str
    ttl_seconds: int
    tiers: dict[tuple[str, str], TierBaseline]
    rollout: Rollout
    channel_rules: tuple[ChannelRule, ...]
    deception: CategoryEffects
    groups: GroupPolicy
    credit_bands: tuple[CreditBand, ...]
    content: CategoryEffects
    threat_lists: CategoryEffects
    senders: CategoryEffects
    mini_program_expiry_days: int
    reasons: dict[str, dict[str, str]]
    files: tuple[str, ...] = field(default=())
    credit: CreditParams = field(default_factory=CreditParams)
    reports: ReportPolicy = field(default_factory=ReportPolicy)
    violations: ViolationPolicy = field(default_factory=ViolationPolicy)
    enforcement: SpamParams = field(default_factory=SpamParams)
    forward_limits: tuple[ForwardLimit, ...] = ()
    funnel: Funnel = field(default_factory=Funnel)

    def baseline(self, tier: str, channel: str) -> TierBaseline:
        return self.tiers[(tier, channel)]
