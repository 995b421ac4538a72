"""The parity report flags unequal treatment of equal risk and names the rules behind it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from linkgate.facts import Inspector
from linkgate.policy.loader import load_policy, preset_path
from linkgate.simulator.parity import Disparity, Group, Parity, distance
from linkgate.simulator.replay import PolicyRun
from linkgate.simulator.results import Simulation
from linkgate.simulator.simulate import simulate_file
from tests.simulator.conftest import default_text, write_policy

RULE = (
    "  - id: pinduoduo-commerce-review\n"
    "    channels: [private_chat]\n"
    "    platforms: [pinduoduo]\n"
    "    link_kinds: [commerce]\n"
    "    effect: {treatment: copy_only, reason: partner_review}\n"
)


def simulation(week_file: Path, inspector: Inspector, policy: Path | None) -> Simulation:
    return simulate_file(week_file, [PolicyRun.of("A", load_policy(policy))], inspector)


@pytest.fixture(scope="module")
def biased_policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = default_text()
    assert text.count("channel_rules:\n") == 1
    return write_policy(
        tmp_path_factory.mktemp("parity") / "biased.yaml",
        text.replace("channel_rules:\n", "channel_rules:\n" + RULE),
    )


@pytest.fixture(scope="module")
def fair(week_file: Path, inspector: Inspector) -> Simulation:
    return simulation(week_file, inspector, None)


@pytest.fixture(scope="module")
def biased(week_file: Path, inspector: Inspector, biased_policy: Path) -> Simulation:
    return simulation(week_file, inspector, biased_policy)


def between(parity: Parity, a: str, b: str, stratum: tuple[str, str, str]) -> list[Disparity]:
    return [
        d
        for d in parity.disparities
        if d.level == "platform" and {d.favoured, d.disfavoured} == {a, b} and d.stratum == stratum
    ]


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_partners_are_treated_alike_under_the_default_policy(fair: Simulation) -> None:
    parity = Parity(fair)
    for kind in ("commerce", "short_link"):
        for channel in ("private_chat", "group_chat"):
            assert between(parity, "jd", "pinduoduo", ("unscored", kind, channel)) == []


def test_a_rule_against_one_partner_is_flagged_and_attributed(
    biased: Simulation, biased_policy: Path
) -> None:
    parity = Parity(biased)
    (found,) = between(parity, "jd", "pinduoduo", ("unscored", "commerce", "private_chat"))
    assert (found.disfavoured, found.favoured) == ("pinduoduo", "jd")
    assert found.distance == pytest.approx(1.0)
    assert found.disfavoured_group.labels.keys() == {"copy_only"}
    top = found.against[0]
    assert top.rule.stage == "channel"
    assert top.rule.rule == "pinduoduo-commerce-review"
    # The trace names the rule's effect, where its constraint is written.
    line = line_of(biased_policy, "effect: {treatment: copy_only, reason: partner_review}")
    assert top.rule.source == f"{biased_policy}:{line}:13"
    assert (top.share_disfavoured, top.share_favoured) == (1.0, 0.0)
    assert [a.rule.rule for a in found.supporting] == ["tiers.partner"]
    # The rule covers private chats and commerce only: nothing else between them is flagged.
    assert between(parity, "jd", "pinduoduo", ("unscored", "commerce", "group_chat")) == []
    assert between(parity, "jd", "pinduoduo", ("unscored", "short_link", "private_chat")) == []
    rendered = found.describe()
    assert "pinduoduo vs jd" in rendered and "pinduoduo-commerce-review" in rendered


def test_tiers_are_compared_and_the_tier_rules_named(fair: Simulation) -> None:
    parity = Parity(fair)
    (found,) = [
        d
        for d in parity.disparities
        if d.level == "tier"
        and {d.favoured, d.disfavoured} == {"partner", "competitor"}
        and d.stratum == ("unscored", "commerce", "group_chat")
    ]
    assert found.disfavoured == "competitor"
    rules = {a.rule.rule: a.rule.source for a in found.against}
    assert "rollout.closed" in rules
    assert str(rules["rollout.closed"]).startswith(str(load_policy().files[0]) + ":")
    tier_line = line_of(preset_path("compromise"), "  competitor:") + 1
    strata = [
        d for d in parity.disparities if d.stratum == ("unscored", "commerce", "private_chat")
    ]
    private = next(d for d in strata if d.level == "tier" and d.disfavoured == "competitor")
    sources = {a.rule.rule: a.rule.source for a in private.against}
    assert sources["tiers.competitor"] == f"{preset_path('compromise')}:{tier_line}:16"


def test_platforms_are_compared_only_within_their_credit_band(
    week_file: Path, inspector: Inspector, biased: Simulation
) -> None:
    credit = {"pinduoduo": 85.0, "jd": 95.0}
    parity = Parity(biased, credit)
    assert parity.bands == {"pinduoduo": "reduced", "jd": "normal"}
    assert not [d for d in parity.disparities if {d.favoured, d.disfavoured} == {"jd", "pinduoduo"}]
    same = Parity(biased, {"pinduoduo": 95.0, "jd": 99.0})
    assert between(same, "jd", "pinduoduo", ("normal", "commerce", "private_chat"))
    data = same.to_dict()
    assert data["credit"] == {
        "jd": {"score": 99.0, "band": "normal"},
        "pinduoduo": {"score": 95.0, "band": "normal"},
    }
    assert any(
        d["disfavoured"] == "pinduoduo"
        and d["rules_against"][0]["rule"] == "pinduoduo-commerce-review"
        for d in data["disparities"]
    )


def test_thresholds_and_minimum_sizes(biased: Simulation) -> None:
    loose = Parity(biased, threshold=1.0)
    assert loose.disparities == []
    few = Parity(biased, min_shares=10**9)
    assert few.disparities == []
    with pytest.raises(ValueError, match="threshold"):
        Parity(biased, threshold=1.5)
    with pytest.raises(ValueError, match="min_shares"):
        Parity(biased, min_shares=0)


def test_distance_is_total_variation() -> None:
    a, b = Group(), Group()
    a.shares, a.labels = 10, Counter({"rich_page": 10})
    b.shares, b.labels = 10, Counter({"rich_page": 6, "plain_page+warn": 4})
    assert distance(a, b) == pytest.approx(0.4)
    assert distance(a, a) == 0.0
    assert a.mean_score < b.mean_score
