"""The two registered checks: the rules layer and the model layer."""

from __future__ import annotations

from typing import ClassVar

from linkgate.checks.categories import CATEGORIES, VIOLATIONS
from linkgate.checks.model import LinearModel
from linkgate.checks.registry import CHECKS, Check, Finding
from linkgate.checks.rules import RuleSet
from linkgate.checks.text import Prepared


@CHECKS.register
class RulesCheck(Check):
    """Keyword phrases and patterns from the rules file; a category scores its best match."""

    name: ClassVar[str] = "rules"
    layer: ClassVar[str] = "rules"
    categories: ClassVar[tuple[str, ...]] = tuple(VIOLATIONS)
    summary: ClassVar[str] = "keyword phrases (Aho-Corasick) and patterns per category"

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    def run(self, text: Prepared) -> Finding:
        matches = tuple(self.rules.match(text))
        scores = dict.fromkeys(self.categories, 0.0)
        for m in matches:
            if m.counts and m.weight > scores[m.category]:
                scores[m.category] = m.weight
        guarded = self.rules.guarded(text)
        return Finding(self.name, self.layer, scores, matches, guarded)


@CHECKS.register
class ModelCheck(Check):
    """The linear model over jieba words and character n-grams; a probability per category."""

    name: ClassVar[str] = "model"
    layer: ClassVar[str] = "model"
    categories: ClassVar[tuple[str, ...]] = CATEGORIES
    summary: ClassVar[str] = "logistic regression over jieba words and character 1-3 grams"

    def __init__(self, model: LinearModel) -> None:
        self.model = model

    def run(self, text: Prepared) -> Finding:
        probabilities = self.model.scores(text.original) if text.folded.strip() else {}
        scores = {c: probabilities.get(c, 1.0 if c == "normal" else 0.0) for c in self.categories}
        return Finding(self.name, self.layer, scores)
