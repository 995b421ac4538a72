"""``linkgate report transparency``: an empty period, and bad input as one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linkgate", "report", "transparency", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_empty_period_is_a_report_of_zeros(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    out = tmp_path / "out"
    done = run("--from", "2025-01-01", "--to", "2025-01-31", "--database", url, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "transparency-categories.csv",
        "transparency-daily.csv",
        "transparency.html",
        "transparency.json",
    ]
    report = json.loads((out / "transparency.json").read_text(encoding="utf-8"))
    assert report["period"]["days"] == 31
    assert len(report["daily"]) == 31
    assert report["reports"]["median_hours_to_review"] is None
    assert report["links"]["blocked"] == {"decisions": 0, "links": 0}
    daily = (out / "transparency-daily.csv").read_text(encoding="utf-8").splitlines()
    assert len(daily) == 32 and daily[1].startswith("2025-01-01,0,")


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    for args, fragment in (
        (("--from", "2025-02-01", "--to", "2025-01-01"), "must be after"),
        (("--from", "soon", "--to", "2025-01-01"), "from: not a date"),
        (("--from", "2025-01-01", "--to", "2025-01-02", "--out", str(a_file)), "not a directory"),
    ):
        argv = list(args) + (["--out", str(tmp_path / "o")] if "--out" not in args else [])
        failed = run(*argv, "--database", url)
        assert failed.returncode == 2, failed
        assert failed.stderr.startswith("linkgate: error: ") and fragment in failed.stderr
        assert failed.stderr.strip().count("\n") == 0
