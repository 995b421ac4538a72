"""``linkgate check``: classify preview texts, and build the content model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from linkgate.checks.classifier import ContentClassifier, default_classifier
from linkgate.checks.corpus import CORPUS_PATH, CorpusError, read_corpus
from linkgate.checks.model import MODEL_PATH, ModelFileError
from linkgate.cli.common import INPUT_OPTION, OUTPUT_OPTION, fail, inputs, write_jsonl
from linkgate.datafile import DataFileError

app = typer.Typer(help="Classify link-preview texts (induced sharing, fake red envelopes, …).")


def _rows(texts: Iterator[str], classifier: ContentClassifier) -> Iterator[dict[str, Any]]:
    for text in texts:
        verdict = classifier.classify(text)
        row: dict[str, Any] = {"text": text}
        row.update(verdict.to_dict())
        yield row


def _classifier(rules: Path | None, model: Path | None) -> ContentClassifier:
    if rules is None and model is None:
        return default_classifier()
    try:
        return ContentClassifier.load(rules=rules, model=model)
    except DataFileError as exc:
        more = len(exc.problems) - 1
        fail(f"{exc.problems[0]}" + (f" (and {more} more)" if more else ""), code=1)
    except ModelFileError as exc:
        fail(str(exc), code=1)


@app.command("text")
def text_cmd(
    texts: list[str] | None = typer.Argument(None, help="Texts to classify."),
    input_file: Path | None = INPUT_OPTION,
    output: Path | None = OUTPUT_OPTION,
    rules: Path | None = typer.Option(None, "--rules", help="Rules YAML (default: bundled)."),
    model: Path | None = typer.Option(None, "--model", help="Model JSON (default: bundled)."),
) -> None:
    """Print one JSON object per text, in input order.

    Fields: ``text``, ``category``, ``score``, ``scores`` (every category),
    ``rules`` (each match: ``rule``, ``category``, ``kind``, ``weight``,
    ``start``/``end`` character offsets, ``text``, and ``suppressed_by`` when an
    ``unless`` phrase cancelled it), ``model`` (the model's probabilities) and
    ``guarded``.
    """
    source = inputs(texts, input_file, "texts")
    write_jsonl(_rows(source, _classifier(rules, model)), output)


@app.command("train")
def train_cmd(
    corpus: Path = typer.Option(CORPUS_PATH, "--corpus", help="Labelled corpus (JSON Lines)."),
    out: Path = typer.Option(MODEL_PATH, "--out", help="Where to write the model JSON."),
) -> None:
    """Train the content model on the corpus's train split and write it as JSON.

    The same corpus gives the same model on every run (fixed seeds, one BLAS
    thread, weights rounded to 4 decimals, sorted keys). Needs scikit-learn.
    """
    try:
        from linkgate.checks.training import dumps, train
    except ImportError as exc:  # pragma: no cover - depends on the environment
        fail(f"training needs scikit-learn ({exc.name} is missing): pip install 'linkgate[test]'")
    try:
        examples = read_corpus(corpus)
    except CorpusError as exc:
        fail(str(exc), code=1)
    err = Console(stderr=True)
    with err.status("training") as status:
        try:
            document = train(examples, progress=lambda message: status.update(message))
        except ValueError as exc:
            fail(str(exc), code=1)
    try:
        out.write_text(dumps(document), encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    info = document["training"]
    err.print(
        f"wrote {out}: {len(document['features'])} features from {info['train_texts']} "
        f"train texts, C={info['C']:g} (cross-validated macro-F1 {info['cv_macro_f1']})"
    )
