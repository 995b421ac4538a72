"""``bench.load`` drives two real replicas for a few seconds and its invariants hold.

Two ``linkgate serve`` processes on a fresh PostgreSQL database and Redis take the day's
mix at a low rate: every request is answered without error, every kind of request was
sent, and every acknowledged report is stored exactly once. Nothing here compares a time
with a threshold.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import load
from linkgate.storage.migrate import upgrade
from tests.services import postgres_database, postgres_url_or_skip, redis_url_or_skip

RATE = 40
DURATION = 4


@pytest.fixture
def database() -> Iterator[str]:
    with postgres_database(postgres_url_or_skip(), prefix="linkgate_load") as url:
        upgrade(url)
        yield url


def test_load_holds_its_invariants_on_two_replicas(database: str, tmp_path: Path) -> None:
    redis = redis_url_or_skip()
    out = tmp_path / "load.json"
    code = load.main(
        [
            "--database",
            database,
            "--redis",
            redis,
            "--rate",
            str(RATE),
            "--duration",
            str(DURATION),
            "--warmup",
            "1",
            "--json",
            str(out),
        ]
    )
    (result,) = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert code == 0, result
    assert result["sent"] == RATE * DURATION
    assert result["answered"] == result["sent"]
    assert result["errors"] == 0 and result["error_causes"] == {}
    kinds = result["by_kind"]
    assert sum(k["count"] for k in kinds.values()) == result["sent"]
    assert kinds["decision"]["statuses"] == {"200": kinds["decision"]["count"]}
    assert kinds["open"]["count"] > 0 and kinds["report"]["count"] > 0
    reports = result["reports"]
    assert reports["stored_once"] is True
    assert reports["acknowledged"] == reports["stored"] == kinds["report"]["count"]
    assert reports["missing"] == reports["duplicated"] == reports["never_sent"] == 0
    assert result["achieved_rate"] > 0
    assert result["latency_ms"]["p50"] <= result["latency_ms"]["p99"] <= result["latency_ms"]["max"]


def test_load_refuses_unbounded_runs(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--duration", "601"], ["--rate", "0"], ["--url", "http://127.0.0.1:1"]):
        with pytest.raises(SystemExit) as exited:
            load.main(["--database", "sqlite://", *argv])
        assert exited.value.code == 2
    assert "--duration must be" in capsys.readouterr().err


def test_percentiles_use_nearest_rank() -> None:
    values = [float(v) for v in range(1, 1001)]
    assert load.percentiles(values) == {"p50": 500.0, "p99": 990.0, "p999": 999.0, "max": 1000.0}
