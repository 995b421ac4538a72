"""One decision end to end: canonicalise -> resolve -> check -> evaluate.

A :class:`Gateway` holds an immutable :class:`Snapshot` (compiled policy,
registry, lists and enforcement state) and swaps it atomically when a new
one is published; deciding never touches storage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from linkgate.checks.classifier import ContentClassifier, default_classifier
from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import Registry
from linkgate.errors import RequestError
from linkgate.facts import Inspector, UrlFacts
from linkgate.ids import Ids
from linkgate.policy.decision import Decision, MiniProgramLink
from linkgate.policy.evaluator import ContentSignal, Evaluator, Situation, State
from linkgate.policy.loader import load_policy
from linkgate.policy.model import Policy
from linkgate.records import slot_builder
from linkgate.vocabulary import CHANNELS, GROUP_SETTINGS

_CHANNELS = frozenset(CHANNELS)
_GROUP_SETTINGS = frozenset(GROUP_SETTINGS)

# Built once per decision, so built field by field (see linkgate.records); the
# names are checked against the classes at import.
_new_situation = slot_builder(
    Situation,
    "channel",
    "at",
    "sender",
    "viewer",
    "group_setting",
    "viewer_opt_out",
    "content",
    "forwards",
)
_NO_FORWARDS: Mapping[timedelta, int] = MappingProxyType({})
_new_decision = slot_builder(
    Decision,
    "decision_id",
    "input",
    "url",
    "channel",
    "decided_at",
    "treatment",
    "capabilities",
    "capability_limits",
    "interstitial",
    "reasons",
    "category",
    "trace",
    "counterfactuals",
    "policy_revision",
    "ttl_seconds",
    "platform",
    "link_kind",
    "signals",
    "mini_program",
    "reason_text",
    "domain",
)


def parse_time(value: datetime | str | None, *, now: datetime | None = None) -> datetime:
    """An aware datetime from a datetime or ISO 8601 text; naive times are UTC."""
    if value is None:
        return now if now is not None else datetime.now(UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text else "x")
        except ValueError:
            raise RequestError("at", f"not an ISO 8601 time: {value!r}") from None
        value = parsed
    if not isinstance(value, datetime):
        raise RequestError("at", f"expected a time, got {type(value).__name__}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def check_channel(channel: object) -> str:
    if channel not in _CHANNELS:
        raise RequestError(
            "channel", f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}"
        )
    return str(channel)


def check_group_setting(setting: object) -> str | None:
    if setting is None:
        return None
    if setting not in _GROUP_SETTINGS:
        raise RequestError(
            "group_setting",
            f"unknown group setting {setting!r}; expected one of {', '.join(GROUP_SETTINGS)}",
        )
    return str(setting)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a decision reads, immutable; a new one is swapped in whole."""

    policy: Policy
    evaluator: Evaluator
    inspector: Inspector
    state: State = field(default_factory=State)

    @property
    def revision(self) -> str:
        return self.policy.revision

    def with_state(self, state: State) -> Snapshot:
        return Snapshot(self.policy, self.evaluator, self.inspector, state)

    def with_policy(self, policy: Policy) -> Snapshot:
        return Snapshot(policy, Evaluator(policy), self.inspector, self.state)


@dataclass(frozen=True, slots=True)
class DecisionRequest:
    """One decision's inputs, as the batch API and ``decide --input`` take them."""

    url: str
    channel: str
    at: datetime | str | None = None
    sender: str | None = None
    viewer: str | None = None
    group_setting: str | None = None
    viewer_opt_out: bool = False
    content: tuple[ContentSignal, ...] = ()
    title: str | None = None
    description: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DecisionRequest:
        url = data.get("url")
        if not isinstance(url, str):
            raise RequestError("url", "required, a string")
        return cls(
            url=url,
            channel=check_channel(data.get("channel")),
            at=data.get("at"),
            sender=_opt_str(data, "sender"),
            viewer=_opt_str(data, "viewer"),
            group_setting=check_group_setting(data.get("group_setting")),
            viewer_opt_out=_opt_bool(data, "viewer_opt_out"),
            title=_opt_str(data, "title"),
            description=_opt_str(data, "description"),
        )


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise RequestError(key, f"expected a string, got {type(value).__name__}")


