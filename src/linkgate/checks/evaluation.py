"""Precision, recall and F1 per category, and their macro averages.

Used by ``bench/content.py`` and the tests on the held-out split. The three
ways to decide a text (rules alone, model alone, both combined) share the
arithmetic of :mod:`linkgate.checks.classifier`: rules alone is the combined
score with the model's opinion removed (every text starts as normal), model
alone is the model's most probable class.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from linkgate.checks.categories import CATEGORIES, NORMAL
from linkgate.checks.classifier import ContentClassifier, combine, decide
from linkgate.checks.corpus import Example

METHODS = ("rules", "model", "combined")


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "support": self.support,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """Per-category scores, macro averages and accuracy of one set of predictions."""

    per_category: Mapping[str, Scores]
    macro: Scores
    accuracy: float
    confusion: Mapping[str, Mapping[str, int]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "per_category": {c: s.to_dict() for c, s in self.per_category.items()},
            "macro": self.macro.to_dict(),
            "accuracy": round(self.accuracy, 4),
            "confusion": {t: dict(row) for t, row in self.confusion.items()},
        }


def report(truth: Sequence[str], predicted: Sequence[str]) -> Report:
    """Scores of ``predicted`` against ``truth`` over every content category."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predictions differ in length")
    confusion = {t: dict.fromkeys(CATEGORIES, 0) for t in CATEGORIES}
    for t, p in zip(truth, predicted, strict=True):
        confusion[t][p] += 1
    per: dict[str, Scores] = {}
    for c in CATEGORIES:
        tp = confusion[c][c]
        predicted_c = sum(confusion[t][c] for t in CATEGORIES)
        support = sum(confusion[c].values())
        precision = tp / predicted_c if predicted_c else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[c] = Scores(precision, recall, f1, support)
    present = [s for s in per.values() if s.support]
    n = len(present) or 1
    macro = Scores(
        sum(s.precision for s in present) / n,
        sum(s.recall for s in present) / n,
        sum(s.f1 for s in present) / n,
        sum(s.support for s in present),
    )
    correct = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p)
    return Report(per, macro, correct / len(truth) if truth else 0.0, confusion)


def predictions(classifier: ContentClassifier, texts: Sequence[str]) -> dict[str, list[str]]:
    """Each text's category by rules alone, by the model alone and by both combined."""
    out: dict[str, list[str]] = {m: [] for m in METHODS}
    for text in texts:
        verdict = classifier.classify(text)
        rules = {
            c: max(
                (m.weight for m in verdict.rules if m.category == c and m.counts),
                default=0.0,
            )
            for c in CATEGORIES
            if c != NORMAL
        }
        out["rules"].append(decide(combine(rules, {}))[0])
        model = dict(verdict.model)
        out["model"].append(max(CATEGORIES, key=lambda c: (model.get(c, 0.0), c == NORMAL)))
        out["combined"].append(verdict.category)
    return out


def evaluate(classifier: ContentClassifier, examples: Sequence[Example]) -> dict[str, Report]:
    """A report per method on ``examples`` (give it the test split)."""
    truth = [e.label for e in examples]
    found = predictions(classifier, [e.text for e in examples])
    return {m: report(truth, found[m]) for m in METHODS}
