"""The pure decision: stages that each may only constrain; the most restrictive wins.

``Evaluator.evaluate`` takes the link's facts, the situation (channel, time,
people, group) and the current state (threat lists, blocks, credit, senders)
and returns an :class:`Outcome`. It does no I/O. The static part of a
decision — tier baseline, rollout, channel rules — depends only on the
platform, link kind, channel and rollout epoch, so it is computed once per
such key and reused.
"""

from __future__ import annotations

import operator
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from linkgate.enforcement.blocks import BlockIndex
from linkgate.enforcement.senders import SenderTable
from linkgate.facts import UrlFacts
from linkgate.lists.threats import ThreatLists
from linkgate.policy.decision import Constraint, Counterfactual
from linkgate.policy.model import CreditBand, Effect, Phase, Policy
from linkgate.rollout.bucket import in_percentage
from linkgate.vocabulary import CAPABILITIES, RANK, TREATMENTS, Treatment, interstitial_for

WEB_SCHEMES = frozenset({"http", "https"})
_NO_PHASES: frozenset[str] = frozenset()
_LINK_MEMO_SIZE = 10_000

# What a link's own constraints depend on: its scheme when that is not a web
# scheme (and not already a dangerous_scheme signal), and its signals.
_LinkKey = tuple[str | None, tuple[str, ...]]


def _link_key(facts: UrlFacts) -> _LinkKey | None:
    """The key of the link's own constraints; ``None`` when it has none."""
    signals = facts.signals
    scheme = facts.scheme
    if scheme in WEB_SCHEMES or "dangerous_scheme" in signals:
        return (None, signals) if signals else None
    return (scheme, signals)


def whole_seconds_between(later: datetime, later_stamp: float, at: datetime, stamp: float) -> int:
    """``int((later - at).total_seconds())``, from the two times' timestamps when that is exact.

    Timestamps of times with microseconds are rounded floats: within a millisecond of a
    whole second their difference could fall on the other side of it, and there the
    aware times are subtracted (about a microsecond, against a tenth of one).
    """
    seconds = later_stamp - stamp
    whole = int(seconds)
    if 0.001 < abs(seconds - whole) < 0.999 or (stamp.is_integer() and later_stamp.is_integer()):
        return whole
    return int((later - at).total_seconds())


ALL_CAPABILITIES = frozenset(CAPABILITIES)
OPENABLE_WITH_CAPABILITIES = frozenset({"mini_program", "rich_page"})


@dataclass(frozen=True, slots=True)
class ContentSignal:
    """A content classifier's verdict on a link's preview."""

    category: str
    score: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Situation:
    """Everything about a decision except the link itself."""

    channel: str
    at: datetime
    sender: str | None = None
    viewer: str | None = None
    group_setting: str | None = None
    viewer_opt_out: bool = False
    content: tuple[ContentSignal, ...] = ()
    forwards: Mapping[timedelta, int] = field(default_factory=dict)

    @property
    def user(self) -> str | None:
        """Whose sticky rollout bucket applies: the viewer's at open, the sender's at share."""
        return self.viewer if self.viewer is not None else self.sender


@dataclass(frozen=True, slots=True)
class State:
    """Enforcement and list state the decision reads (part of the snapshot)."""

    threats: ThreatLists = field(default_factory=ThreatLists)
    blocks: BlockIndex = field(default_factory=BlockIndex)
    credit: Mapping[str, float] = field(default_factory=dict)
    senders: SenderTable = field(default_factory=SenderTable)
    domain_credit: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    treatment: Treatment
    warn: bool
    capabilities: tuple[str, ...]
    limits: dict[str, dict[str, Any]]
    constraints: tuple[Constraint, ...]
    reasons: tuple[str, ...]
    category: str | None
    expires_at: datetime | None
    counterfactuals: tuple[Counterfactual, ...] = ()

    @property
    def interstitial(self) -> str:
        return interstitial_for(self.treatment, self.warn)


def _constraint(
    stage: str,
    rule: str,
    effect: Effect,
    *,
    reason: str | None = None,
    detail: str = "",
    category: str | None = None,
    expires_at: datetime | None = None,
) -> Constraint:
    """A constraint doing what ``effect`` says; ``reason`` is the fallback reason code."""
    return Constraint(
        stage=stage,
        rule=rule,
        source=effect.source,
        reason=effect.reason or reason,
        treatment=effect.treatment,
        warn=effect.warn,
        remove=effect.remove,
        detail=detail,
        category=category,
        expires_at=expires_at,
    )


