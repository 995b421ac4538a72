"""The benchmark scripts run end to end on a small corpus and write consistent figures.

Each script's ``main(argv)`` runs in-process with ``--n 2000``; the JSON it writes is checked
for its keys, its counts and the arithmetic between its figures. Nothing here depends on how
fast the machine is: no assertion compares a time with a threshold.
"""

from __future__ import annotations

import gc
import json
import statistics
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench import corpus, decisions, harness, inspect_urls
from linkgate.facts import DEFAULT_CACHE_SIZE
from linkgate.vocabulary import CHANNELS, TREATMENTS
from tests.services import redis_url_or_skip

N = 2000
REPEAT = 2


def _run(module: Any, tmp: Path, *extra: str) -> dict[str, Any]:
    out = tmp / f"{module.__name__.rsplit('.', 1)[-1]}.json"
    code = module.main(["--n", str(N), "--repeat", str(REPEAT), "--json", str(out), *extra])
    assert code == 0
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def inspect_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run(inspect_urls, tmp_path_factory.mktemp("inspect"))


@pytest.fixture(scope="module")
def decisions_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run(decisions, tmp_path_factory.mktemp("decisions"), "--profile")


def _check_measurement(m: dict[str, Any], unit: str, items: int) -> None:
    assert m["items"] == items
    assert m["seconds"] > 0
    assert m["wall_seconds"] > 0
    assert len(m["seconds_all"]) == REPEAT
    assert m["seconds"] == min(m["seconds_all"])
    assert m[f"{unit}s_per_s"] == pytest.approx(items / m["seconds"], rel=1e-3)
    assert m[f"us_per_{unit}"] == pytest.approx(m["seconds"] * 1e6 / items, rel=1e-3, abs=1e-3)
    latency = m.get("latency")
    if latency is not None:
        assert 0 < latency["median_us"] <= latency["p90_us"] <= latency["p99_us"]
        assert latency["p99_us"] <= latency["max_us"]
        assert latency["mean_us"] <= latency["max_us"]


def _check_targets(rows: list[dict[str, Any]], count: int) -> None:
    assert len(rows) == count
    for row in rows:
        op, goal = row["goal"].split()
        expected = row["measured"] >= float(goal) if op == ">=" else row["measured"] <= float(goal)
        assert row["pass"] is expected


# --------------------------------------------------------------------------- inspect_urls


def test_inspect_report_shape(inspect_report: dict[str, Any]) -> None:
    assert inspect_report["benchmark"] == "inspect_urls"
    assert inspect_report["n"] == N
    assert inspect_report["repeat"] == REPEAT
    assert inspect_report["timer_overhead_ns"] >= 0
    assert inspect_report["environment"]["packages"]["gglsbl"] != "not installed"
    assert set(inspect_report["corpora"]) == {"unique", "zipf"}
    assert set(inspect_report) >= {"stages", "targets", "environment"}


def test_inspect_corpora(inspect_report: dict[str, Any]) -> None:
    unique = inspect_report["corpora"]["unique"]
    zipf = inspect_report["corpora"]["zipf"]
    assert unique["urls"] == unique["distinct"] == N
    assert zipf["urls"] == N
    assert zipf["distinct"] < N  # popular links repeat
    assert unique["inspector_cache_size"] == 0
    assert zipf["inspector_cache_size"] == DEFAULT_CACHE_SIZE


@pytest.mark.parametrize("corpus", ["unique", "zipf"])
def test_inspect_variants(inspect_report: dict[str, Any], corpus: str) -> None:
    result = inspect_report["corpora"][corpus]
    variants = result["variants"]
    assert set(variants) == {"inspect", "inspect_expressions_hashes", "gglsbl"}
    for figures in variants.values():
        _check_measurement(figures, "url", N)
        assert "latency" in figures
    # Every valid link with a host has at least its exact expression; both sides hash.
    assert variants["inspect_expressions_hashes"]["hashes_per_url"] > 1
    assert variants["gglsbl"]["hashes_per_url"] > 1
    errors = variants["gglsbl"]["errors"]
    assert 0 <= errors < N
    assert sum(variants["gglsbl"]["error_types"].values()) == errors
    base = variants["gglsbl"]["urls_per_s"]
    for name, ratio in result["ratio_vs_gglsbl"].items():
        assert ratio == pytest.approx(variants[name]["urls_per_s"] / base, rel=1e-2)


