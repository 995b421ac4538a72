"""``bench.simulate`` runs end to end on a small traffic and writes consistent figures.

Nothing here depends on how fast the machine is: no assertion compares a time with a
threshold, only the arithmetic between the figures and the verdicts drawn from them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench import simulate

N = 2000


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "simulate.json"
    assert simulate.main(["--n", str(N), "--repeat", "2", "--json", str(out), "--profile"]) == 0
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def test_traffic_and_subjects(report: dict[str, Any]) -> None:
    assert report["benchmark"] == "simulate"
    assert report["n"] == N
    traffic = report["traffic"]
    assert (traffic["days"], traffic["shares_per_day"]) == (2, N // 2)
    assert 0 < traffic["distinct_urls"] <= N
    assert 0 < traffic["evaluations"] < N
    assert set(report["subjects"]) == {
        simulate.SIMULATE_A,
        simulate.SIMULATE_TITLES,
        simulate.SIMULATE_AB,
        simulate.READ,
        simulate.BASELINE,
        simulate.REPLAY,
        simulate.DECIDE,
    }


def test_figures_add_up(report: dict[str, Any]) -> None:
    subjects = report["subjects"]
    base = subjects[simulate.BASELINE]["us_per_event"]
    for name, figures in subjects.items():
        assert figures["events"] == N
        if figures.get("derived"):
            assert "seconds_all" not in figures
        else:
            assert len(figures["seconds_all"]) == 2
            assert figures["seconds"] == min(figures["seconds_all"]) > 0
        if figures["seconds"] > 0:
            assert figures["events_per_s"] == pytest.approx(N / figures["seconds"], rel=1e-3)
        assert figures["us_per_event"] == pytest.approx(figures["seconds"] * 1e6 / N, rel=1e-3)
        assert figures["seconds_per_million"] == pytest.approx(figures["us_per_event"], rel=1e-3)
        ratio = figures["ratio_to_baseline"]
        assert ratio == pytest.approx(figures["us_per_event"] / base, rel=1e-2, abs=1e-3), name
    assert subjects[simulate.BASELINE]["ratio_to_baseline"] == 1.0
    read = subjects[simulate.READ]["seconds"]
    for derived, whole in (
        (simulate.REPLAY, simulate.SIMULATE_A),
        (simulate.DECIDE, simulate.BASELINE),
    ):
        expected = max(0.0, subjects[whole]["seconds"] - read)
        assert subjects[derived]["seconds"] == pytest.approx(expected, abs=1e-5)
    replay, decide = subjects[simulate.REPLAY], subjects[simulate.DECIDE]
    if decide["us_per_event"]:
        assert replay["ratio_to_decide"] == pytest.approx(
            replay["us_per_event"] / decide["us_per_event"], rel=1e-2, abs=1e-3
        )


def test_targets_follow_the_figures(report: dict[str, Any]) -> None:
    rows = report["targets"]
    assert len(rows) == 2
    for row in rows:
        op, goal = row["goal"].split()
        expected = row["measured"] >= float(goal) if op == ">=" else row["measured"] <= float(goal)
        assert row["pass"] is expected


def test_profile_lists_the_hot_spots(report: dict[str, Any]) -> None:
    rows = report["profile"]
    assert 0 < len(rows) <= simulate.PROFILE_TOP
    assert all(row["calls"] > 0 for row in rows)
    assert [r["tottime_s"] for r in rows] == sorted((r["tottime_s"] for r in rows), reverse=True)
