"""The model: better than a trivial baseline on the held-out split, and rebuilt byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkgate.checks import ContentClassifier, LinearModel, ModelFileError, default_classifier
from linkgate.checks.corpus import CORPUS_PATH, Example, read_corpus
from linkgate.checks.evaluation import Report, evaluate, report
from linkgate.checks.model import MODEL_PATH
from linkgate.checks.training import DIGITS
from linkgate.cli.main import main

# Measured on the held-out split when the shipped model was built (python -m bench.content):
# macro-F1 0.855 for the model alone and 0.912 combined; the trivial majority baseline is
# 0.079. The floors sit about 0.05 below the measured figures: a change that loses more than
# that (a broken feature, a mislabelled corpus, a rules file that stopped loading) fails here.
MODEL_FLOOR = 0.80
COMBINED_FLOOR = 0.86
MARGIN_OVER_BASELINE = 0.6


@pytest.fixture(scope="module")
def test_split() -> list[Example]:
    return [e for e in read_corpus() if e.split == "test"]


@pytest.fixture(scope="module")
def reports(test_split: list[Example]) -> dict[str, Report]:
    return evaluate(default_classifier(), test_split)


def test_model_beats_the_majority_baseline(
    test_split: list[Example], reports: dict[str, Report]
) -> None:
    truth = [e.label for e in test_split]
    baseline = report(truth, ["normal"] * len(truth)).macro.f1
    model = reports["model"].macro.f1
    combined = reports["combined"].macro.f1
    assert model >= MODEL_FLOOR, model
    assert combined >= COMBINED_FLOOR, combined
    assert model - baseline >= MARGIN_OVER_BASELINE
    # Adding the rules to the model helps, and the rules alone are precise (they miss a
    # lot, which is what the model is for).
    assert combined > model
    assert reports["rules"].macro.precision >= 0.9
    assert reports["rules"].macro.recall < reports["combined"].macro.recall


def test_every_category_is_found_on_the_held_out_split(reports: dict[str, Report]) -> None:
    for category, scores in reports["combined"].per_category.items():
        assert scores.f1 >= 0.6, (category, scores)


def test_the_model_never_saw_the_test_split(test_split: list[Example]) -> None:
    meta = LinearModel.load().meta["training"]
    train = [e for e in read_corpus() if e.split == "train"]
    assert meta["train_texts"] == len(train)
    assert meta["train_texts"] + len(test_split) == len(read_corpus())


def test_the_shipped_model_is_what_the_build_command_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "model.json"
    try:
        main(["check", "train", "--corpus", str(CORPUS_PATH), "--out", str(out)])
    except SystemExit as exc:
        assert exc.code in (0, None)
    shipped = json.loads(MODEL_PATH.read_bytes())
    rebuilt = json.loads(out.read_bytes())
    # Same training data, choice of C, classes and features; weights equal to the last
    # stored digit (the solver's last bit can differ between processes, which can flip
    # a rounding at the fourth decimal).
    assert rebuilt["training"] == shipped["training"]
    assert rebuilt["classes"] == shipped["classes"]
    assert rebuilt["features"].keys() == shipped["features"].keys()
    unit = 10.0**-DIGITS
    worst = max(
        abs(a - b)
        for name, weights in shipped["features"].items()
        for a, b in zip(weights, rebuilt["features"][name], strict=True)
    )
    assert worst <= unit * 1.01, worst
    flips = sum(
        weights != rebuilt["features"][name] for name, weights in shipped["features"].items()
    )
    assert flips <= len(shipped["features"]) // 1000, flips
    assert "wrote" in capsys.readouterr().err


def test_training_reads_only_the_train_split() -> None:
    from linkgate.checks.training import train

    picked: dict[str, list[Example]] = {}
    for e in read_corpus():
        if e.split == "train" and len(picked.setdefault(e.label, [])) < 10:
            picked[e.label].append(e)
    small = [e for rows in picked.values() for e in rows]
    held_out = [e for e in read_corpus() if e.split == "test"][:40]
    relabelled = [Example(e.text, "vulgar", e.kind, e.split) for e in held_out]
    first = train([*small, *held_out])
    assert first["training"]["train_texts"] == len(small)
    assert first == train([*small, *relabelled])


def test_bad_model_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    for content, needle in [
        ("{", "cannot read"),
        ('{"format": "other"}', "not a linkgate-content-model"),
        ('{"format": "linkgate-content-model", "version": 9}', "version 9"),
        (
            '{"format": "linkgate-content-model", "version": 1, "classes": ["spam"]}',
            "classes",
        ),
        (
            '{"format": "linkgate-content-model", "version": 1, "classes": ["normal"],'
            ' "intercept": [0], "features": {"w:x": [1]}}',
            "needs idf",
        ),
    ]:
        path.write_text(content, encoding="utf-8")
        with pytest.raises(ModelFileError, match=needle):
            LinearModel.load(path)


def test_a_classifier_from_files(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("version: 1\ncategories: {}\n", encoding="utf-8")
    quiet = ContentClassifier.load(rules=rules)
    assert quiet.classify("帮我砍一刀").rules == ()
