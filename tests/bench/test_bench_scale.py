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


def test_http_load_reports_both_subjects(tmp_path: Path) -> None:
    data = _run(["bench.http_load", "--seconds", "1", "--connections", "4"], tmp_path / "h.json")
    results = data["results"]
    assert isinstance(results, dict)
    for subject in ("hello", "decide", "batch"):
        r = results[subject]
        assert r["requests"] > 0 and r["statuses"] == {"200": r["requests"]}
        assert 0 < r["p50_ms"] <= r["p99_ms"]
    assert results["batch"]["decisions_per_second"] == 50 * results["batch"]["per_second"]
    ratio = results["decide"]["per_second"] / results["hello"]["per_second"]
    assert abs(ratio - data["ratio"]) < 1e-9


def test_events_bench_writes_to_both_stores(tmp_path: Path) -> None:
    admin = postgres_url_or_skip()
    data = _run(["bench.events", "--n", "2000", "--postgres", admin], tmp_path / "e.json")
    rates = data["rows_per_second"]
    assert isinstance(rates, dict) and set(rates) == {"sqlite", "postgresql"}
    assert all(v > 0 for v in rates.values()) and data["n"] == 2000
