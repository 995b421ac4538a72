"""The rules layer: keyword phrases and regular expressions per category, kept as data.

A rules file (``data/checks/rules.yaml``) lists, for each violating
category, weighted *keyword* rules (phrases found with one Aho-Corasick
automaton over the folded text), weighted *pattern* rules (regular
expressions over the folded text) and ``unless`` phrases: wording that
reports or warns about the category (辟谣, 警惕, 谨防 …) rather than doing it.
A text holding an ``unless`` phrase of a category keeps its matches of that
category in the answer, marked as suppressed, but they do not count.

Every match names its category, the rule's id (``category.rule``), the
phrase or pattern, and its span in the caller's text. Loading validates the
whole file and reports every mistake at once with its position.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import ahocorasick

from linkgate import datafile
from linkgate.checks.categories import VIOLATIONS
from linkgate.checks.text import Prepared, prepare
from linkgate.datafile import Node

RULES_PATH: Final = Path(__file__).resolve().parent.parent / "data" / "checks" / "rules.yaml"

_RULE_ID = re.compile(r"[a-z][a-z0-9_-]{0,63}")


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: ``kind`` is ``keyword`` or ``pattern``; ``id`` is ``category.name``."""

    id: str
    category: str
    kind: str
    weight: float
    source: str


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A rule that matched: the text it matched and where, in the caller's text."""

    rule: str
    category: str
    kind: str
    weight: float
    start: int
    end: int
    text: str
    suppressed_by: str | None = None

    @property
    def counts(self) -> bool:
        return self.suppressed_by is None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "rule": self.rule,
            "category": self.category,
            "kind": self.kind,
            "weight": self.weight,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }
        if self.suppressed_by is not None:
            out["suppressed_by"] = self.suppressed_by
        return out


@dataclass(frozen=True, slots=True)
class _Pattern:
    rule: Rule
    regex: re.Pattern[str]


class RuleSet:
    """Compiled rules: one keyword automaton, the patterns, and the ``unless`` phrases."""

    def __init__(
        self,
        rules: Sequence[Rule],
        keywords: Sequence[tuple[str, Rule]],
        patterns: Sequence[tuple[Rule, re.Pattern[str]]],
        unless: Sequence[tuple[str, str]],
        source: str = "<rules>",
    ) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self.source = source
        self._patterns = tuple(_Pattern(rule, regex) for rule, regex in patterns)
        # One automaton for keywords and unless phrases: value = (is_unless, rule or category).
        automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[bool, Rule | str]]] = {}
        for phrase, rule in keywords:
            entries.setdefault(prepare(phrase).folded, []).append((False, rule))
        for phrase, category in unless:
            entries.setdefault(prepare(phrase).folded, []).append((True, category))
        for phrase, values in entries.items():
            automaton.add_word(phrase, (phrase, tuple(values)))
        self._automaton = automaton
        self._has_words = bool(entries)
        if self._has_words:
            automaton.make_automaton()

    def __len__(self) -> int:
        return len(self.rules)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> RuleSet:
        """Load and validate a rules file (default: the bundled one)."""
        doc = datafile.load(path if path is not None else RULES_PATH)
        return read_rules(doc)

    @classmethod
    def loads(cls, text: str, file: str = "<string>") -> RuleSet:
        return read_rules(datafile.loads(text, file))

    def match(self, text: str | Prepared) -> list[RuleMatch]:
        """Every match in ``text``, in order of position, suppressed ones marked."""
        prepared = text if isinstance(text, Prepared) else prepare(text)
        found: list[tuple[int, int, Rule]] = []
        guarded: dict[str, str] = {}
        folded = prepared.folded
        if self._has_words and folded:
            for end, (phrase, values) in self._automaton.iter(folded):
                start = end + 1 - len(phrase)
                for is_unless, value in values:
                    if is_unless:
                        assert isinstance(value, str)
                        guarded.setdefault(value, phrase)
                    else:
                        assert isinstance(value, Rule)
                        found.append((start, end + 1, value))
        for pattern in self._patterns:
            hit = pattern.regex.search(folded)
            if hit is not None and hit.end() > hit.start():
                found.append((hit.start(), hit.end(), pattern.rule))
        found.sort(key=lambda item: (item[0], item[1], item[2].id))
        out: list[RuleMatch] = []
        seen: set[tuple[str, int, int]] = set()
        for start, end, rule in found:
            key = (rule.id, start, end)
            if key in seen:
                continue
            seen.add(key)
            a, b = prepared.span(start, end)
            out.append(
                RuleMatch(
                    rule=rule.id,
                    category=rule.category,
                    kind=rule.kind,
                    weight=rule.weight,
                    start=a,
                    end=b,
                    text=prepared.original[a:b],
                    suppressed_by=guarded.get(rule.category),
                )
            )
        return out

    def guarded(self, text: str | Prepared) -> frozenset[str]:
        """The categories whose ``unless`` phrases occur in ``text``."""
        prepared = text if isinstance(text, Prepared) else prepare(text)
        out: set[str] = set()
        if self._has_words and prepared.folded:
            for _end, (_phrase, values) in self._automaton.iter(prepared.folded):
                out.update(v for is_unless, v in values if is_unless and isinstance(v, str))
        return frozenset(out)

    def phrases(self) -> Iterator[str]:
        """Every folded phrase in the automaton (keywords and ``unless`` phrases)."""
        for phrase, _ in self._automaton.values() if self._has_words else ():
            yield phrase


