"""Rollout safety bounds: judged only with enough traffic, first bound crossed wins."""

from __future__ import annotations

from linkgate.rollout.safety import PhaseTraffic, breach


def test_no_breach_below_the_minimum_sample() -> None:
    assert breach({"complaint_rate": 0.001}, PhaseTraffic(10, 10, 10, 0), min_shares=100) is None


def test_complaint_rate_over_the_bound_breaches() -> None:
    found = breach({"complaint_rate": 0.01}, PhaseTraffic(1000, 200, 11, 0), min_shares=100)
    assert found is not None and found.bound == "complaint_rate"
    assert "1.1000%" in found.describe()


def test_block_rate_is_per_distinct_link() -> None:
    found = breach({"block_rate": 0.05}, PhaseTraffic(1000, 100, 0, 6), min_shares=100)
    assert found is not None and found.bound == "block_rate"
    assert breach({"block_rate": 0.05}, PhaseTraffic(1000, 100, 0, 5), min_shares=100) is None
