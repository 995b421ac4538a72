"""Generated traffic and policies shared by the simulator tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkgate.facts import Inspector
from linkgate.policy.loader import default_policy_path
from linkgate.simulator.schema import write_traffic
from linkgate.simulator.traffic import TrafficSpec, generate

#: A week from 2021-09-15: the first rollout phase (2021-09-17) falls inside it.
WEEK = TrafficSpec(days=7, shares_per_day=4000, seed=11)
#: Three days from 2021-09-15, small, for command-line runs.
DAYS = TrafficSpec(days=3, shares_per_day=1500, seed=12)


def default_text() -> str:
    return default_policy_path().read_text(encoding="utf-8")


def write_policy(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def inspector() -> Inspector:
    return Inspector.default()


def traffic_file(tmp: Path, spec: TrafficSpec) -> Path:
    path = tmp / "traffic.jsonl"
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        write_traffic(generate(spec), handle)
    return path


@pytest.fixture(scope="session")
def week_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return traffic_file(tmp_path_factory.mktemp("week"), WEEK)


@pytest.fixture(scope="session")
def days_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return traffic_file(tmp_path_factory.mktemp("days"), DAYS)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``linkgate argv``: (exit status, stdout, stderr)."""
    from linkgate.cli.main import main

    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