# -- loading ------------------------------------------------------------------------


def read_rules(doc: datafile.Document) -> RuleSet:
    """Validate a loaded rules document; raises DataFileError with every problem."""
    top = doc.root().mapping(required=("version", "categories"))
    rules: list[Rule] = []
    keywords: list[tuple[str, Rule]] = []
    patterns: list[tuple[Rule, re.Pattern[str]]] = []
    unless: list[tuple[str, str]] = []
    if top is not None:
        top["version"].integer(minimum=1, maximum=1)
        categories = top["categories"].mapping(any_keys=True)
        for category, node in (categories or {}).items():
            if category not in VIOLATIONS:
                node.problem(
                    f"unknown category {category!r}",
                    "one of " + ", ".join(VIOLATIONS),
                    at_key=True,
                )
                continue
            _category(node, category, rules, keywords, patterns, unless)
    doc.problems.raise_if_any()
    return RuleSet(rules, keywords, patterns, unless, source=doc.file)


def _category(
    node: Node,
    category: str,
    rules: list[Rule],
    keywords: list[tuple[str, Rule]],
    patterns: list[tuple[Rule, re.Pattern[str]]],
    unless: list[tuple[str, str]],
) -> None:
    fields = node.mapping(optional=("keywords", "patterns", "unless"))
    if fields is None:
        return
    seen = {r.id for r in rules}
    if "unless" in fields:
        for phrase in fields["unless"].strings() or ():
            unless.append((phrase, category))
    for item in (fields["keywords"].sequence() if "keywords" in fields else None) or ():
        entry = item.mapping(required=("id", "weight", "phrases"))
        if entry is None:
            continue
        rule = _rule(entry, category, "keyword", seen, item)
        phrases = entry["phrases"].strings()
        if phrases is not None:
            for index, phrase in enumerate(phrases):
                if not prepare(phrase).folded.strip():
                    entry["phrases"].child(index).problem("folds to nothing", "visible text")
                    rule = None
        if rule is not None and phrases is not None:
            rules.append(rule)
            keywords.extend((phrase, rule) for phrase in phrases)
    for item in (fields["patterns"].sequence() if "patterns" in fields else None) or ():
        entry = item.mapping(required=("id", "weight", "regex"))
        if entry is None:
            continue
        rule = _rule(entry, category, "pattern", seen, item)
        regex = entry["regex"].regex()
        if regex is not None and regex.search("") is not None:
            entry["regex"].problem("matches the empty string", "a pattern that needs some text")
            regex = None
        if rule is not None and regex is not None:
            rules.append(rule)
            patterns.append((rule, regex))


def _rule(
    entry: dict[str, Node], category: str, kind: str, seen: set[str], item: Node
) -> Rule | None:
    name = entry["id"].string(pattern=_RULE_ID, expected="a lower-case id like forward-to-groups")
    weight = entry["weight"].number(minimum=0.0, maximum=1.0)
    if name is None or weight is None:
        return None
    rule_id = f"{category}.{name}"
    if rule_id in seen:
        entry["id"].problem(f"rule id {rule_id!r} is used twice")
        return None
    seen.add(rule_id)
    return Rule(id=rule_id, category=category, kind=kind, weight=float(weight), source=item.where)