def _opt_bool(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if isinstance(value, bool):
        return value
    raise RequestError(key, f"expected true or false, got {value!r}")


class Gateway:
    """Decides how links may open. Thread-safe for readers; ``publish`` swaps the snapshot.

    A link preview's ``title`` and ``description``, when given, are classified
    by ``classifier`` (default: the bundled one, loaded once per process on
    first use) and its signal joins the decision's content stage.
    """

    def __init__(self, snapshot: Snapshot, classifier: ContentClassifier | None = None) -> None:
        self._snapshot = snapshot
        self.inspect: Callable[[str], UrlFacts] = snapshot.inspector.inspect
        """``inspect(url)``: the link's facts, as the current snapshot's inspector finds them
        (its own cached function, swapped with the snapshot: no call of the gateway's in
        between, on every counted share)."""
        self._ids = Ids("d")
        self._classifier = classifier

    @property
    def classifier(self) -> ContentClassifier:
        """The content classifier (the process-wide default unless one was given)."""
        if self._classifier is None:
            self._classifier = default_classifier()
        return self._classifier

    def content_signals(
        self, title: str | None, description: str | None
    ) -> tuple[ContentSignal, ...]:
        """The classifier's signals for a preview; nothing (and no work) without text."""
        for name, value in (("title", title), ("description", description)):
            if value is not None and not isinstance(value, str):
                raise RequestError(name, f"expected a string, got {type(value).__name__}")
        if not ((title and not title.isspace()) or (description and not description.isspace())):
            return ()
        return self.classifier.signals(title=title, description=description)

    @classmethod
    def from_files(
        cls,
        *,
        registry: str | Path | None = None,
        policy: str | Path | None = None,
        psl: PublicSuffix | None = None,
    ) -> Gateway:
        reg = Registry.load(Path(registry)) if registry is not None else Registry.default()
        pol = load_policy(Path(policy) if policy is not None else None)
        inspector = Inspector(reg, psl if psl is not None else PublicSuffix.load())
        return cls(Snapshot(pol, Evaluator(pol), inspector))

    @classmethod
    def default(cls) -> Gateway:
        """The bundled registry and default policy."""
        return cls.from_files()

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def publish(self, snapshot: Snapshot) -> None:
        """Swap in a new snapshot; decisions in flight finish on the old one."""
        self._snapshot = snapshot
        self.inspect = snapshot.inspector.inspect

    def decide(
        self,
        url: str,
        *,
        channel: str,
        at: datetime | str | None = None,
        sender: str | None = None,
        viewer: str | None = None,
        group_setting: str | None = None,
        viewer_opt_out: bool = False,
        content: Sequence[ContentSignal] = (),
        forwards: Mapping[timedelta, int] | None = None,
        title: str | None = None,
        description: str | None = None,
        facts: UrlFacts | None = None,
    ) -> Decision:
        """Decide one link. Raises :class:`RequestError` only for bad non-URL fields.

        ``forwards`` are the link's recent share counts by window (from the
        share counters), for the policy's forward limits. ``facts`` are the link's
        facts as :attr:`inspect` gave them, when the caller read them first (the share
        counters do): the link is then not inspected again. (Facts read just before a
        new registry was published decide as a request begun before it would.) ``title`` and
        ``description`` are the link's preview, as fetched or as the integrator
        knows it; when given, they are classified and the resulting signal is
        added to ``content``.
        """
        if type(channel) is not str or channel not in _CHANNELS:
            channel = check_channel(channel)
        if group_setting is not None:
            group_setting = check_group_setting(group_setting)
        when = at if type(at) is datetime and at.tzinfo is not None else parse_time(at)
        if title is not None or description is not None:
            found = self.content_signals(title, description)
            if found:
                content = (*content, *found)
        snap = self._snapshot
        if facts is None:
            facts = snap.inspector.inspect(url if isinstance(url, str) else str(url))
        situation = _new_situation(
            channel,
            when,
            sender,
            viewer,
            group_setting,
            viewer_opt_out,
            tuple(content),
            forwards or _NO_FORWARDS,
        )
        evaluator = snap.evaluator
        outcome = evaluator.evaluate(facts, situation, snap.state)
        policy = snap.policy
        ttl = policy.ttl_seconds
        to_boundary = evaluator.seconds_to_boundary(when)
        if to_boundary is not None:
            ttl = min(ttl, max(0, to_boundary))
        if outcome.expires_at is not None:
            ttl = min(ttl, max(0, int((outcome.expires_at - when).total_seconds())))
        mini: MiniProgramLink | None = None
        treatment = outcome.treatment
        if treatment == "mini_program" and facts.mini_program is not None:
            mini = MiniProgramLink(
                app_id=facts.mini_program.app_id,
                path=facts.mini_program.path,
                expires_at=when + timedelta(days=policy.mini_program_expiry_days),
            )
        reasons = outcome.reasons
        primary = reasons[0] if reasons else None
        platform = facts.platform
        return _new_decision(
            self._ids.next(),
            facts.input,
            facts.canonical,
            channel,
            when,
            treatment,
            outcome.capabilities,
            outcome.limits,
            outcome.interstitial,
            reasons,
            outcome.category,
            outcome.constraints,
            outcome.counterfactuals,
            policy.revision,
            ttl,
            platform.id if platform is not None else None,
            facts.link_kind,
            facts.signals,
            mini,
            policy.reasons.get(primary, {}) if primary else {},
            facts.registrable_domain,
        )

    def decide_many(
        self, requests: Iterable[DecisionRequest | Mapping[str, Any]]
    ) -> list[Decision | RequestError]:
        """Decide each request in order; a bad request yields its error, not a failed batch."""
        out: list[Decision | RequestError] = []
        for item in requests:
            try:
                req = (
                    item
                    if isinstance(item, DecisionRequest)
                    else DecisionRequest.from_mapping(item)
                )
                out.append(
                    self.decide(
                        req.url,
                        channel=req.channel,
                        at=req.at,
                        sender=req.sender,
                        viewer=req.viewer,
                        group_setting=req.group_setting,
                        viewer_opt_out=req.viewer_opt_out,
                        content=req.content,
                        title=req.title,
                        description=req.description,
                    )
                )
            except RequestError as exc:
                out.append(exc)
        return out
