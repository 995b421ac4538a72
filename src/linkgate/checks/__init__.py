"""Content checks: is a link preview's text an induced share, a fake red envelope, …?

Two layers, each a registered :class:`~linkgate.checks.registry.Check`:
rules kept as data (keyword phrases on an Aho-Corasick automaton and
patterns, per category, each match reported with its span) and a linear
model over jieba words and character n-grams, trained by
``linkgate check train`` on the bundled labelled corpus and shipped as JSON.
:class:`ContentClassifier` combines them into a :class:`Verdict` and the
:class:`~linkgate.policy.evaluator.ContentSignal` a decision reads. Pure:
the only files read are the bundled rules and model, when a classifier is
built.
"""

from linkgate.checks.categories import CATEGORIES, NORMAL, VIOLATIONS
from linkgate.checks.classifier import ContentClassifier, Verdict, default_classifier
from linkgate.checks.layers import ModelCheck, RulesCheck
from linkgate.checks.model import LinearModel, ModelFileError
from linkgate.checks.registry import CHECKS, Check, CheckRegistry, Finding
from linkgate.checks.rules import Rule, RuleMatch, RuleSet

__all__ = [
    "CATEGORIES",
    "CHECKS",
    "NORMAL",
    "VIOLATIONS",
    "Check",
    "CheckRegistry",
    "ContentClassifier",
    "Finding",
    "LinearModel",
    "ModelCheck",
    "ModelFileError",
    "Rule",
    "RuleMatch",
    "RuleSet",
    "RulesCheck",
    "Verdict",
    "default_classifier",
]