def test_inspect_stages(inspect_report: dict[str, Any]) -> None:
    split = inspect_report["stages"]
    assert split["corpus"] == "unique"
    stages = split["stages"]
    assert list(stages) == [
        "parse",
        "canonicalize",
        "idn to_unicode",
        "registrable_domain",
        "registry.resolve",
        "deception detect",
        "UrlFacts construction",
        "other",
    ]
    assert stages["parse"]["calls"] == N
    valid = stages["canonicalize"]["calls"]
    assert 0.9 * N < valid < N  # about 1 % of the corpus is malformed
    assert stages["deception detect"]["calls"] == valid
    assert stages["UrlFacts construction"]["calls"] == valid
    assert 0 < stages["idn to_unicode"]["calls"] < stages["registrable_domain"]["calls"] <= valid
    assert stages["registry.resolve"]["calls"] == stages["registrable_domain"]["calls"]
    for name, figures in stages.items():
        if name != "other":
            assert figures["seconds"] > 0
    total = sum(figures["seconds"] for figures in stages.values())
    assert total == pytest.approx(split["inspect_seconds"], rel=1e-3, abs=1e-5)


def test_inspect_targets(inspect_report: dict[str, Any]) -> None:
    rows = inspect_report["targets"]
    _check_targets(rows, 4)
    assert {(row["corpus"], row["unit"]) for row in rows} == {
        ("unique", "×"),
        ("unique", "µs"),
        ("zipf", "×"),
        ("zipf", "µs"),
    }


# --------------------------------------------------------------------------- decisions


def test_decisions_report_shape(decisions_report: dict[str, Any]) -> None:
    assert decisions_report["benchmark"] == "decisions"
    assert decisions_report["n"] == N
    assert decisions_report["repeat"] == REPEAT
    assert set(decisions_report["corpora"]) == {"zipf", "unique"}
    _check_targets(decisions_report["targets"], 6)
    in_turns = [r for r in decisions_report["targets"] if r["target"].endswith("in turns")]
    assert {(r["corpus"], r["measured"]) for r in in_turns} == {
        (c, decisions_report["corpora"][c]["ratio_to_floor_in_turns"]["median"])
        for c in ("zipf", "unique")
    }


@pytest.mark.parametrize("corpus", ["unique", "zipf"])
def test_decisions_corpus(decisions_report: dict[str, Any], corpus: str) -> None:
    result = decisions_report["corpora"][corpus]
    assert result["decisions"] == N
    assert result["inspector_cache_size"] == (0 if corpus == "unique" else DEFAULT_CACHE_SIZE)
    assert result["at"] == decisions.AT.isoformat()
    assert sum(result["channels"].values()) == N
    assert set(result["channels"]) <= set(CHANNELS)
    assert next(iter(result["channels"])) == "private_chat"  # the most common
    assert sum(result["treatments"].values()) == N
    assert set(result["treatments"]) <= set(TREATMENTS)
    if corpus == "unique":
        assert result["treatments"].get("blocked", 0) > 0  # malformed links are blocked
    floor_us = result["floor"]["us_per_url"]
    for key in ("decide", "decide_at_none", "decide_facts_cached"):
        _check_measurement(result[key], "decision", N)
        ratio = result[key]["us_per_decision"] / floor_us
        assert result[key]["ratio_to_floor"] == pytest.approx(ratio, rel=1e-2)
    assert "latency" in result["decide"]
    in_turns = result["ratio_to_floor_in_turns"]
    assert len(in_turns["by_pass"]) == REPEAT and all(r > 0 for r in in_turns["by_pass"])
    assert in_turns["median"] == pytest.approx(statistics.median(in_turns["by_pass"]), abs=1e-3)
    assert in_turns["turn"] == decisions.TURN
    _check_measurement(result["floor"], "url", N)
    _check_measurement(result["floor_cached_psl"], "url", N)


