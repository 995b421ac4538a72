"""The model layer: a linear classifier over :mod:`features`, loaded from portable JSON.

The model file holds the classes, an intercept per class and, per feature,
its inverse document frequency and one weight per class (a multinomial
logistic regression trained by ``linkgate check train``). Scoring is
sublinear term frequency times idf, L2-normalised, dotted with the
weights, then a softmax: plain Python, no scikit-learn at run time.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from linkgate.checks.categories import CATEGORIES
from linkgate.checks.features import features

MODEL_PATH: Final = Path(__file__).resolve().parent.parent / "data" / "checks" / "model.json"
FORMAT: Final = "linkgate-content-model"
VERSION: Final = 1


class ModelFileError(ValueError):
    """A model file is not one this version of linkgate can read."""


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Scores texts per class; ``weights[feature] = (idf, w_class0, w_class1, ...)``."""

    classes: tuple[str, ...]
    intercept: tuple[float, ...]
    weights: Mapping[str, Sequence[float]]
    meta: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> LinearModel:
        """Load a model file (default: the bundled one)."""
        file = Path(path) if path is not None else MODEL_PATH
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelFileError(f"{file}: cannot read the model: {exc}") from None
        return cls.from_dict(data, str(file))

    @classmethod
    def from_dict(cls, data: object, source: str = "<model>") -> LinearModel:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelFileError(f"{source}: not a {FORMAT} file")
        if data.get("version") != VERSION:
            raise ModelFileError(f"{source}: version {data.get('version')!r}, expected {VERSION}")
        classes = data.get("classes")
        intercept = data.get("intercept")
        weights = data.get("features")
        if (
            not isinstance(classes, list)
            or not classes
            or any(c not in CATEGORIES for c in classes)
            or len(set(classes)) != len(classes)
        ):
            raise ModelFileError(f"{source}: classes must be distinct content categories")
        width = len(classes)
        if not isinstance(intercept, list) or len(intercept) != width:
            raise ModelFileError(f"{source}: intercept needs one number per class")
        if not isinstance(weights, dict):
            raise ModelFileError(f"{source}: features must be a mapping")
        for name, row in weights.items():
            if not isinstance(row, list) or len(row) != width + 1:
                raise ModelFileError(f"{source}: feature {name!r} needs idf and {width} weights")
        meta = {k: v for k, v in data.items() if k not in ("classes", "intercept", "features")}
        return cls(
            classes=tuple(classes),
            intercept=tuple(float(x) for x in intercept),
            weights=weights,
            meta=meta,
        )

    def scores(self, text: str) -> dict[str, float]:
        """The probability of each class for ``text`` (they sum to 1)."""
        known: list[tuple[float, Sequence[float]]] = []
        for name, count in features(text).items():
            row = self.weights.get(name)
            if row is not None:
                known.append(((1.0 + math.log(count)) * row[0], row))
        norm = math.sqrt(sum(value * value for value, _ in known)) or 1.0
        logits = list(self.intercept)
        for value, row in known:
            x = value / norm
            for k in range(len(logits)):
                logits[k] += x * row[k + 1]
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}
