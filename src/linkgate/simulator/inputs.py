"""Inputs to a simulation besides the traffic: credit scores per platform.

A credit file is a YAML (or JSON) mapping from registered platform id to
its credit score, the number the policy's ``credit.bands`` read::

    alibaba: 72
    jd: 95
    pinduoduo: 58.5

The credit system provides the same mapping (``Mapping[str, float]``) from
its store; the simulator and the parity report take either. Every mistake
is reported at once with its ``file:line:column``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from linkgate import datafile
from linkgate.domains.registry import Registry

MAX_SCORE: Final = 1000.0


def load_credit(path: Path, registry: Registry) -> dict[str, float]:
    """Scores by platform id; raises :class:`~linkgate.datafile.DataFileError`."""
    doc = datafile.load(path)
    known = [p.id for p in registry.platforms]
    scores: dict[str, float] = {}
    root = doc.root()
    if root.value is None:
        root.problem("is empty", "a mapping of platform id to credit score")
    else:
        fields = root.mapping(any_keys=True)
        for platform, node in (fields or {}).items():
            if platform not in known:
                node.problem(
                    f"unknown platform {platform!r}",
                    "a platform id of the registry: " + ", ".join(sorted(known)),
                    at_key=True,
                )
                continue
            score = node.number(minimum=0, maximum=MAX_SCORE)
            if score is not None:
                scores[platform] = score
    doc.problems.raise_if_any()
    return scores
