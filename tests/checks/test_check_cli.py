"""``linkgate check``: JSON Lines in input order, one-line errors, the train command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkgate.checks.categories import CATEGORIES
from linkgate.checks.corpus import read_corpus
from linkgate.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


FIELDS = {"text", "category", "score", "scores", "rules", "model", "guarded"}


def test_check_text_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "text", "转发到3个群即可领取红包", "分享一篇文章")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["text"] for r in rows] == ["转发到3个群即可领取红包", "分享一篇文章"]
    assert all(set(r) == FIELDS for r in rows)
    lure, article = rows
    assert lure["category"] == "induced_sharing" and lure["score"] >= 0.9
    assert set(lure["scores"]) == set(CATEGORIES)
    hit = next(r for r in lure["rules"] if r["rule"] == "induced_sharing.forward-to-n-groups")
    assert (hit["start"], hit["end"], hit["text"]) == (0, 6, "转发到3个群")
    assert hit["kind"] == "pattern" and hit["category"] == "induced_sharing"
    assert article["category"] == "normal" and article["rules"] == []


def test_check_text_file_keeps_order(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    lines = ["帮我砍一刀", "", "下载报表", "\x00\u200b", "x" * 20000, "身份证办理指南"]
    src = tmp_path / "in.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dst = tmp_path / "out.jsonl"
    code, out, _ = run(capsys, "check", "text", "--input", str(src), "--output", str(dst))
    assert code == 0 and out == ""
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == lines
    assert [r["category"] for r in rows] == [
        "induced_sharing",
        "normal",
        "normal",
        "normal",
        "normal",
        "normal",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "text"], "no texts given"),
        (["check", "text", "a", "--input", "x.txt"], "not both"),
        (["check", "text", "--input", "/nonexistent/in.txt"], "cannot read"),
    ],
)
def test_check_text_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code != 0 and out == ""
    assert err.startswith("linkgate: error: ") and message in err
    assert len(err.strip().splitlines()) == 1


def test_check_text_with_bad_rules_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("version: 2\ncategories: {spam: {}}\n", encoding="utf-8")
    code, _, err = run(capsys, "check", "text", "x", "--rules", str(rules))
    assert code == 1
    assert err.startswith(f"linkgate: error: {rules}:1:10") and "(and 1 more)" in err


def test_check_train_small_corpus(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Eight texts per category from the train split train a small but working model.
    picked: dict[str, list[str]] = {}
    for e in read_corpus():
        if e.split == "train" and len(picked.setdefault(e.label, [])) < 8:
            picked[e.label].append(json.dumps(e.to_dict(), ensure_ascii=False))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(x for rows in picked.values() for x in rows), encoding="utf-8")
    out = tmp_path / "model.json"
    code, _, err = run(capsys, "check", "train", "--corpus", str(corpus), "--out", str(out))
    assert code == 0, err
    model = json.loads(out.read_text(encoding="utf-8"))
    assert model["classes"] == list(CATEGORIES)
    assert model["training"]["train_texts"] == 8 * len(CATEGORIES)
    code, stdout, _ = run(capsys, "check", "text", "帮我砍一刀", "--model", str(out))
    assert code == 0 and json.loads(stdout)["category"] == "induced_sharing"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "a", "label": "spam", "kind": "title", "split": "train"}', "label"),
        ('{"text": "a", "label": "normal", "kind": "title", "split": "test"}', "no train"),
        ('{"text": "a", "label": "normal", "kind": "title", "split": "train"}', "no examples"),
    ],
)
def test_check_train_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(content + "\n", encoding="utf-8")
    out = tmp_path / "m.json"
    code, _, err = run(capsys, "check", "train", "--corpus", str(corpus), "--out", str(out))
    assert code == 1 and err.startswith("linkgate: error: ") and message in err
    assert not out.exists()