def _has_effect(effect: Effect | None) -> bool:
    return effect is not None and bool(effect.treatment or effect.warn or effect.remove)


def _fold(
    start: Treatment,
    granted: frozenset[str],
    limits: Mapping[str, dict[str, Any]],
    constraints: Sequence[Constraint],
) -> Outcome:
    """Apply every constraint: worst treatment, any warning, union of removals."""
    rank = RANK[start]
    warn = False
    removed: set[str] = set()
    expires: datetime | None = None
    for c in constraints:
        if c.treatment is not None and RANK[c.treatment] > rank:
            rank = RANK[c.treatment]
        warn = warn or c.warn
        removed.update(c.remove)
    treatment = TREATMENTS[rank]
    if treatment in OPENABLE_WITH_CAPABILITIES:
        capabilities = tuple(c for c in CAPABILITIES if c in granted and c not in removed)
    else:
        capabilities = ()
        warn = warn and treatment == "plain_page"
    reasons: list[str] = []
    category: str | None = None
    for c in constraints:
        binding = (
            (c.treatment is not None and c.treatment == treatment)
            or (c.warn and warn)
            or (treatment in OPENABLE_WITH_CAPABILITIES and bool(c.remove & granted))
        )
        if not binding:
            continue
        if c.reason is not None and c.reason not in reasons:
            reasons.append(c.reason)
        if category is None and c.category is not None and c.treatment == treatment:
            category = c.category
        if c.expires_at is not None and c.treatment == treatment:
            expires = c.expires_at if expires is None else min(expires, c.expires_at)
    return Outcome(
        treatment=treatment,
        warn=warn,
        capabilities=capabilities,
        limits={k: v for k, v in limits.items() if k in capabilities},
        constraints=tuple(constraints),
        reasons=tuple(reasons),
        category=category,
        expires_at=expires,
    )


@dataclass(frozen=True, slots=True)
class _Static:
    """The memoised static part of a decision for one (platform, kind, channel, epoch)."""

    start: Treatment
    granted: frozenset[str]
    limits: dict[str, dict[str, Any]]
    constraints: tuple[Constraint, ...]
    outcome: Outcome
    # The final outcome of decisions whose only dynamic constraints are the
    # link's own, by the link's key (None: no such constraint); see
    # ``Evaluator.evaluate``.
    explained: dict[_LinkKey | None, Outcome] = field(default_factory=dict, compare=False)


