"""Replay share events through one or more policies, without enforcing or storing anything.

:class:`Replay` decides every event with each policy's pure evaluator, at
the event's own time, against a fixed :class:`~linkgate.policy.evaluator.State`
(empty unless credit scores, lists or blocks are given). It never touches
storage, counters or a live gateway: what it produces is a :class:`Tally`,
counts of events by day and by the *decision class* each policy gave them.

A decision class is the part of a decision the reports count: platform,
tier, link kind, channel, treatment, interstitial, capabilities, primary
reason, the rules that bound it (from the trace) and the expected opens
(the policy's funnel). Decisions are pure, so equal inputs give equal
classes. The replay inspects each distinct URL once and keeps only what the
evaluator reads of its facts (validity, scheme, platform, link kind, whether
a mini-program page matches, deception signals, and the registrable domain
when domains have credit scores); it decides each distinct
(facts, channel, rollout epoch, rollout user where a phase admits only a
percentage, content signals) once per policy and counts the rest. With
time-bounded state (threat lists, blocks and overrides, sender actions) the
decision also depends on the host, the exact time and the sender, so it
decides every event from its own facts. Nothing is counted between events:
forward limits, which read share counters, do not apply in a replay.

Events come from any iterable — a traffic file, generated traffic, or the
decision log — so the source is the caller's business.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from linkgate.facts import Inspector, UrlFacts
from linkgate.policy.evaluator import ContentSignal, Evaluator, Outcome, Situation, State
from linkgate.policy.model import Policy
from linkgate.simulator.schema import ShareEvent

UNREGISTERED: Final = "unregistered"
OPENABLE_WITH_CAPABILITIES: Final = frozenset({"mini_program", "rich_page"})
#: Memoised decisions per policy before the memo is emptied and refilled.
MEMO_LIMIT: Final = 2_000_000

#: Content signals for a share's title (a content classifier's); called for ``None`` too.
TitleSignals = Callable[[str | None], Sequence[ContentSignal]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A policy rule that bound a decision: its stage, id and ``file:line:column``."""

    stage: str
    rule: str
    source: str | None

    def to_dict(self) -> dict[str, str | None]:
        return {"stage": self.stage, "rule": self.rule, "source": self.source}

    def __str__(self) -> str:
        where = f" ({self.source})" if self.source else ""
        return f"{self.stage} {self.rule}{where}"


@dataclass(frozen=True, slots=True)
class DecisionClass:
    """The parts of a decision the simulator's reports count; equal decisions share one."""

    platform: str
    tier: str
    link_kind: str
    channel: str
    treatment: str
    interstitial: str
    capabilities: tuple[str, ...]
    reason: str | None
    category: str | None
    rules: tuple[Rule, ...]
    opens: float

    @property
    def label(self) -> str:
        """The treatment as a user meets it: ``plain_page+warn`` when the warning shows."""
        return f"{self.treatment}+warn" if self.interstitial == "warn" else self.treatment


@dataclass(frozen=True, slots=True)
class PolicyRun:
    """A policy under a name (``A``, ``B``, ``open`` …) as the replay uses it."""

    name: str
    policy: Policy
    evaluator: Evaluator

    @classmethod
    def of(cls, name: str, policy: Policy) -> PolicyRun:
        return cls(name, policy, Evaluator(policy))


@dataclass(slots=True)
class Tally:
    """What a replay counted: events by (day, class index per policy)."""

    runs: tuple[PolicyRun, ...]
    classes: tuple[list[DecisionClass], ...]
    counts: dict[tuple[date, tuple[int, ...]], int] = field(default_factory=dict)
    events: int = 0
    evaluations: int = 0
    distinct_urls: int = 0
    first: datetime | None = None
    last: datetime | None = None
    hours: list[int] = field(default_factory=lambda: [0] * 24)

    def by_class(self, run: int) -> dict[int, int]:
        """Events per class index of one policy."""
        out: dict[int, int] = {}
        for (_, ids), count in self.counts.items():
            out[ids[run]] = out.get(ids[run], 0) + count
        return out


class _Decider:
    """One policy's memoised decisions during a replay."""

    __slots__ = ("classes", "index", "memo", "partial", "run", "stamps")

    def __init__(self, run: PolicyRun) -> None:
        self.run = run
        self.classes: list[DecisionClass] = []
        self.index: dict[DecisionClass, int] = {}
        self.memo: dict[tuple[object, ...], int] = {}
        policy = run.policy
        times = sorted({t for p in policy.rollout.phases for t in p.boundaries()})
        self.stamps = [t.timestamp() for t in times]
        # Per rollout epoch: does any active phase admit only a share of users?
        self.partial = [False]
        for probe in times:
            self.partial.append(
                any(
                    p.start <= probe
                    and (p.end is None or probe < p.end)
                    and p.percent_at(probe) < 100
                    for p in policy.rollout.phases
                )
            )

    def intern(
        self,
        outcome: Outcome,
        platform: str,
        tier: str,
        kind: str,
        channel: str,
        granted: frozenset[str],
    ) -> int:
        treatment = outcome.treatment
        warn = outcome.warn
        openable = treatment in OPENABLE_WITH_CAPABILITIES
        rules = tuple(
            Rule(c.stage, c.rule, c.source)
            for c in outcome.constraints
            if (c.treatment is not None and c.treatment == treatment)
            or (c.warn and warn)
            or (openable and bool(c.remove & granted))
        )
        interstitial = outcome.interstitial
        cls = DecisionClass(
            platform=platform,
            tier=tier,
            link_kind=kind,
            channel=channel,
            treatment=treatment,
            interstitial=interstitial,
            capabilities=outcome.capabilities,
            reason=outcome.reasons[0] if outcome.reasons else None,
            category=outcome.category,
            rules=rules,
            opens=self.run.policy.funnel.opens(channel, interstitial),
        )
        found = self.index.get(cls)
        if found is None:
            found = self.index[cls] = len(self.classes)
            self.classes.append(cls)
        return found


