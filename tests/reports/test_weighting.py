"""Report weights: accuracy, account age and burst damping, each explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from linkgate.reports.weighting import (
    ReporterHistory,
    Signals,
    WeightParams,
    base_factors,
    burst_factors,
    combine,
)

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
P = WeightParams()


def test_a_new_reporter_counts_one() -> None:
    weight = combine(base_factors(ReporterHistory(), None, NOW, P))
    assert weight.value == 1.0
    assert "no reviewed reports" in weight.factors[0].why


def test_accuracy_raises_and_lowers_the_weight() -> None:
    good = combine(base_factors(ReporterHistory(upheld=9, rejected=1), None, NOW, P))
    bad = combine(base_factors(ReporterHistory(upheld=0, rejected=10), None, NOW, P))
    assert good.value == pytest.approx(2 * 10 / 12)
    assert bad.value == pytest.approx(2 * 1 / 12)
    assert "9 of this reporter's 10 reviewed reports" in good.factors[0].why


def test_new_accounts_count_less() -> None:
    young = combine(base_factors(ReporterHistory(), NOW - timedelta(days=2), NOW, P))
    old = combine(base_factors(ReporterHistory(), NOW - timedelta(days=200), NOW, P))
    assert young.value == P.new_account_factor and old.value == 1.0
    assert "2.0 days old" in young.factors[-1].why


def sig(i: int, minutes: float, **kw: object) -> Signals:
    return Signals(f"r{i}", f"u{i}", NOW + timedelta(minutes=minutes), **kw)  # type: ignore[arg-type]


def test_a_burst_from_linked_accounts_counts_about_one() -> None:
    reports = [sig(i, i, inviter="boss") for i in range(4)]
    factors = burst_factors(reports, P)
    assert {f.value for f in factors.values()} == {0.25}
    assert "same inviter" in factors["r0"].why
    assert sum(f.value for f in factors.values()) == pytest.approx(1.0)


def test_links_chain_through_shared_signals() -> None:
    reports = [
        sig(0, 0, inviter="a"),
        sig(1, 5, inviter="a", group="g"),
        sig(2, 10, group="g"),
        sig(3, 15),
    ]
    factors = burst_factors(reports, P)
    assert set(factors) == {"r0", "r1", "r2"}
    assert factors["r2"].value == pytest.approx(1 / 3)


def test_accounts_created_together_are_linked() -> None:
    made = NOW - timedelta(days=30)
    reports = [sig(i, i, account_created_at=made + timedelta(minutes=i * 10)) for i in range(3)]
    assert len(burst_factors(reports, P)) == 3


def test_independent_or_distant_reports_are_not_damped() -> None:
    independent = [sig(i, i) for i in range(5)]
    assert burst_factors(independent, P) == {}
    apart = [sig(0, 0, inviter="a"), sig(1, 24 * 60, inviter="a")]
    assert burst_factors(apart, P) == {}
