"""Credit scores follow the complaint rate with a confidence bound and recover with time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkgate.credit.score import (
    CreditEvent,
    CreditParams,
    ShareCounts,
    score_at,
    wilson_lower_bound,
)

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)
PARAMS = CreditParams()


def events(
    n: int, at: datetime = T0, *, links: int | None = None, severity: float = 2.0
) -> list[CreditEvent]:
    return [
        CreditEvent(f"e{i}", at, f"https://x.top/{i % (links or n)}", "fraud", 1.0, severity)
        for i in range(n)
    ]


def shares(per_day: int, days: int = 90) -> ShareCounts:
    return ShareCounts((T0.date() - timedelta(days=d), per_day) for d in range(days))


def test_wilson_lower_bound_matches_the_textbook_values() -> None:
    assert wilson_lower_bound(0, 10, 1.96) == 0.0
    assert wilson_lower_bound(5, 10, 1.96) == pytest.approx(0.2366, abs=1e-4)
    assert wilson_lower_bound(50, 100, 1.96) == pytest.approx(0.4038, abs=1e-4)
    assert wilson_lower_bound(3, 0, 1.96) == 0.0


def test_no_events_is_the_starting_score() -> None:
    s = score_at([], shares(1000), T0, PARAMS)
    assert s.score == PARAMS.start and s.complaint_rate == 0 and s.events == 0


def test_volume_alone_never_lowers_the_score() -> None:
    few = score_at(events(20), shares(1_000), T0, PARAMS)
    many = score_at(events(20), shares(100_000), T0, PARAMS)
    assert many.score > few.score
    assert many.complaint_rate < few.complaint_rate


def test_a_platform_ten_times_bigger_with_ten_times_the_complaints_scores_alike() -> None:
    small = score_at(events(30), shares(50_000), T0, PARAMS)
    big = score_at(events(300), shares(500_000), T0, PARAMS)
    assert small.score < PARAMS.start
    assert abs(big.score - small.score) <= 1.0


def test_few_complaints_on_a_tiny_sample_are_discounted_by_the_bound_and_prior() -> None:
    one = score_at(events(1), ShareCounts([(T0.date(), 5)]), T0, PARAMS)
    assert one.score >= 90, "one complaint on five shares must not sink a platform"


def test_the_score_recovers_one_point_per_seven_clean_days() -> None:
    hit = score_at(events(40), shares(1_000), T0, PARAMS)
    assert hit.score < 90
    later = score_at(events(40), shares(1_000), T0 + timedelta(days=14), PARAMS)
    assert later.score == pytest.approx(hit.score + 2.0, abs=0.01)
    much_later = score_at(events(40), shares(1_000), T0 + timedelta(days=400), PARAMS)
    assert much_later.score == PARAMS.start


def test_events_after_the_moment_do_not_count() -> None:
    s = score_at(events(40, T0 + timedelta(days=1)), shares(10_000), T0, PARAMS)
    assert s.score == PARAMS.start


def test_severity_and_weight_scale_the_complaints() -> None:
    light = score_at(events(10, severity=1.0), shares(10_000), T0, PARAMS)
    heavy = score_at(events(10, severity=10.0), shares(10_000), T0, PARAMS)
    assert heavy.score < light.score
    assert heavy.complaints == pytest.approx(10 * light.complaints)


def test_platform_wide_effects_need_several_distinct_links() -> None:
    assert not score_at(events(50, links=1), shares(1000), T0, PARAMS).sufficient
    assert score_at(events(50, links=3), shares(1000), T0, PARAMS).sufficient


def test_share_counts_sum_days_inclusively() -> None:
    counts = ShareCounts([(date(2026, 1, 1), 5), (date(2026, 1, 3), 7), (date(2026, 1, 3), 1)])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert counts.between(start, start + timedelta(days=2)) == 13
    assert counts.between(start + timedelta(days=1), start + timedelta(days=1)) == 0
    assert counts.total == 13


@given(
    n=st.integers(0, 60),
    per_day=st.integers(0, 100_000),
    days=st.integers(0, 500),
)
def test_scores_stay_in_range_and_never_rise_with_more_complaints(
    n: int, per_day: int, days: int
) -> None:
    at = T0 + timedelta(days=days)
    fewer = score_at(events(n), shares(per_day), at, PARAMS)
    more = score_at(events(n + 5), shares(per_day), at, PARAMS)
    assert 0 <= more.score <= fewer.score <= PARAMS.start
