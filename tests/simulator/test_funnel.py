"""The policy's ``simulator.funnel`` section: defaults, overrides, every mistake located."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkgate.cli.main import main
from linkgate.datafile import DataFileError
from linkgate.policy.loader import load_policy, parse_policy
from linkgate.policy.model import DEFAULT_CONTINUE_RATES
from tests.simulator.conftest import default_text, write_policy


def with_section(section: str) -> str:
    return default_text() + "\n" + section


def problems(text: str) -> list[str]:
    with pytest.raises(DataFileError) as info:
        parse_policy(text, "p.yaml")
    return [str(p) for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_default_rates_come_from_the_warning_studies() -> None:
    funnel = load_policy().funnel
    assert funnel.continue_rates == DEFAULT_CONTINUE_RATES
    assert funnel.continue_rates == {"none": 1.0, "warn": 0.7, "copy_only": 0.05, "blocked": 0.0}
    assert funnel.opens("private_chat", "warn") == pytest.approx(0.7)
    assert funnel.opens("moments", "blocked") == 0.0


def test_rates_and_clicks_override_the_defaults() -> None:
    text = with_section(
        "simulator:\n"
        "  funnel:\n"
        "    continue: {warn: 0.5, copy_only: 0.02}\n"
        "    clicks_per_share: {group_chat: 3, moments: 0.5}\n"
    )
    policy = parse_policy(text, "p.yaml")
    assert policy.funnel.continue_rates == {
        "none": 1.0,
        "warn": 0.5,
        "copy_only": 0.02,
        "blocked": 0.0,
    }
    assert policy.funnel.opens("group_chat", "warn") == pytest.approx(1.5)
    assert policy.funnel.opens("moments", "none") == pytest.approx(0.5)
    assert policy.funnel.opens("private_chat", "none") == 1.0
    assert policy.funnel.source == f"p.yaml:{line_of(text, '  funnel:') + 1}:5"
    assert policy.revision != load_policy().revision


@pytest.mark.parametrize("section", ["simulator: {}\n", "simulator: {funnel: {}}\n"])
def test_an_empty_section_keeps_the_defaults(section: str) -> None:
    assert parse_policy(with_section(section)).funnel.continue_rates == DEFAULT_CONTINUE_RATES


def test_every_mistake_is_reported_at_once_with_its_place() -> None:
    text = with_section(
        "simulator:\n"
        "  funnel:\n"
        "    continue: {warn: 1.5, copy_only: -0.1, maybe: 0.3}\n"
        "    clicks_per_share: {telegram: 2, moments: many}\n"
        "    conversion: 0.1\n"
    )
    found = problems(text)
    rates = line_of(text, "continue: {warn: 1.5")
    clicks = line_of(text, "clicks_per_share:")
    warn = "simulator.funnel.continue.warn: 1.5 is out of range"
    assert any(p.startswith(f"p.yaml:{rates}:") and warn in p for p in found)
    assert any("simulator.funnel.continue.copy_only: -0.1 is out of range" in p for p in found)
    assert any("simulator.funnel.continue.maybe: unknown key 'maybe'" in p for p in found)
    assert any(p.startswith(f"p.yaml:{clicks}:") and "unknown key 'telegram'" in p for p in found)
    assert any("simulator.funnel.clicks_per_share.moments:" in p and "a number" in p for p in found)
    assert any("simulator.funnel.conversion: unknown key" in p for p in found)
    assert len(found) == 6


@pytest.mark.parametrize(
    ("rates", "key", "message"),
    [
        (
            "{none: 0.8, warn: 0.9}",
            "warn",
            "continue rate of warn (0.9) is above that of none (0.8)",
        ),
        (
            "{copy_only: 0.8}",
            "copy_only",
            "continue rate of copy_only (0.8) is above that of warn (0.7)",
        ),
        ("{blocked: 0.1}", "blocked", "continue rate of blocked (0.1) is above that of copy_only"),
    ],
)
def test_rates_may_not_rise_as_the_interstitial_gets_harsher(
    rates: str, key: str, message: str
) -> None:
    found = problems(with_section(f"simulator:\n  funnel:\n    continue: {rates}\n"))
    assert len(found) == 1
    assert f"simulator.funnel.continue.{key}: {message}" in found[0]


def test_the_section_must_be_a_mapping() -> None:
    (found,) = problems(with_section("simulator: [funnel]\n"))
    assert "simulator: " in found and "a mapping" in found


def test_policy_validate_lists_the_funnel_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_policy(
        tmp_path / "bad.yaml",
        with_section("simulator:\n  funnel:\n    continue: {warn: 2, none: 0.5}\n"),
    )
    with pytest.raises(SystemExit) as info:
        main(["policy", "validate", str(path)])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "simulator.funnel.continue.warn: 2 is out of range" in err


def test_a_preset_can_replace_the_one_the_file_names() -> None:
    base = load_policy()
    for preset in ("open", "selective", "compromise"):
        policy = load_policy(None, preset=preset)
        assert policy.path == preset
        assert policy.rollout == base.rollout
        assert policy.tiers[("competitor", "private_chat")].source is not None
    assert load_policy(None, preset="compromise").revision == base.revision
    assert load_policy(None, preset="open").revision != base.revision
    with pytest.raises(ValueError, match="unknown preset"):
        load_policy(None, preset="closed")