@pytest.mark.parametrize("corpus", ["unique", "zipf"])
def test_decisions_stages_add_up(decisions_report: dict[str, Any], corpus: str) -> None:
    result = decisions_report["corpora"][corpus]
    stages = result["stages"]
    assert list(stages) == ["inspect", "evaluate", "assembly"]
    assert stages["inspect"]["seconds"] > 0
    assert stages["evaluate"]["seconds"] > 0
    total = sum(figures["seconds"] for figures in stages.values())
    assert total == pytest.approx(result["decide"]["seconds"], rel=1e-3, abs=1e-5)
    cached = result["decide_facts_cached"]["seconds"] - stages["evaluate"]["seconds"]
    assert result["assembly_facts_cached_us_per_decision"] == pytest.approx(
        cached * 1e6 / N, rel=1e-2, abs=1e-2
    )


def test_decisions_profile(decisions_report: dict[str, Any]) -> None:
    profile = decisions_report["profile"]
    assert set(profile) == {"zipf", "unique"}
    for rows in profile.values():
        assert len(rows) == decisions.PROFILE_TOP
        own = [row["tottime_s"] for row in rows]
        assert own == sorted(own, reverse=True)
        assert all(row["calls"] > 0 for row in rows)
        assert any(row["function"] == "Gateway.decide" for row in rows)
        assert not any("bench" in row["where"] for row in rows)


# --------------------------------------------------------------------------- helpers


def test_channel_mix_is_deterministic_and_close_to_the_shares() -> None:
    drawn = decisions.channels(20_000)
    assert drawn == decisions.channels(20_000)
    assert drawn != decisions.channels(20_000, seed=decisions.CHANNEL_SEED + 1)
    for name, share in decisions.CHANNEL_MIX:
        assert drawn.count(name) / len(drawn) == pytest.approx(share, abs=0.01)


def test_unique_corpus_is_distinct_and_deterministic() -> None:
    urls = harness.unique_corpus(N)
    assert len(urls) == len(set(urls)) == N
    assert urls == harness.unique_corpus(N)
    assert len(set(corpus.generate(N))) < N  # the plain corpus does repeat itself


def test_percentiles() -> None:
    ordered = list(range(1, 101))
    assert harness.percentile(ordered, 0.5) == 50
    assert harness.percentile(ordered, 0.9) == 90
    assert harness.percentile(ordered, 0.99) == 99
    assert harness.percentile([7], 0.99) == 7
    latency = harness.Latency.of([3000, 1000, 2000])
    assert (latency.median_us, latency.max_us, latency.mean_us) == (2.0, 3.0, 2.0)
    assert harness.Latency.of([]).median_us == 0.0


class _Node:
    """A container the collector tracks, to build reference cycles with."""

    def __init__(self) -> None:
        self.other: _Node | None = None


def test_a_timed_pass_keeps_what_was_alive_out_of_the_collectors_passes() -> None:
    held = _Node()  # alive when the pass starts: the benchmark's own
    with harness.frozen_heap():
        assert gc.get_freeze_count() > 0
        assert not any(o is held for o in gc.get_objects())  # frozen objects are not listed
        made = _Node()  # made by the timed work: collected as usual
        made.other = made
        gone = weakref.ref(made)
        del made
        gc.collect()
        assert gone() is None
    assert gc.get_freeze_count() == 0
    assert any(o is held for o in gc.get_objects())


