"""One verdict per text from the registered checks, and the signals a decision reads.

How the layers combine, per violating category ``c``::

    score[c]      = 1 - (1 - rule[c]) * (1 - model[c])
    score[normal] = model[normal] * product over c of (1 - rule[c])

where ``rule[c]`` is the weight of the best counting rule match of ``c`` (0
without one) and ``model[c]`` the model's probability. A rule is evidence
the model cannot talk down; the model alone decides where no rule matched.
A text holding an ``unless`` phrase of ``c`` (it reports on or warns about
``c``: 辟谣, 警惕, 红包封面 …) is not ``c`` by either layer: the rules of ``c``
do not count and the model's probability of ``c`` moves to ``normal``.
The verdict's category is the highest score (ties go to ``normal``, then to
the category order). :meth:`ContentClassifier.signals` turns the verdicts on a
link preview's title and description into the
:class:`~linkgate.policy.evaluator.ContentSignal` the decision's content
stage reads; the policy's ``content.min_score`` decides whether it binds.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from linkgate.checks.categories import CATEGORIES, NORMAL, VIOLATIONS
from linkgate.checks.layers import ModelCheck, RulesCheck
from linkgate.checks.model import LinearModel
from linkgate.checks.registry import Check, Finding
from linkgate.checks.rules import RuleMatch, RuleSet
from linkgate.checks.text import prepare
from linkgate.policy.evaluator import ContentSignal

#: Violations scoring below this are not passed to the decision at all.
SIGNAL_FLOOR = 0.05


@dataclass(frozen=True, slots=True)
class Verdict:
    """The classifier's answer for one text."""

    category: str
    score: float
    scores: Mapping[str, float]
    rules: tuple[RuleMatch, ...] = ()
    model: Mapping[str, float] = field(default_factory=dict)
    guarded: frozenset[str] = frozenset()

    @property
    def violation(self) -> str:
        """The highest-scoring violating category (whatever the verdict)."""
        return max(VIOLATIONS, key=lambda c: (self.scores.get(c, 0.0), -_order(c)))

    def evidence(self, category: str) -> str:
        """Why ``category`` scored what it did: its best rule (with the span) and the model."""
        parts: list[str] = []
        best = _best_rule(self.rules, category)
        if best is not None:
            parts.append(f"rule {best.rule} matched {best.text!r} at {best.start}-{best.end}")
        if category in self.guarded:
            parts.append("reported on, not done (unless phrase)")
        elif self.model:
            parts.append(f"model {self.model.get(category, 0.0):.2f}")
        parts.append(f"score {self.scores.get(category, 0.0):.2f}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "score": round(self.score, 4),
            "scores": {c: round(self.scores.get(c, 0.0), 4) for c in CATEGORIES},
            "rules": [m.to_dict() for m in self.rules],
            "model": {c: round(self.model.get(c, 0.0), 4) for c in CATEGORIES},
            "guarded": sorted(self.guarded),
        }


def _order(category: str) -> int:
    return CATEGORIES.index(category)


def _best_rule(matches: Sequence[RuleMatch], category: str) -> RuleMatch | None:
    best: RuleMatch | None = None
    for m in matches:
        if m.category == category and m.counts and (best is None or m.weight > best.weight):
            best = m
    return best


def combine(rules: Mapping[str, float], model: Mapping[str, float]) -> dict[str, float]:
    """Per-category scores from the rules' and the model's (see the module docstring)."""
    out: dict[str, float] = {}
    clean = model.get(NORMAL, 1.0 if not model else 0.0)
    for c in VIOLATIONS:
        r = rules.get(c, 0.0)
        out[c] = 1.0 - (1.0 - r) * (1.0 - model.get(c, 0.0))
        clean *= 1.0 - r
    out[NORMAL] = clean
    return out


def decide(scores: Mapping[str, float]) -> tuple[str, float]:
    """The verdict's category and score: the highest score, ``normal`` first on ties."""
    ranked = (NORMAL, *VIOLATIONS)
    category = max(ranked, key=lambda c: (scores.get(c, 0.0), -ranked.index(c)))
    return category, scores.get(category, 0.0)


class ContentClassifier:
    """Rules plus model; build once per process (:func:`default_classifier`) and share."""

    def __init__(self, checks: Sequence[Check]) -> None:
        if not checks:
            raise ValueError("a classifier needs at least one check")
        self.checks: tuple[Check, ...] = tuple(checks)

    @classmethod
    def load(
        cls,
        rules: str | os.PathLike[str] | None = None,
        model: str | os.PathLike[str] | None = None,
    ) -> ContentClassifier:
        """The bundled rules and model, or the files given."""
        return cls([RulesCheck(RuleSet.load(rules)), ModelCheck(LinearModel.load(model))])

    def findings(self, text: str) -> list[Finding]:
        prepared = prepare(text if isinstance(text, str) else str(text))
        return [check.run(prepared) for check in self.checks]

    def classify(self, text: str) -> Verdict:
        """The verdict on one text. Never raises for any string."""
        findings = self.findings(text)
        rules: dict[str, float] = {}
        model: dict[str, float] = {}
        matches: list[RuleMatch] = []
        guarded: set[str] = set()
        for found in findings:
            target = rules if found.layer == "rules" else model
            for c, s in found.scores.items():
                target[c] = max(target.get(c, 0.0), s)
            matches.extend(found.matches)
            guarded.update(found.guarded)
        heard = dict(model)
        for c in guarded:
            if heard.get(c):
                heard[NORMAL] = heard.get(NORMAL, 0.0) + heard[c]
                heard[c] = 0.0
        scores = combine(rules, heard)
        category, score = decide(scores)
        return Verdict(category, score, scores, tuple(matches), model, frozenset(guarded))

    def classify_fields(self, fields: Mapping[str, str | None]) -> dict[str, Verdict]:
        """A verdict per non-blank field (e.g. ``title``, ``description``)."""
        return {
            name: self.classify(value)
            for name, value in fields.items()
            if isinstance(value, str) and value.strip()
        }

    def signals(
        self, title: str | None = None, description: str | None = None
    ) -> tuple[ContentSignal, ...]:
        """The content signal for a link preview: its worst violation, if any scores at all.

        The title and the description are classified apart; the violating
        category with the highest score in either is the signal, its detail
        naming the field, the rule and its span, and the model's score.
        """
        verdicts = self.classify_fields({"title": title, "description": description})
        best: tuple[float, str, str] | None = None
        for name, verdict in verdicts.items():
            category = verdict.violation
            score = verdict.scores[category]
            if best is None or score > best[0]:
                best = (score, category, f"{name}: {verdict.evidence(category)}")
        if best is None or best[0] < SIGNAL_FLOOR:
            return ()
        score, category, detail = best
        return (ContentSignal(category=category, score=round(score, 4), detail=detail),)


_default: ContentClassifier | None = None
_lock = threading.Lock()


def default_classifier() -> ContentClassifier:
    """The bundled classifier, loaded on first use and shared by the whole process."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = ContentClassifier.load()
    return _default
