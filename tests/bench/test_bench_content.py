"""``bench.content`` runs end to end on a few texts and writes consistent figures.

Nothing here depends on how fast the machine is: no assertion compares a time with a
threshold.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench import content
from linkgate.checks.categories import CATEGORIES

N = 300
REPEAT = 2


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("content") / "content.json"
    assert content.main(["--n", str(N), "--repeat", str(REPEAT), "--json", str(out)]) == 0
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def test_shape(report: dict[str, Any]) -> None:
    assert report["benchmark"] == "content"
    assert report["n"] == N and report["repeat"] == REPEAT
    assert set(report["quality"]["methods"]) == {"rules", "model", "combined", "majority"}


def test_quality_figures_add_up(report: dict[str, Any]) -> None:
    total = report["quality"]["test_texts"]
    for figures in report["quality"]["methods"].values():
        per = figures["per_category"]
        assert list(per) == list(CATEGORIES)
        assert sum(s["support"] for s in per.values()) == total
        confusion = figures["confusion"]
        assert sum(sum(row.values()) for row in confusion.values()) == total
        correct = sum(confusion[c][c] for c in CATEGORIES)
        assert figures["accuracy"] == pytest.approx(correct / total, abs=1e-4)
        for c, s in per.items():
            predicted = sum(confusion[t][c] for t in CATEGORIES)
            if predicted:
                assert s["precision"] == pytest.approx(confusion[c][c] / predicted, abs=1e-4)
            if s["precision"] + s["recall"]:
                f1 = 2 * s["precision"] * s["recall"] / (s["precision"] + s["recall"])
                assert s["f1"] == pytest.approx(f1, abs=1e-3)
        macro = sum(s["f1"] for s in per.values()) / len(per)
        assert figures["macro"]["f1"] == pytest.approx(macro, abs=1e-3)
    majority = report["quality"]["methods"]["majority"]
    assert majority["per_category"]["normal"]["recall"] == 1.0
    combined = report["quality"]["methods"]["combined"]["macro"]["f1"]
    assert combined > majority["macro"]["f1"]


def test_speed_figures(report: dict[str, Any]) -> None:
    speed = report["speed"]
    assert speed["texts"] == N and speed["baseline"] == "jieba words"
    subjects = speed["subjects"]
    assert list(subjects) == ["jieba words", "rules", "model", "classify"]
    base = subjects["jieba words"]["us_per_text"]
    for figures in subjects.values():
        assert figures["items"] == N
        assert len(figures["seconds_all"]) == REPEAT
        assert figures["seconds"] == min(figures["seconds_all"])
        assert figures["texts_per_s"] == pytest.approx(N / figures["seconds"], rel=1e-3)
        assert figures["ratio_to_baseline"] == pytest.approx(
            figures["us_per_text"] / base, rel=1e-2, abs=1e-3
        )
    assert subjects["jieba words"]["ratio_to_baseline"] == 1.0


@pytest.mark.parametrize("argv", [["--n", "0"], ["--repeat", "0"], ["--n", "10", "--quick"]])
def test_bad_options_exit_with_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        content.main(argv)
    assert exc.value.code == 2
    capsys.readouterr()
