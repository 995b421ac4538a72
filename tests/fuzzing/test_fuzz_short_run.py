"""Each fuzz target for a few thousand inputs through ``python -m fuzz.run`` (the CI run)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fuzz.run import TARGET_NAMES, SlowInput, _bounded
from fuzz.targets import TARGETS

FUZZ = (sys.executable, "-m", "fuzz.run")
ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"summary target=(\w+) engine=(\w+) inputs=(\d+) .* findings=(\d+)")


def test_runner_knows_every_target() -> None:
    assert set(TARGET_NAMES) == set(TARGETS)


@pytest.mark.parametrize("target", TARGET_NAMES)
def test_short_fuzz_run_finds_nothing(target: str, tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    run = subprocess.run(
        [*FUZZ, target, "--inputs", "3000", "--per-input-ms", "2000", "--artifacts", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr[-4000:]
    summary = SUMMARY.search(run.stdout)
    assert summary is not None, run.stdout
    assert summary.groups() == (target, "atheris", "3000", "0")
    assert not list(tmp_path.iterdir())


def test_hypothesis_engine_runs_a_target(tmp_path: Path) -> None:
    run = subprocess.run(
        [*FUZZ, "urls", "--engine", "hypothesis", "--inputs", "500", "--artifacts", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr[-4000:]
    summary = SUMMARY.search(run.stdout)
    assert summary is not None and summary.group(4) == "0", run.stdout


def test_an_input_over_the_time_bound_is_a_finding() -> None:
    slow = _bounded(lambda data: time.sleep(0.05), 0.01)
    with pytest.raises(SlowInput):
        slow(b"x")
    _bounded(lambda data: None, 0.01)(b"x")
