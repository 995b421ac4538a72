"""The scale benchmarks run and their figures add up (speed itself is never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.services import postgres_url_or_skip

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], out: Path) -> dict[str, object]:
    run = subprocess.run(
        [sys.executable, "-m", *args, "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    data: dict[str, object] = json.loads(out.read_text())
    return data


def test_open_loop_latency_leaves_out_the_load_generators_own_lag() -> None:
    from bench.http_load import charged

    # Its connection was free at the due time: sent 0.8 ms late (a timer that woke on the
    # next millisecond), answered 0.3 ms after the send.
    latency, lag = charged(due=10.0, answered=9.0, sent=10.0008, done=10.0011)
    assert abs(lag - 0.0008) < 1e-9 and abs(latency - 0.0003) < 1e-9
    # Its connection was still waiting for a slow answer until 2 ms past the due time: those
    # 2 ms are the server's; only the 0.1 ms from that answer to the send is the generator's.
    latency, lag = charged(due=10.0, answered=10.002, sent=10.0021, done=10.0025)
    assert abs(lag - 0.0001) < 1e-9 and abs(latency - 0.0024) < 1e-9
    # Sent on time: nothing is taken off.
    assert charged(due=10.0, answered=9.0, sent=10.0, done=10.001) == (10.001 - 10.0, 0.0)


def test_http_load_reports_every_subject_and_target(tmp_path: Path) -> None:
    data = _run(
        [
            "bench.http_load",
            "--seconds",
            "2",
            "--rounds",
            "2",
            "--connections",
            "1,4",
            "--batch",
            "20",
        ],
        tmp_path / "h.json",
    )
    results = data["results"]
    assert isinstance(results, dict)
    for connections in (1, 4):
        for subject in ("hello", "decide", "batch"):
            r = results[f"{subject}@{connections}"]
            assert r["requests"] > 0 and r["statuses"] == {"200": r["requests"]}
            assert 0 < r["p50_ms"] <= r["p99_ms"]
        batch = results[f"batch@{connections}"]
        assert batch["decisions_per_second"] == 20 * batch["per_second"]
        # The ratio is the median over the rounds of each round's decide over its hello.
        decide, hello = (results[f"{s}@{connections}"] for s in ("decide", "hello"))
        assert len(decide["round_per_second"]) == len(hello["round_per_second"]) == 2
        rounds = zip(decide["round_per_second"], hello["round_per_second"], strict=True)
        by_round = [d / h for d, h in rounds]
        assert abs(sum(by_round) / 2 - data["ratios"][str(connections)]) < 1e-9
        assert abs(sum(decide["round_per_second"]) / 2 - decide["per_second"]) < 1e-6
    half = data["half_rate"]
    assert isinstance(half, dict)
    assert half["rate"] == results["decide@4"]["per_second"] / 2
    assert half["statuses"] == {"200": half["requests"]} and half["requests"] > 0
    assert 0 <= half["send_lag_p50_ms"] <= half["send_lag_p99_ms"]
    targets = data["targets"]
    assert isinstance(targets, list) and len(targets) == 4
    assert all(isinstance(t["pass"], bool) for t in targets)
    assert data["in_process_per_second"] > 0
    # Every run started from a drained event queue; none of the events failed to store.
    assert data["events"] == {"pending": 0, "dropped": 0, "failed": 0}


def test_events_bench_writes_to_both_stores(tmp_path: Path) -> None:
    admin = postgres_url_or_skip()
    data = _run(["bench.events", "--n", "2000", "--postgres", admin], tmp_path / "e.json")
    rates = data["rows_per_second"]
    assert isinstance(rates, dict) and set(rates) == {"sqlite", "postgresql"}
    assert all(v > 0 for v in rates.values()) and data["n"] == 2000