def _state_is_timeless(state: State) -> bool:
    """True when nothing in ``state`` depends on the exact time, the host or the sender."""
    return not (
        len(state.threats) or len(state.blocks) or state.blocks.overrides or len(state.senders)
    )


class Replay:
    """Decides share events with every policy and counts the decision classes.

    All policies must share the inspector's registry (it resolves platforms
    and link kinds once for all of them). ``classify`` turns a share's title
    into content signals; without it titles are not classified.
    """

    def __init__(
        self,
        inspector: Inspector,
        runs: Sequence[PolicyRun],
        *,
        state: State | None = None,
        classify: TitleSignals | None = None,
        memo: bool = True,
    ) -> None:
        if not runs:
            raise ValueError("a replay needs at least one policy")
        self.inspector = inspector
        self.state = state if state is not None else State()
        self.classify = classify
        self._exact = not memo or not _state_is_timeless(self.state)
        # Domain credit scores make the registrable domain part of what a decision reads.
        self._by_domain = bool(self.state.domain_credit)
        self._deciders = [_Decider(run) for run in runs]
        self._titles: dict[str | None, tuple[ContentSignal, ...]] = {}
        # URL -> index of its facts key; one representative UrlFacts per key.
        self._urls: dict[str, int] = {}
        self._keys: dict[tuple[object, ...], int] = {}
        self._facts: list[UrlFacts] = []
        self.tally = Tally(
            runs=tuple(runs),
            classes=tuple(d.classes for d in self._deciders),
        )

    def _signals(self, title: str | None) -> tuple[ContentSignal, ...]:
        found = self._titles.get(title)
        if found is None:
            assert self.classify is not None
            found = tuple(self.classify(title))
            if len(self._titles) >= MEMO_LIMIT:
                self._titles.clear()
            self._titles[title] = found
        return found

    def _facts_of(self, url: str) -> int:
        """The index of the facts key of ``url``, inspecting it the first time it is seen."""
        facts = self.inspector.inspect(url)
        platform = facts.platform
        key = (
            facts.valid,
            facts.scheme,
            platform.id if platform is not None else None,
            facts.link_kind,
            facts.mini_program is not None,
            facts.signals,
            facts.registrable_domain if self._by_domain else None,
        )
        found = self._keys.get(key)
        if found is None:
            found = self._keys[key] = len(self._facts)
            self._facts.append(facts)
        if len(self._urls) >= MEMO_LIMIT:
            self._urls.clear()
        self._urls[url] = found
        self.tally.distinct_urls += 1
        return found

    def _decide(
        self, d: _Decider, event: ShareEvent, signals: tuple[ContentSignal, ...], facts: UrlFacts
    ) -> int:
        situation = Situation(
            channel=event.channel, at=event.time, sender=event.sender, content=signals
        )
        outcome = d.run.evaluator.evaluate(facts, situation, self.state)
        self.tally.evaluations += 1
        platform = facts.platform
        if platform is None:
            name, tier, granted = UNREGISTERED, "unknown", frozenset[str]()
        else:
            name, tier = platform.id, platform.tier
            baseline = d.run.policy.baseline(tier, event.channel)
            granted = baseline.capabilities & platform.capabilities
        return d.intern(outcome, name, tier, facts.link_kind, event.channel, granted)

    def _decide_exact(self, event: ShareEvent, signals: tuple[ContentSignal, ...]) -> list[int]:
        """Every policy's class for one event, decided from the event's own facts."""
        url = event.url
        if url not in self._urls:
            self._facts_of(url)
        facts = self.inspector.inspect(url)
        return [self._decide(d, event, signals, facts) for d in self._deciders]

    def feed(self, events: Iterable[ShareEvent]) -> int:
        """Decide and count ``events``; may be called again with more. Returns how many."""
        tally = self.tally
        counts = tally.counts
        urls = self._urls
        representative = self._facts
        hours = tally.hours
        deciders = self._deciders
        exact = self._exact
        classify = self.classify
        seen = 0
        first, last = tally.first, tally.last
        for event in events:
            at = event.time
            signals = self._signals(event.title) if classify is not None else ()
            if exact:
                ids = self._decide_exact(event, signals)
            else:
                url = event.url
                channel = event.channel
                stamp = at.timestamp()
                fk = urls.get(url)
                if fk is None:
                    fk = self._facts_of(url)
                ids = []
                for d in deciders:
                    epoch = bisect_right(d.stamps, stamp)
                    user = event.sender if d.partial[epoch] else None
                    key = (fk, channel, epoch, user, signals)
                    found = d.memo.get(key)
                    if found is None:
                        found = self._decide(d, event, signals, representative[fk])
                        if len(d.memo) >= MEMO_LIMIT:
                            d.memo.clear()
                        d.memo[key] = found
                    ids.append(found)
            slot = (at.date(), tuple(ids))
            counts[slot] = counts.get(slot, 0) + 1
            hours[at.hour] += 1
            if first is None or at < first:
                first = at
            if last is None or at > last:
                last = at
            seen += 1
        tally.first, tally.last = first, last
        tally.events += seen
        return seen


def replay(
    events: Iterable[ShareEvent],
    inspector: Inspector,
    policies: Mapping[str, Policy],
    *,
    state: State | None = None,
    classify: TitleSignals | None = None,
) -> Tally:
    """Replay ``events`` through each named policy and return the tally."""
    runs = [PolicyRun.of(name, policy) for name, policy in policies.items()]
    engine = Replay(inspector, runs, state=state, classify=classify)
    engine.feed(events)
    return engine.tally
