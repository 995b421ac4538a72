"""Build the model file from the corpus's train split, the same on every run.

Needs scikit-learn (a build and test dependency, not a run-time one). The
vocabulary is every feature seen in at least :data:`MIN_DF` training texts;
texts are weighted as at scoring time (:mod:`linkgate.checks.model`). The
regularisation strength is chosen by stratified 5-fold cross-validation on
the train split alone (fixed seed, macro-F1), then the model is fitted on the
whole train split with one BLAS thread. Weights are rounded to :data:`DIGITS` decimals and
written with sorted keys, so the file depends only on the corpus and the
pinned toolchain (up to the last digit of a rare weight, where the solver's
last bit, which can vary between processes, straddles a rounding boundary).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Any, Final

from linkgate.checks.categories import CATEGORIES
from linkgate.checks.corpus import Example
from linkgate.checks.features import features
from linkgate.checks.model import FORMAT, VERSION

MIN_DF: Final = 2
DIGITS: Final = 4
C_GRID: Final = (1.0, 3.0, 10.0, 30.0)
FOLDS: Final = 5
SEED: Final = 20210917

Progress = Callable[[str], None]


def _vectorise(
    counts: Sequence[Counter[str]], vocabulary: dict[str, int], idf: Sequence[float]
) -> Any:
    from scipy.sparse import csr_matrix

    data: list[float] = []
    indices: list[int] = []
    indptr = [0]
    for row in counts:
        cells = sorted(
            (vocabulary[name], (1.0 + math.log(n)) * idf[vocabulary[name]])
            for name, n in row.items()
            if name in vocabulary
        )
        norm = math.sqrt(sum(v * v for _, v in cells)) or 1.0
        for index, value in cells:
            indices.append(index)
            data.append(value / norm)
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(counts), len(vocabulary)))


def _fit(x: Any, y: Sequence[int], c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(
        C=c, class_weight="balanced", max_iter=1000, tol=1e-8, solver="newton-cg"
    )
    model.fit(x, y)
    return model


def _vocabulary(counts: Sequence[Counter[str]]) -> tuple[dict[str, int], list[float]]:
    df: Counter[str] = Counter()
    for row in counts:
        df.update(row.keys())
    names = sorted(name for name, n in df.items() if n >= MIN_DF)
    total = len(counts)
    idf = [math.log((1 + total) / (1 + df[name])) + 1.0 for name in names]
    return {name: i for i, name in enumerate(names)}, idf


def _macro_f1(truth: Sequence[int], predicted: Sequence[int], classes: int) -> float:
    scores = []
    for k in range(classes):
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == k and p == k)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if t != k and p == k)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == k and p != k)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / classes


def choose_c(
    counts: Sequence[Counter[str]], y: Sequence[int], progress: Progress
) -> dict[str, Any]:
    """Cross-validated macro-F1 per C on the train split; the best C (ties: the smaller)."""
    from sklearn.model_selection import StratifiedKFold

    folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(counts, y))
    results: dict[str, float] = {}
    for c in C_GRID:
        truth: list[int] = []
        predicted: list[int] = []
        for i, (train_idx, test_idx) in enumerate(folds, start=1):
            progress(f"cross-validation C={c:g} fold {i}/{FOLDS}")
            part = [counts[j] for j in train_idx]
            vocabulary, idf = _vocabulary(part)
            model = _fit(_vectorise(part, vocabulary, idf), [y[j] for j in train_idx], c)
            guess = model.predict(_vectorise([counts[j] for j in test_idx], vocabulary, idf))
            truth.extend(y[j] for j in test_idx)
            predicted.extend(int(g) for g in guess)
        results[f"{c:g}"] = round(_macro_f1(truth, predicted, len(CATEGORIES)), 4)
    best = max(C_GRID, key=lambda c: (results[f"{c:g}"], -c))
    return {"C": best, "cv_macro_f1": results}


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def train(examples: Sequence[Example], progress: Progress | None = None) -> dict[str, Any]:
    """The model document trained on the ``train`` examples (the others are not read)."""
    report = progress or (lambda _message: None)
    rows = sorted((e for e in examples if e.split == "train"), key=lambda e: e.text)
    if not rows:
        raise ValueError("the corpus has no train examples")
    missing = [c for c in CATEGORIES if not any(e.label == c for e in rows)]
    if missing:
        raise ValueError(f"the train split has no examples of {', '.join(missing)}")
    # The numerical libraries are loaded first: threadpoolctl limits only the thread
    # pools of libraries already loaded (without this, a process that had not loaded them
    # before fitted with every core, and a rebuild differed in the last stored digit).
    from scipy import sparse  # noqa: F401
    from sklearn import linear_model, model_selection  # noqa: F401
    from threadpoolctl import threadpool_limits

    # One BLAS thread: sums in a fixed order, the same bits on every run.
    with threadpool_limits(1):
        return _train(rows, report)


def _train(rows: Sequence[Example], report: Progress) -> dict[str, Any]:
    report("extracting features")
    counts = [features(e.text) for e in rows]
    y = [CATEGORIES.index(e.label) for e in rows]
    chosen = choose_c(counts, y, report)
    report(f"fitting C={chosen['C']:g} on {len(rows)} texts")
    vocabulary, idf = _vocabulary(counts)
    model = _fit(_vectorise(counts, vocabulary, idf), y, chosen["C"])
    order = [int(k) for k in model.classes_]
    assert order == list(range(len(CATEGORIES)))
    coef = model.coef_
    table: dict[str, list[float]] = {}
    for name, index in vocabulary.items():
        table[name] = [round(idf[index], DIGITS)] + [
            round(float(coef[k][index]), DIGITS) for k in range(len(CATEGORIES))
        ]
    digest = hashlib.sha256(
        "\n".join(f"{e.label}\t{e.kind}\t{e.text}" for e in rows).encode("utf-8")
    ).hexdigest()
    return {
        "format": FORMAT,
        "version": VERSION,
        "classes": list(CATEGORIES),
        "intercept": [round(float(b), DIGITS) for b in model.intercept_],
        "features": table,
        "training": {
            "train_texts": len(rows),
            "train_sha256": digest,
            "min_df": MIN_DF,
            "C": chosen["C"],
            "cv_macro_f1": chosen["cv_macro_f1"],
            "class_weight": "balanced",
            "toolchain": {"scikit-learn": _version("scikit-learn"), "jieba": _version("jieba")},
        },
    }


def dumps(document: dict[str, Any]) -> str:
    """The model document as the bytes the model file holds (sorted keys, one line per key)."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
