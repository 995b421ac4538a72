"""Lockout arithmetic: locked while the window holds `limit` failures, then free again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from linkgate.web.console.lockout import locked_until

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def ago(*minutes: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_fewer_failures_than_the_limit_do_not_lock() -> None:
    assert locked_until(ago(1, 2, 3, 4), 5, WINDOW, NOW) is None


def test_the_limit_locks_until_the_oldest_counted_failure_ages_out() -> None:
    assert locked_until(ago(10, 8, 1, 2, 3), 5, WINDOW, NOW) == NOW - timedelta(minutes=10) + WINDOW


def test_failures_outside_the_window_do_not_count() -> None:
    assert locked_until(ago(16, 20, 1, 2, 3), 5, WINDOW, NOW) is None


def test_more_failures_keep_the_lock_only_while_enough_remain() -> None:
    failures = ago(14, 12, 10, 3, 2, 1)
    until = locked_until(failures, 5, WINDOW, NOW)
    assert until == NOW - timedelta(minutes=12) + WINDOW
    assert locked_until(failures, 5, WINDOW, until) is None
    assert locked_until(failures, 5, WINDOW, until - timedelta(seconds=1)) is not None


def test_a_zero_limit_never_locks() -> None:
    assert locked_until(ago(1, 2), 0, WINDOW, NOW) is None


@given(
    st.lists(st.integers(min_value=0, max_value=30 * 60), max_size=30),
    st.integers(min_value=1, max_value=10),
)
def test_locked_exactly_while_the_window_holds_the_limit(offsets: list[int], limit: int) -> None:
    failures = [NOW - timedelta(seconds=s) for s in offsets]
    until = locked_until(failures, limit, WINDOW, NOW)
    counted = [f for f in failures if NOW - WINDOW < f <= NOW]
    assert (until is not None) == (len(counted) >= limit)
    if until is not None:
        assert until > NOW
        assert locked_until(failures, limit, WINDOW, until) is None
