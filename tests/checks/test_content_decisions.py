"""Preview text in decisions: the library and ``linkgate decide``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate.checks import default_classifier
from linkgate.cli.main import main
from linkgate.gateway import DecisionRequest, Gateway
from linkgate.policy.evaluator import ContentSignal
from linkgate.vocabulary import TREATMENTS

URL = "https://example.com/activity"
SHARING = "转发到3个群即可领取红包"
AT = "2022-01-01T12:00:00+08:00"


@pytest.fixture(scope="module")
def gateway() -> Gateway:
    return Gateway.default()


def stable(decision: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in decision.items() if k not in ("decision_id", "decided_at")}


def content_constraint(decision: dict[str, Any]) -> dict[str, Any]:
    (found,) = [c for c in decision["trace"] if c["stage"] == "content"]
    return found  # type: ignore[no-any-return]


def test_an_induced_sharing_title_is_copy_only(gateway: Gateway) -> None:
    decision = gateway.decide(URL, channel="group_chat", at=AT, title=SHARING).to_dict()
    assert decision["treatment"] == "copy_only"
    assert decision["interstitial"] == "copy_only"
    assert decision["reasons"] == ["induced_sharing"]
    assert decision["category"] == "induced_sharing"
    assert decision["reason_text"]["zh"] == "网页包含诱导分享、关注等诱导行为内容，被多人投诉"
    trace = content_constraint(decision)
    assert trace["rule"] == "content.induced_sharing"
    assert (
        "title: rule induced_sharing.forward-to-n-groups matched '转发到3个群' at 0-6"
        in (trace["detail"])
    )
    (counterfactual,) = [c for c in decision["counterfactuals"] if c["stage"] == "content"]
    assert "induced_sharing" in counterfactual["change"]


def test_a_fake_red_envelope_description_is_blocked(gateway: Gateway) -> None:
    decision = gateway.decide(
        URL, channel="private_chat", at=AT, description="恭喜发财，大吉大利！点击领取你的现金红包"
    ).to_dict()
    assert decision["treatment"] == "blocked"
    assert decision["reasons"] == ["fake_red_envelope"]
    assert decision["reason_text"]["en"] == "This page offers fake red envelopes"
    assert content_constraint(decision)["detail"].startswith("description: rule fake_red_envelope")


def test_no_preview_or_a_normal_one_changes_nothing(gateway: Gateway) -> None:
    plain = gateway.decide(URL, channel="private_chat", at=AT).to_dict()
    for title, description in [
        (None, None),
        ("", "  "),
        ("京东618 年中大促 全场满300减50", "本店所有商品均为正品，支持七天无理由退换货"),
        ("红包封面设计教程", None),
    ]:
        decision = gateway.decide(
            URL, channel="private_chat", at=AT, title=title, description=description
        ).to_dict()
        assert stable(decision) == stable(plain), title


@settings(max_examples=150, deadline=None)
@given(title=st.one_of(st.none(), st.text(max_size=200)), description=st.text(max_size=200))
def test_any_preview_text_is_decided(gateway: Gateway, title: str | None, description: str) -> None:
    decision = gateway.decide(
        URL, channel="group_chat", at=AT, title=title, description=description
    )
    assert decision.treatment in TREATMENTS
    content = [c for c in decision.trace if c.stage == "content"]
    assert len(content) <= 1
    if content:
        assert decision.treatment in ("copy_only", "blocked")
        assert content[0].detail.startswith(("title: ", "description: "))


def test_the_policy_threshold_applies(gateway: Gateway) -> None:
    weak = ContentSignal("induced_sharing", 0.3, "weak")
    decision = gateway.decide(URL, channel="private_chat", at=AT, content=[weak])
    assert decision.treatment == "plain_page"


def test_the_classifier_loads_once_and_only_for_text() -> None:
    gateway = Gateway.default()
    gateway.decide(URL, channel="private_chat", at=AT)
    gateway.decide(URL, channel="private_chat", at=AT, title="  ")
    assert gateway._classifier is None  # no text: nothing loaded, nothing classified
    gateway.decide(URL, channel="private_chat", at=AT, title=SHARING)
    assert gateway.classifier is default_classifier()
    assert Gateway.default().classifier is gateway.classifier


def test_batches_take_title_and_description(gateway: Gateway) -> None:
    results = gateway.decide_many(
        [
            {"url": URL, "channel": "group_chat", "at": AT, "title": SHARING},
            {"url": URL, "channel": "group_chat", "at": AT, "title": 5},
            DecisionRequest(URL, "group_chat", at=AT, description="帮我砍一刀"),
        ]
    )
    first, bad, third = results
    assert getattr(first, "reasons", None) == ("induced_sharing",)
    assert getattr(bad, "field", None) == "title"
    assert getattr(third, "treatment", None) == "copy_only"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_decide_with_title(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "decide", URL, "--channel", "group_chat", "--at", AT, "--title", SHARING
    )
    assert code == 0
    decision = json.loads(out)
    assert decision["treatment"] == "copy_only" and decision["reasons"] == ["induced_sharing"]
    assert "转发到3个群" in content_constraint(decision)["detail"]
    code, out, _ = run(
        capsys, "decide", URL, "--channel", "group_chat", "--at", AT, "--description", "下载报表"
    )
    assert code == 0 and json.loads(out)["reasons"] != ["induced_download"]


def test_cli_decide_input_with_preview_keys(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    src = tmp_path / "requests.jsonl"
    lines = [
        {"url": URL, "channel": "private_chat", "at": AT, "title": SHARING},
        {"url": URL, "channel": "private_chat", "at": AT, "description": "真人百家乐 返水"},
        {"url": URL, "channel": "private_chat", "at": AT},
        {"url": URL, "channel": "private_chat", "at": AT, "description": ["not", "text"]},
    ]
    src.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    code, out, _ = run(capsys, "decide", "--input", str(src))
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r.get("treatment") for r in rows] == ["copy_only", "blocked", "plain_page", None]
    assert rows[1]["reasons"] == ["gambling"]
    assert rows[3]["error"]["field"] == "description"