class Evaluator:
    """A compiled policy: evaluates decisions without I/O."""

    def __init__(self, policy: Policy, paused: Mapping[str, str] | None = None) -> None:
        self.policy = policy
        self.paused: Mapping[str, str] = dict(paused or {})
        times = sorted({t for p in policy.rollout.phases for t in p.boundaries()})
        self._boundaries: tuple[datetime, ...] = tuple(times)
        self._stamps: tuple[float, ...] = tuple(t.timestamp() for t in times)
        self._partial: list[tuple[Phase, ...]] = []
        for epoch in range(len(times) + 1):
            probe = times[epoch - 1] if epoch > 0 else None
            self._partial.append(
                tuple(
                    p
                    for p in policy.rollout.phases
                    if probe is not None and self._active(p, probe) and p.percent_at(probe) < 100
                )
            )
        self._memo: dict[tuple[Any, ...], _Static] = {}
        self._link_constraints: dict[_LinkKey, tuple[Constraint, ...]] = {}
        # The last time asked about, its epoch and its timestamp (see epoch()).
        self._last_epoch: tuple[datetime | None, int, float] = (None, 0, 0.0)
        # Per epoch: whether no later epoch admits users by percentage, so that
        # the rollout counterfactual depends on no user.
        self._same_for_all_later = tuple(
            not any(self._partial[later] for later in range(epoch + 1, len(self._partial)))
            for epoch in range(len(self._partial))
        )
        bands = sorted(policy.credit_bands, key=lambda b: b.min, reverse=True)
        self._bands = tuple(bands)
        # The channels some forward limit applies in: a share elsewhere (most are in
        # one-to-one chats) meets none, whatever its counts.
        self._forward_channels = frozenset(
            channel for limit in policy.forward_limits for channel in limit.channels
        )

    # -- rollout -----------------------------------------------------------

    @staticmethod
    def _active(phase: Phase, at: datetime) -> bool:
        return phase.start <= at and (phase.end is None or at < phase.end)

    def epoch(self, at: datetime) -> int:
        # A decision asks twice for the epoch of its time (the static part,
        # then the TTL), and ``timestamp()`` of an aware time is not cheap:
        # the last answer is kept, with the very object it was for.
        last_at, last_epoch, _ = self._last_epoch
        if at is last_at:
            return last_epoch
        stamp = at.timestamp()
        epoch = bisect_right(self._stamps, stamp)
        self._last_epoch = (at, epoch, stamp)
        return epoch

    def next_boundary(self, at: datetime) -> datetime | None:
        i = self.epoch(at)
        return self._boundaries[i] if i < len(self._boundaries) else None

    def seconds_to_boundary(self, at: datetime) -> int | None:
        """Whole seconds from ``at`` to the next rollout boundary, or ``None`` after the last.

        The same as ``int((next_boundary(at) - at).total_seconds())``, from the timestamps
        :meth:`epoch` has already read: subtracting two aware times costs about a
        microsecond, as much as the rest of a cached decision's time checks together.
        """
        i = self.epoch(at)
        stamps = self._stamps
        if i >= len(stamps):
            return None
        last_at, _, stamp = self._last_epoch
        if last_at is not at:  # another thread asked about another time meanwhile
            stamp = at.timestamp()
        return whole_seconds_between(self._boundaries[i], stamps[i], at, stamp)

    def _rollout(
        self,
        platform_id: str | None,
        tier: str,
        rank: int | None,
        link_kind: str,
        channel: str,
        at: datetime,
        admitted: frozenset[str],
    ) -> list[Constraint]:
        rollout = self.policy.rollout
        open_phase: Phase | None = None
        held_back: Phase | None = None
        connected: set[str] = set()
        extra: list[Constraint] = []
        paused: Phase | None = None
        for phase in rollout.phases:
            if not self._active(phase, at):
                continue
            if channel not in phase.channels:
                continue
            if phase.link_kinds is not None and link_kind not in phase.link_kinds:
                continue
            if not phase.platforms.matches(platform_id, tier, rank):
                continue
            if phase.id in self.paused:
                paused = paused or phase
                continue
            if phase.percent_at(at) < 100 and phase.id not in admitted:
                held_back = held_back or phase
                continue
            open_phase = open_phase or phase
            connected.update(phase.connects)
            if phase.effect is not None:
                extra.append(_constraint("rollout", phase.id, phase.effect))
        out: list[Constraint] = []
        if open_phase is None:
            if paused is not None:
                out.append(
                    Constraint(
                        stage="rollout",
                        rule=paused.id,
                        source=paused.source,
                        reason="rollout_paused",
                        treatment=rollout.closed.treatment,
                        warn=rollout.closed.warn,
                        remove=rollout.closed.remove,
                        detail=f"{paused.id} is paused: {self.paused[paused.id]}",
                    )
                )
            elif held_back is not None:
                out.append(
                    Constraint(
                        stage="rollout",
                        rule=held_back.id,
                        source=held_back.source,
                        reason="rollout_percentage",
                        treatment=rollout.closed.treatment,
                        warn=rollout.closed.warn,
                        remove=rollout.closed.remove,
                        detail=f"user not yet in {held_back.percent_at(at):g}% of {held_back.id}",
                    )
                )
            else:
                out.append(
                    _constraint(
                        "rollout",
                        "rollout.closed",
                        rollout.closed,
                        detail=f"no rollout phase opens {tier} {link_kind} links in {channel}",
                    )
                )
        out.extend(extra)
        unconnected = rollout.gated_capabilities - connected
        if unconnected:
            out.append(
                Constraint(
                    stage="rollout",
                    rule="rollout.gated_capabilities",
                    source=open_phase.source if open_phase else rollout.closed.source,
                    reason="capability_not_connected",
                    remove=frozenset(unconnected),
                    detail="not connected by any active phase: " + ", ".join(sorted(unconnected)),
                )
            )
        return out

    def _admitted(self, epoch: int, situation: Situation) -> frozenset[str]:
        partial = self._partial[epoch]
        if not partial:
            return _NO_PHASES
        user = situation.user
        at = situation.at
        return frozenset(p.id for p in partial if in_percentage(p.id, user, p.percent_at(at)))

    # -- static part -------------------------------------------------------

    def _static(self, facts: UrlFacts, situation: Situation) -> _Static:
        platform = facts.platform
        platform_id = platform.id if platform is not None else None
        has_mp = facts.mini_program is not None
        epoch = self.epoch(situation.at)
        admitted = self._admitted(epoch, situation)
        key = (platform_id, facts.link_kind, situation.channel, has_mp, epoch, admitted)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        tier = platform.tier if platform is not None else "unknown"
        rank = platform.priority_rank if platform is not None else None
        registered = frozenset(platform.capabilities) if platform is not None else frozenset[str]()
        baseline = self.policy.baseline(tier, situation.channel)
        start: Treatment = baseline.treatment
        if start == "mini_program" and not has_mp:
            start = baseline.fallback
        granted = baseline.capabilities & registered
        constraints: list[Constraint] = []
        constraints.extend(
            self._rollout(
                platform_id,
                tier,
                rank,
                facts.link_kind,
                situation.channel,
                situation.at,
                admitted,
            )
        )
        for rule in self.policy.channel_rules:
            if rule.matches(situation.channel, facts.link_kind, tier, platform_id):
                constraints.append(_constraint("channel", rule.id, rule.effect))
        constraints.append(
            Constraint(
                stage="tier",
                rule=f"tiers.{tier}",
                source=baseline.source,
                reason=baseline.reason,
                treatment=start,
                warn=baseline.warn,
                remove=frozenset(ALL_CAPABILITIES - granted) if granted else frozenset(),
                detail=f"{tier} baseline in {situation.channel} under the {self.policy.path} path",
            )
        )
        outcome = _fold("mini_program", granted, baseline.limits, constraints)
        static = _Static(start, granted, baseline.limits, tuple(constraints), outcome)
        if len(self._memo) < 100_000:
            self._memo[key] = static
        return static

    # -- the decision ------------------------------------------------------

    def evaluate(self, facts: UrlFacts, situation: Situation, state: State) -> Outcome:
        if not facts.valid:
            c = Constraint(
                stage="parse",
                rule="parse",
                source=None,
                reason="invalid_url",
                treatment="blocked",
                detail=f"not a usable link: {facts.error}",
            )
            return _fold("blocked", frozenset(), {}, [c])
        static = self._static(facts, situation)
        dynamic = self._dynamic(facts, situation, state)
        # When the only dynamic constraints are the link's own (scheme and
        # deception signals, see _deception), the outcome and its
        # counterfactuals depend on the static part and those alone (and on
        # the user when a later epoch ramps by percentage): kept with the
        # static part, by the link's key.
        key = _link_key(facts) if dynamic else None
        own = self._link_constraints.get(key) if key is not None else ()
        reusable = (
            own is not None
            and len(own) == len(dynamic)
            and all(map(operator.is_, own, dynamic))
            and self._same_for_all_later[self.epoch(situation.at)]
        )
        if reusable:
            explained = static.explained.get(key)
            if explained is not None:
                return explained
        if not dynamic:
            outcome = static.outcome
        else:
            constraints = self._ordered(dynamic, static.constraints)
            outcome = _fold("mini_program", static.granted, static.limits, constraints)
        outcome = self._with_counterfactuals(outcome, facts, situation, state, static)
        if reusable and len(static.explained) < _LINK_MEMO_SIZE:
            static.explained[key] = outcome
        return outcome

    @staticmethod
    def _ordered(dynamic: list[Constraint], static: tuple[Constraint, ...]) -> list[Constraint]:
        order = _STAGE_ORDER
        return sorted([*dynamic, *static], key=lambda c: order.get(c.stage, len(order)))

    def _dynamic(self, facts: UrlFacts, situation: Situation, state: State) -> list[Constraint]:
        """Constraints that depend on more than (platform, kind, channel, epoch)."""
        out = self._deception(facts)
        at = situation.at
        listed = state.threats.match(host=facts.host, canonical=facts.canonical, at=at)
        if listed is not None:
            effect = self.policy.threat_lists.effect_for(listed.category)
            if effect is not None:
                out.append(
                    _constraint(
                        "threat_list",
                        f"threat_lists.{listed.category}",
                        effect,
                        reason="threat_list",
                        category=listed.category,
                        detail=f"listed by {listed.list_id} as {listed.category}",
                        expires_at=listed.expires_at,
                    )
                )
        # Each stage below is entered only when its data could constrain this decision: most
        # decisions meet no block, credit score or content signal, and most are not in a group.
        blocks = state.blocks
        parsed = facts.parsed
        path = parsed.pathname if parsed is not None else ""
        override = (
            blocks.override(
                canonical=facts.canonical,
                host=facts.host,
                path=path,
                platform_id=facts.platform_id,
                at=at,
            )
            if blocks.overrides
            else None
        )
        if override is not None:
            out.append(
                Constraint(
                    stage="enforcement",
                    rule=f"override.{override.id}",
                    source=None,
                    reason=None,
                    detail=f"allow override on {override.scope} {override.target} until "
                    f"{override.expires_at.isoformat()}: blocks and credit bands do not apply"
                    + (f" ({override.note})" if override.note else ""),
                    expires_at=override.expires_at,
                )
            )
        elif blocks.blocks:
            for block in blocks.match(
                canonical=facts.canonical,
                host=facts.host,
                path=path,
                platform_id=facts.platform_id,
                at=at,
            ):
                until = (
                    f" until {block.expires_at.isoformat()}"
                    if block.expires_at is not None
                    else " until lifted"
                )
                out.append(
                    Constraint(
                        stage="enforcement",
                        rule=f"block.{block.id}",
                        source=None,
                        reason=block.reason,
                        treatment=block.treatment,
                        category=block.category,
                        detail=(block.detail or f"{block.scope} block on {block.target}") + until,
                        expires_at=block.expires_at,
                    )
                )
        if situation.channel == "group_chat":
            out.extend(self._group(facts, situation))
        if override is None and (state.credit or state.domain_credit):
            out.extend(self._credit(facts, state))
        if situation.content:
            out.extend(self._content(situation))
        if situation.forwards and situation.channel in self._forward_channels:
            out.extend(self._forward_limits(situation))
        sender = state.senders.get(situation.sender, at)
        if sender is not None:
            effect = self.policy.senders.effect_for(sender.action)
            if effect is not None and _has_effect(effect):
                out.append(
                    _constraint(
                        "sender",
                        f"senders.{sender.action}",
                        effect,
                        reason="sender_restricted",
                        detail=f"sender {sender.action}: {sender.reason}",
                        expires_at=sender.expires_at,
                    )
                )
        return out

    def _forward_limits(self, situation: Situation) -> list[Constraint]:
        out: list[Constraint] = []
        for limit in self.policy.forward_limits:
            if situation.channel not in limit.channels:
                continue
            count = situation.forwards.get(limit.window, 0)
            if count > limit.max_forwards:
                out.append(
                    _constraint(
                        "forward",
                        f"forward_limits.{limit.id}",
                        limit.effect,
                        reason="forward_limit",
                        detail=f"shared {count} times in {limit.window} "
                        f"(limit {limit.max_forwards})",
                    )
                )
        return out

    def _deception(self, facts: UrlFacts) -> list[Constraint]:
        key = _link_key(facts)
        if key is None:
            return []
        found = self._link_constraints.get(key)
        if found is None:
            found = tuple(self._deception_constraints(*key))
            if len(self._link_constraints) < _LINK_MEMO_SIZE:
                self._link_constraints[key] = found
        return list(found)

    def _deception_constraints(
        self, non_web_scheme: str | None, signals: tuple[str, ...]
    ) -> list[Constraint]:
        """The link's own constraints: its scheme if not a web one, its deception signals."""
        out: list[Constraint] = []
        if non_web_scheme is not None:
            out.append(
                Constraint(
                    stage="parse",
                    rule="schemes",
                    source=None,
                    reason="non_web_scheme",
                    treatment="copy_only",
                    detail=f"{non_web_scheme}: links do not open in-app",
                )
            )
        for code in signals:
            effect = self.policy.deception.effect_for(code) or Effect()
            # Deceptive links never get more than a plain page behind the warning.
            treatment = effect.treatment or "plain_page"
            if RANK[treatment] < RANK["plain_page"]:
                treatment = "plain_page"
            out.append(
                Constraint(
                    stage="deception",
                    rule=f"deception.{code}",
                    source=effect.source,
                    reason=code,
                    treatment=treatment,
                    warn=True,
                    remove=effect.remove,
                    detail=f"deception signal {code}",
                )
            )
        return out

    def _group(self, facts: UrlFacts, situation: Situation) -> list[Constraint]:
        """The group's constraints on a link shared in a group chat."""
        groups = self.policy.groups
        platform = facts.platform
        tier = platform.tier if platform is not None else "unknown"
        if tier not in groups.external_tiers:
            return []
        out: list[Constraint] = []
        setting = situation.group_setting
        if setting is not None and setting != "allow":
            allowed = groups.allowed_kinds.get(setting)
            if allowed is not None and facts.link_kind not in allowed:
                out.append(
                    _constraint(
                        "group",
                        f"groups.settings.{setting}",
                        groups.denied,
                        reason="group_denied",
                        detail=f"group setting {setting} does not admit {facts.link_kind} links",
                    )
                )
        if situation.viewer_opt_out:
            out.append(
                _constraint(
                    "group",
                    "groups.viewer_opt_out",
                    groups.viewer_opt_out,
                    reason="viewer_opt_out",
                    detail="the viewer opted out of external links",
                )
            )
        return out

    def _credit(self, facts: UrlFacts, state: State) -> list[Constraint]:
        out: list[Constraint] = []
        platform = facts.platform
        if platform is not None and state.credit:
            score = state.credit.get(platform.id)
            if score is not None:
                c = self._band_constraint(score, f"platform {platform.id}")
                if c is not None:
                    out.append(c)
        domain = facts.registrable_domain
        if domain is not None and state.domain_credit:
            score = state.domain_credit.get(domain)
            if score is not None:
                c = self._band_constraint(score, f"domain {domain}")
                if c is not None:
                    out.append(c)
        return out

    def _band_constraint(self, score: float, whose: str) -> Constraint | None:
        band = self.band(score)
        if band is None or not _has_effect(band.effect):
            return None
        return _constraint(
            "credit",
            f"credit.bands.{band.id}",
            band.effect,
            reason="credit_band",
            detail=f"{whose} credit score {score:g} is in band {band.id} (≥ {band.min:g})",
        )

    def _content(self, situation: Situation) -> list[Constraint]:
        content = self.policy.content
        out: list[Constraint] = []
        for found in situation.content:
            if found.score < content.min_score:
                continue
            effect = content.effect_for(found.category)
            if effect is None:
                continue
            out.append(
                _constraint(
                    "content",
                    f"content.{found.category}",
                    effect,
                    reason=found.category,
                    category=found.category,
                    detail=found.detail or f"{found.category} score {found.score:.2f}",
                )
            )
        return out

    def band(self, score: float) -> CreditBand | None:
        for band in self._bands:
            if score >= band.min:
                return band
        return self._bands[-1] if self._bands else None

    # -- counterfactuals ---------------------------------------------------

    def _with_counterfactuals(
        self,
        outcome: Outcome,
        facts: UrlFacts,
        situation: Situation,
        state: State,
        static: _Static,
    ) -> Outcome:
        if outcome.treatment == static.start and not outcome.warn:
            return outcome
        found: list[Counterfactual] = []
        current = RANK[outcome.treatment]
        binding = {
            c.stage
            for c in outcome.constraints
            if c.treatment is not None and RANK[c.treatment] == current and c.stage != "tier"
        }
        for stage in STAGES:
            if stage not in binding:
                continue
            cf = self._counterfactual(stage, outcome, facts, situation, state, static)
            if cf is not None:
                found.append(cf)
        if not found:
            return outcome
        found.sort(key=lambda c: RANK[c.treatment])
        return Outcome(
            treatment=outcome.treatment,
            warn=outcome.warn,
            capabilities=outcome.capabilities,
            limits=outcome.limits,
            constraints=outcome.constraints,
            reasons=outcome.reasons,
            category=outcome.category,
            expires_at=outcome.expires_at,
            counterfactuals=tuple(found),
        )

    def _without(self, outcome: Outcome, static: _Static, stage: str) -> Outcome:
        rest = [c for c in outcome.constraints if c.stage != stage]
        return _fold("mini_program", static.granted, static.limits, rest)

    def _counterfactual(
        self,
        stage: str,
        outcome: Outcome,
        facts: UrlFacts,
        situation: Situation,
        state: State,
        static: _Static,
    ) -> Counterfactual | None:
        better = self._without(outcome, static, stage)
        if RANK[better.treatment] >= RANK[outcome.treatment]:
            return None
        if stage == "rollout":
            return self._rollout_counterfactual(outcome, facts, situation, state)
        if stage == "credit":
            return self._credit_counterfactual(outcome, facts, situation, state)
        change = {
            "group": "if the group allowed these links"
            if not situation.viewer_opt_out
            else "if the viewer received external links",
            "channel": f"if shared outside {situation.channel}",
            "content": "if the page's content were not classified as "
            + (outcome.category or "violating"),
            "sender": "if the sender were not restricted",
            "forward": "when fewer shares of this link fall in the window",
            "enforcement": "when the block is lifted or expires",
            "threat_list": "if the link were not on a threat list",
            "deception": "if the link did not look deceptive",
            "parse": "if the link used http or https",
        }.get(stage, f"without the {stage} constraint")
        expires = None
        if stage in ("enforcement", "sender"):
            expires = min(
                (c.expires_at for c in outcome.constraints if c.stage == stage and c.expires_at),
                default=None,
            )
        return Counterfactual(
            stage=stage,
            change=change,
            treatment=better.treatment,
            interstitial=interstitial_for(better.treatment, better.warn),
            at=expires,
        )

    def _rollout_counterfactual(
        self, outcome: Outcome, facts: UrlFacts, situation: Situation, state: State
    ) -> Counterfactual | None:
        start = self.epoch(situation.at)
        for epoch in range(start, len(self._boundaries)):
            when = self._boundaries[epoch]
            later = Situation(
                channel=situation.channel,
                at=when,
                sender=situation.sender,
                viewer=situation.viewer,
                group_setting=situation.group_setting,
                viewer_opt_out=situation.viewer_opt_out,
                content=situation.content,
            )
            static = self._static(facts, later)
            if any(c.stage == "rollout" and c.treatment for c in static.constraints):
                continue
            rest = [c for c in outcome.constraints if c.stage != "rollout"]
            rest.extend(c for c in static.constraints if c.stage == "rollout")
            result = _fold("mini_program", static.granted, static.limits, rest)
            if RANK[result.treatment] < RANK[outcome.treatment]:
                opener = next(
                    (
                        p.id
                        for p in self.policy.rollout.phases
                        if p.start == when or any(s.at == when for s in p.ramp)
                    ),
                    "a rollout phase",
                )
                return Counterfactual(
                    stage="rollout",
                    change=f"from {when.isoformat()} when {opener} opens {situation.channel}",
                    treatment=result.treatment,
                    interstitial=interstitial_for(result.treatment, result.warn),
                    at=when,
                )
        return None

    def _credit_counterfactual(
        self, outcome: Outcome, facts: UrlFacts, situation: Situation, state: State
    ) -> Counterfactual | None:
        platform_id = facts.platform_id
        domain = facts.registrable_domain
        scores = [
            s
            for s in (
                state.credit.get(platform_id) if platform_id is not None else None,
                state.domain_credit.get(domain) if domain is not None else None,
            )
            if s is not None
        ]
        if not scores:
            return None
        lowest = min(scores)
        for band in reversed(self._bands):
            if band.min <= lowest:
                continue
            credit = dict(state.credit)
            domain_credit = dict(state.domain_credit)
            if platform_id is not None and platform_id in credit:
                credit[platform_id] = max(credit[platform_id], band.min)
            if domain is not None and domain in domain_credit:
                domain_credit[domain] = max(domain_credit[domain], band.min)
            trial = self.evaluate(
                facts, situation, replace(state, credit=credit, domain_credit=domain_credit)
            )
            if RANK[trial.treatment] < RANK[outcome.treatment]:
                return Counterfactual(
                    stage="credit",
                    change=f"if the credit score were ≥ {band.min:g}",
                    treatment=trial.treatment,
                    interstitial=interstitial_for(trial.treatment, trial.warn),
                    threshold=band.min,
                )
        return None


STAGES: tuple[str, ...] = (
    "parse",
    "deception",
    "threat_list",
    "enforcement",
    "rollout",
    "group",
    "channel",
    "tier",
    "credit",
    "content",
    "forward",
    "sender",
)
_STAGE_ORDER: dict[str, int] = {stage: i for i, stage in enumerate(STAGES)}
