"""The labelled corpus: size, balance, kinds, and the fixed split rule."""

from __future__ import annotations

from collections import Counter

import pytest

from linkgate.checks.categories import CATEGORIES
from linkgate.checks.corpus import CorpusError, Example, parse_corpus, read_corpus, split_for


@pytest.fixture(scope="module")
def corpus() -> list[Example]:
    return read_corpus()


def test_size_and_balance(corpus: list[Example]) -> None:
    assert len(corpus) >= 1500
    labels = Counter(e.label for e in corpus)
    assert set(labels) == set(CATEGORIES)
    assert 0.45 <= labels["normal"] / len(corpus) <= 0.65
    assert min(labels[c] for c in CATEGORIES if c != "normal") >= 60
    kinds = Counter(e.kind for e in corpus)
    assert set(kinds) == {"title", "description", "share_text"}
    assert min(kinds.values()) >= 250


def test_the_split_follows_the_text(corpus: list[Example]) -> None:
    assert all(e.split == split_for(e.text) for e in corpus)
    test = [e for e in corpus if e.split == "test"]
    assert 0.20 <= len(test) / len(corpus) <= 0.25
    # Every category is represented in the held-out split.
    assert {e.label for e in test} == set(CATEGORIES)


def test_mixed_script_texts_are_present(corpus: list[Example]) -> None:
    latin = [e for e in corpus if any("a" <= ch.lower() <= "z" for ch in e.text)]
    emoji = [e for e in corpus if any(ord(ch) >= 0x1F300 for ch in e.text)]
    assert len(latin) >= 50 and len(emoji) >= 20


def test_bad_lines_are_all_reported() -> None:
    lines = [
        '{"text": "ok", "label": "normal", "kind": "title", "split": "train"}',
        "not json",
        '{"text": "", "label": "spam", "kind": "tweet", "split": "dev"}',
        '{"text": "ok", "label": "normal", "kind": "title", "split": "train"}',
        "[1]",
        "",
    ]
    with pytest.raises(CorpusError) as exc:
        parse_corpus(lines, "c.jsonl")
    problems = exc.value.problems
    assert problems[0].startswith("c.jsonl:2: not JSON")
    assert sum(p.startswith("c.jsonl:3:") for p in problems) == 4
    assert "c.jsonl:4: duplicate of line 1" in problems
    assert "c.jsonl:5: expected a JSON object" in problems
