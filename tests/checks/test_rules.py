"""The rules layer: spans in the caller's text, suppression, and a validated rules file."""

from __future__ import annotations

import pytest

from linkgate.checks.rules import RuleSet
from linkgate.datafile import DataFileError


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet.load()


def spans(rules: RuleSet, text: str) -> list[tuple[str, int, int, str]]:
    return [(m.rule, m.start, m.end, m.text) for m in rules.match(text) if m.counts]


def test_a_pattern_reports_its_span(rules: RuleSet) -> None:
    text = "【活动】转发到3个群即可领取红包"
    found = spans(rules, text)
    assert ("induced_sharing.forward-to-n-groups", 4, 10, "转发到3个群") in found
    for _, start, end, matched in found:
        assert text[start:end] == matched


def test_a_keyword_reports_its_span(rules: RuleSet) -> None:
    text = "亲，帮我砍一刀吧"
    found = spans(rules, text)
    assert ("induced_sharing.bargain", 4, 7, "砍一刀") in found
    assert ("induced_sharing.bargain", 2, 5, "帮我砍") in found


def test_spans_point_into_the_original_text_through_folding(rules: RuleSet) -> None:
    # Full-width digits and a zero-width space inside the phrase still match, and the span
    # covers the characters as the caller wrote them.
    text = "请转发到\u200b３个群，谢谢"
    (hit,) = [m for m in rules.match(text) if m.rule == "induced_sharing.forward-to-n-groups"]
    assert (hit.start, hit.end) == (1, 8)
    assert hit.text == "转发到\u200b３个群"
    upper = rules.match("下载APP阅读全文")
    assert ("induced_download.read-in-app", "下载APP阅读") in [(m.rule, m.text) for m in upper]


def test_every_category_has_rules(rules: RuleSet) -> None:
    from linkgate.checks.categories import VIOLATIONS

    assert {r.category for r in rules.rules} == set(VIOLATIONS)
    assert all(r.source.startswith(str(rules.source)) for r in rules.rules)


def test_unless_phrases_suppress_but_keep_the_match(rules: RuleSet) -> None:
    text = "警惕！“点击领红包”链接可能是钓鱼网站"
    found = rules.match(text)
    assert found and all(m.category == "fake_red_envelope" for m in found)
    assert all(not m.counts and m.suppressed_by == "警惕" for m in found)
    # 警惕 warns about several categories; the red envelope is among them.
    assert "fake_red_envelope" in rules.guarded(text)
    assert rules.guarded("点击领红包") == frozenset()
    assert "suppressed_by" in found[0].to_dict()


def test_innocent_uses_of_the_words_match_nothing(rules: RuleSet) -> None:
    for text in ("分享一篇文章", "红包封面设计教程", "下载报表", "身份证办理指南", "助力乡村振兴"):
        assert spans(rules, text) == [], text


def test_a_rules_file_reports_every_mistake_at_once() -> None:
    text = """\
version: 1
categories:
  induced_sharing:
    keywords:
      - {id: Bad Id, weight: 0.5, phrases: [x]}
      - {id: heavy, weight: 1.5, phrases: [y]}
    patterns:
      - {id: broken, weight: 0.5, regex: '(unclosed'}
      - {id: empty, weight: 0.5, regex: 'a*'}
  nonsense:
    keywords: []
  rumor:
    keywords:
      - {id: twice, weight: 0.5, phrases: [a]}
      - {id: twice, weight: 0.5, phrases: [b]}
    extra: 1
"""
    with pytest.raises(DataFileError) as exc:
        RuleSet.loads(text, "rules.yaml")
    problems = exc.value.problems
    messages = " | ".join(p.message for p in problems)
    assert len(problems) == 7, messages
    assert all(p.file == "rules.yaml" and p.line > 1 for p in problems)
    for needle in (
        "is not valid",
        "out of range",
        "bad regular expression",
        "matches the empty string",
        "unknown category 'nonsense'",
        "used twice",
        "unknown key 'extra'",
    ):
        assert needle in messages


def test_a_minimal_rules_file_works() -> None:
    rules = RuleSet.loads(
        "version: 1\ncategories:\n  gambling:\n    keywords:\n"
        "      - {id: casino, weight: 0.9, phrases: [百家乐]}\n"
    )
    assert len(rules) == 1
    (hit,) = rules.match("真人百家乐在线")
    assert (hit.rule, hit.start, hit.end) == ("gambling.casino", 2, 5)
    assert RuleSet.loads("version: 1\ncategories: {}\n").match("百家乐") == []
