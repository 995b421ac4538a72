"""Benchmark: the content classifier's quality on the held-out split, and its speed.

Run ``python -m bench.content`` (``--n N``, ``--quick``, ``--repeat R``, ``--json FILE``).

Quality: precision, recall and F1 per category, with macro averages and accuracy, on the
corpus's ``test`` split (texts the model never saw in training), for three ways to decide:

``rules``
    the rules layer alone: the best counting rule match decides, weights below 0.5 do not
    decide on their own (every text starts as ``normal``);
``model``
    the model alone: its most probable category;
``combined``
    ``ContentClassifier.classify``, as decisions use it.

``majority`` (everything ``normal``) is printed beside them as the trivial baseline.

Speed: ``n`` texts (the corpus's texts, all splits, repeated in order up to ``n``) timed
``--repeat`` times each, round-robin, the fastest pass counting, on one core:

``jieba words``
    jieba's tokenisation of each folded text (the baseline: work the model cannot avoid);
``rules``
    ``RuleSet.match`` (Aho-Corasick automaton plus patterns);
``model``
    ``LinearModel.scores`` (features, weights, softmax);
``classify``
    ``ContentClassifier.classify``: both layers and their combination.

Ratios are per-text time over the ``jieba words`` baseline from the same run. jieba's
dictionary is loaded before anything is timed.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from rich.table import Table

from bench.harness import Runner, Subject, console, environment, fmt, write_json
from linkgate.checks.categories import CATEGORIES
from linkgate.checks.classifier import ContentClassifier
from linkgate.checks.corpus import read_corpus
from linkgate.checks.evaluation import METHODS, Report, evaluate, report
from linkgate.checks.features import tokenizer, words
from linkgate.checks.layers import ModelCheck, RulesCheck
from linkgate.checks.text import prepare

DEFAULT_N = 20_000
QUICK_N = 2_000
DEFAULT_REPEAT = 3
BASELINE = "jieba words"


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    p = argparse.ArgumentParser(
        prog="python -m bench.content",
        description="Content classifier: P/R/F1 on the held-out split, and texts per second.",
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--n", type=int, default=None, help=f"texts timed (default {DEFAULT_N:,})")
    size.add_argument("--quick", action="store_true", help=f"a short run: --n {QUICK_N:,}")
    p.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        help=f"timed passes per subject, the fastest counts (default {DEFAULT_REPEAT})",
    )
    p.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = p.parse_args(argv)
    return p, args


def quality(classifier: ContentClassifier) -> dict[str, Any]:
    test = [e for e in read_corpus() if e.split == "test"]
    reports: dict[str, Report] = evaluate(classifier, test)
    truth = [e.label for e in test]
    reports["majority"] = report(truth, ["normal"] * len(truth))
    return {
        "test_texts": len(test),
        "methods": {name: r.to_dict() for name, r in reports.items()},
    }


def speed(runner: Runner, classifier: ContentClassifier, n: int) -> dict[str, Any]:
    corpus = [e.text for e in read_corpus()]
    texts = [corpus[i % len(corpus)] for i in range(n)]
    rules = next(c for c in classifier.checks if isinstance(c, RulesCheck)).rules
    model = next(c for c in classifier.checks if isinstance(c, ModelCheck)).model
    folded = [prepare(t).folded for t in texts]

    def over(items: Sequence[str], fn: Any) -> Any:
        def kernel(part: Sequence[str]) -> None:
            for item in part:
                fn(item)

        return lambda: kernel

    subjects: list[Subject[str]] = [
        Subject(BASELINE, folded, over(folded, words)),
        Subject("rules", texts, over(texts, rules.match)),
        Subject("model", texts, over(texts, model.scores)),
        Subject("classify", texts, over(texts, classifier.classify)),
    ]
    measured = runner.compare("content", subjects)
    base = measured[BASELINE].us_per_item
    out: dict[str, Any] = {}
    for name, m in measured.items():
        figures = m.to_dict("text")
        figures["ratio_to_baseline"] = round(m.us_per_item / base, 3) if base else None
        out[name] = figures
    return {"texts": n, "baseline": BASELINE, "subjects": out}


def quality_table(method: str, figures: dict[str, Any]) -> Table:
    table = Table(title=f"{method}: accuracy {figures['accuracy']:.3f}")
    for column in ("category", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "category" else "right")
    rows = [*((c, figures["per_category"][c]) for c in CATEGORIES), ("macro", figures["macro"])]
    for name, s in rows:
        table.add_row(
            name, fmt(s["precision"], 3), fmt(s["recall"], 3), fmt(s["f1"], 3), str(s["support"])
        )
    return table


def speed_table(figures: dict[str, Any]) -> Table:
    table = Table(title=f"speed, {figures['texts']:,} texts, one core")
    for column in ("subject", "texts/s", "µs/text", f"× {BASELINE}"):
        table.add_column(column, justify="left" if column == "subject" else "right")
    for name, s in figures["subjects"].items():
        table.add_row(
            name, fmt(s["texts_per_s"], 0), fmt(s["us_per_text"], 1), fmt(s["ratio_to_baseline"])
        )
    return table


def main(argv: Sequence[str] | None = None) -> int:
    p, args = parse_args(argv)
    n: int = QUICK_N if args.quick else (args.n if args.n is not None else DEFAULT_N)
    if n <= 0:
        p.error("--n must be positive")
    if args.repeat <= 0:
        p.error("--repeat must be positive")
    out = console()
    out.print(f"[bold]bench.content[/bold]: {n:,} texts timed, {args.repeat} pass(es) each")
    classifier = ContentClassifier.load()
    tokenizer()
    figures = quality(classifier)
    for method in (*METHODS, "majority"):
        out.print(quality_table(method, figures["methods"][method]))
    runner = Runner(out, repeat=args.repeat)
    with runner.session():
        timing = speed(runner, classifier, n)
    out.print(speed_table(timing))
    out.print(
        "speeds are CPU time on one core of a shared machine; compare the ratios, "
        "not the absolute figures"
    )
    result: dict[str, Any] = {
        "benchmark": "content",
        "n": n,
        "repeat": args.repeat,
        "environment": environment(),
        "quality": figures,
        "speed": timing,
    }
    if args.json:
        write_json(args.json, result)
        out.print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