@pytest.fixture
def no_output(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    yield
    capsys.readouterr()


@pytest.mark.parametrize("module", [inspect_urls, decisions])
@pytest.mark.parametrize(
    "argv", [["--n", "0"], ["--repeat", "0"], ["--n", "10", "--quick"], ["--n", "x"]]
)
def test_bad_options_exit_with_usage_error(module: Any, argv: list[str], no_output: None) -> None:
    with pytest.raises(SystemExit) as exc:
        module.main(argv)
    assert exc.value.code == 2


def test_counters_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """bench.counters on a small run: every subject timed, the target's subjects in turns
    only among themselves, the overheads are the ratios' arithmetic, the compiled windows
    are the ones timed where built, and counting in Redis costs exactly one round trip a
    decision."""
    from bench import counters as bench_counters
    from linkgate.enforcement import counters

    url = redis_url_or_skip()
    rotations: list[set[str]] = []
    run = bench_counters.run_interleaved

    def recorded(runner: Any, label: str, shares: Any, subjects: Any) -> dict[str, float]:
        rotations.append(set(subjects))
        return run(runner, label, shares, subjects)

    monkeypatch.setattr(bench_counters, "run_interleaved", recorded)
    data = _run(bench_counters, tmp_path, "--redis", url)
    target = {bench_counters.DECIDE, bench_counters.RECORD, bench_counters.LOCAL}
    others = {bench_counters.DECIDE, bench_counters.REDIS}
    if counters.COMPILED:
        others.add(bench_counters.LOCAL_PY)
    assert rotations == [target, others] * REPEAT
    us = data["us_per_decision"]
    ratios = data["ratio_to_decide"]
    expected = {
        bench_counters.DECIDE,
        bench_counters.RECORD,
        bench_counters.LOCAL,
        bench_counters.REDIS,
    }
    if counters.COMPILED:
        expected.add(bench_counters.LOCAL_PY)
    assert set(us) == set(ratios) == expected
    assert data["n"] == N
    assert data["compiled_windows"] is counters.COMPILED
    assert ratios[bench_counters.DECIDE] == 1
    assert all(v > 0 for v in us.values())
    for key, subject in (
        ("local_overhead", bench_counters.LOCAL),
        ("record_only_overhead", bench_counters.RECORD),
    ):
        assert data[key] == pytest.approx(ratios[subject] - 1, abs=1e-3)
    # The overhead in time, pass by pass: the ratio's excess times the decision's time.
    added, decide = data["added_us_by_pass"], data["decide_us_by_pass"]
    assert len(added) == len(decide) == len(data["overhead_by_pass"]) == REPEAT
    for a, d, o in zip(added, decide, data["overhead_by_pass"], strict=True):
        assert a == pytest.approx(o * d, rel=1e-2, abs=1e-3)
    assert data["local_added_us"] == pytest.approx(statistics.median(added), abs=1e-3)
    # One script call per counted share; the corpus's malformed links (about 1 %) are
    # decided without a count.
    trips = data["redis_round_trips_per_decision"]
    assert 0.95 <= trips <= 1
    # The default policy's plan: four counts, a sorted set each (three without a platform).
    assert 3 * trips <= data["redis_sorted_sets_per_decision"] <= 4 * trips


def test_kernels_in_turns_see_every_item_once_in_order() -> None:
    seen: dict[str, list[int]] = {"a": [], "b": []}
    runner = harness.Runner(harness.console(), repeat=1)
    spent = runner.in_turns(
        "turns",
        {
            "a": (list(range(25)), seen["a"].extend),
            "b": (list(range(100, 125)), seen["b"].extend),
        },
        chunk=4,
    )
    assert seen == {"a": list(range(25)), "b": list(range(100, 125))}
    assert set(spent) == {"a", "b"} and all(s >= 0 for s in spent.values())
    with pytest.raises(ValueError, match="as many items"):
        runner.in_turns("turns", {"a": ([1, 2], seen["a"].extend), "b": ([1], len)}, chunk=1)
