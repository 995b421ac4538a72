"""The classifier: verdicts, hard negatives, signals, the registry, and any input at all."""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate.checks import CATEGORIES, ContentClassifier, default_classifier
from linkgate.checks.classifier import combine, decide
from linkgate.checks.registry import CHECKS, Check, CheckRegistrationError, CheckRegistry, Finding
from linkgate.checks.text import MAX_CHARS, Prepared


@pytest.fixture(scope="module")
def classifier() -> ContentClassifier:
    return default_classifier()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("转发到3个群即可领取红包", "induced_sharing"),
        ("帮我砍一刀，就差0.1元了", "induced_sharing"),
        ("恭喜发财，大吉大利，点击领取红包", "fake_red_envelope"),
        ("下载APP阅读全文，新用户领现金", "induced_download"),
        ("关注公众号回复“资料”即可领取", "induced_follow"),
        ("真人百家乐 充值返水 24小时提款", "gambling"),
        ("请输入您的身份证号和银行卡密码领取补贴", "privacy"),
        ("同城约炮 寂寞少妇在线", "vulgar"),
    ],
)
def test_clear_violations(classifier: ContentClassifier, text: str, category: str) -> None:
    verdict = classifier.classify(text)
    assert verdict.category == category
    assert verdict.score >= 0.5
    assert any(m.category == category and m.counts for m in verdict.rules)


@pytest.mark.parametrize(
    "text",
    [
        "分享一篇文章",
        "红包封面设计教程",
        "下载报表",
        "身份证办理指南",
        "助力乡村振兴 农产品直播带货",
        "辟谣：吃香蕉不会致癌",
        "警方提醒：不要点击陌生人发来的领红包链接",
        "京东618 年中大促 全场满300减50",
        "天猫双11 跨店每满300减50",
        "关于2024年国庆节放假安排的通知",
        "家常红烧肉的做法",
        "成人高考报名时间",
    ],
)
def test_hard_negatives_stay_normal(classifier: ContentClassifier, text: str) -> None:
    verdict = classifier.classify(text)
    assert verdict.category == "normal", verdict.to_dict()


def test_verdict_fields(classifier: ContentClassifier) -> None:
    verdict = classifier.classify("转发到3个群即可领取红包")
    row = verdict.to_dict()
    assert set(row) == {"category", "score", "scores", "rules", "model", "guarded"}
    assert list(row["scores"]) == list(CATEGORIES)
    assert abs(sum(row["model"].values()) - 1.0) < 1e-3
    assert row["score"] == row["scores"]["induced_sharing"]
    assert "induced_sharing.forward-to-n-groups" in {m["rule"] for m in row["rules"]}


def test_signals_name_the_field_rule_and_span(classifier: ContentClassifier) -> None:
    (signal,) = classifier.signals(title="好物推荐", description="转发到3个群即可领取红包")
    assert signal.category == "induced_sharing" and signal.score >= 0.9
    assert signal.detail.startswith("description: rule induced_sharing.")
    assert "'转发到3个群' at 0-6" in signal.detail
    assert classifier.signals() == ()
    assert classifier.signals(title="   ", description="") == ()


def test_a_guard_moves_the_model_to_normal(classifier: ContentClassifier) -> None:
    verdict = classifier.classify("红包封面设计教程")
    assert verdict.guarded == {"fake_red_envelope"}
    assert verdict.scores["fake_red_envelope"] == 0.0
    assert "unless" in verdict.evidence("fake_red_envelope")


def test_combination_arithmetic() -> None:
    model = dict.fromkeys(CATEGORIES, 0.0) | {"normal": 0.6, "rumor": 0.4}
    scores = combine({"rumor": 0.45}, model)
    assert scores["rumor"] == pytest.approx(1 - 0.55 * 0.6)
    assert scores["normal"] == pytest.approx(0.6 * 0.55)
    assert decide(scores)[0] == "rumor"
    assert decide(combine({}, {})) == ("normal", 1.0)
    # A light rule alone does not decide.
    assert decide(combine({"rumor": 0.45}, {}))[0] == "normal"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_string_is_classified(text: str) -> None:
    classifier = default_classifier()
    verdict = classifier.classify(text)
    assert verdict.category in CATEGORIES
    assert 0.0 <= verdict.score <= 1.0
    for m in verdict.rules:
        assert 0 <= m.start <= m.end <= len(text)
        assert text[m.start : m.end] == m.text
    classifier.signals(title=text, description=text)


def test_very_long_text_is_cut(classifier: ContentClassifier) -> None:
    verdict = classifier.classify("帮我砍一刀" + "啊" * (MAX_CHARS * 3))
    assert verdict.category == "induced_sharing"


def test_surrogates_and_controls(classifier: ContentClassifier) -> None:
    assert classifier.classify("\udcff\x00\u200b").category == "normal"


# -- the registry ----------------------------------------------------------------------


def test_shipped_checks_are_registered() -> None:
    assert CHECKS.names() == ("rules", "model")
    assert [c.layer for c in CHECKS] == ["rules", "model"]


def test_registry_refuses_malformed_checks() -> None:
    registry = CheckRegistry()

    class Good(Check):
        name: ClassVar[str] = "good"
        layer: ClassVar[str] = "rules"
        categories: ClassVar[tuple[str, ...]] = ("rumor",)
        summary: ClassVar[str] = "finds rumours"

        def run(self, text: Prepared) -> Finding:
            return Finding(self.name, self.layer, {"rumor": 0.0})

    class Bad(Check):
        name: ClassVar[str] = "Bad Name"
        layer: ClassVar[str] = "magic"
        categories: ClassVar[tuple[str, ...]] = ("spam",)
        summary: ClassVar[str] = ""

    class Twin(Good):
        pass

    assert registry.register(Good) is Good
    assert "good" in registry and registry["good"] is Good
    with pytest.raises(CheckRegistrationError) as exc:
        registry.register(Bad)
    message = str(exc.value)
    for needle in ("lower-case", "layer 'magic'", "unknown categories", "summary", "run()"):
        assert needle in message
    with pytest.raises(CheckRegistrationError, match="already registered"):
        registry.register(Twin)
    with pytest.raises(CheckRegistrationError, match="not a subclass"):
        registry.register(int)  # type: ignore[type-var]
    assert len(registry) == 1
