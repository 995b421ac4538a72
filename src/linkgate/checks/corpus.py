"""The labelled corpus: short Chinese texts with a category, a kind and a fixed split.

One JSON object per line: ``text``, ``label`` (a content category), ``kind``
(``title``, ``description`` or ``share_text``) and ``split`` (``train`` or
``test``). A text's split follows from the text alone (:func:`split_for`), so
adding texts never moves an existing one between train and test. The guide
to labelling is docs/content-labelling.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from linkgate.checks.categories import CATEGORIES

CORPUS_PATH: Final = Path(__file__).resolve().parent.parent / "data" / "checks" / "corpus.jsonl"
KINDS: Final = ("title", "description", "share_text")
SPLITS: Final = ("train", "test")
#: Percent of texts held out for testing.
TEST_PERCENT: Final = 22


class CorpusError(ValueError):
    """A corpus file has bad lines; ``problems`` lists every one as ``file:line: message``."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    kind: str
    split: str

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "label": self.label, "kind": self.kind, "split": self.split}


def split_for(text: str) -> str:
    """``test`` for the texts whose SHA-256 falls in the held-out :data:`TEST_PERCENT`."""
    bucket = int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "test" if bucket < TEST_PERCENT else "train"


def parse_corpus(lines: Iterable[str], source: str = "<corpus>") -> list[Example]:
    """Read JSON Lines of examples; raises :class:`CorpusError` naming every bad line."""
    out: list[Example] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc.msg})")
            continue
        if not isinstance(item, dict):
            problems.append(f"{where}: expected a JSON object")
            continue
        extra = set(item) - {"text", "label", "kind", "split"}
        text, label = item.get("text"), item.get("label")
        kind, split = item.get("kind"), item.get("split")
        bad = [f"unknown key {k!r}" for k in sorted(extra)]
        if not isinstance(text, str) or not text.strip():
            bad.append("text: required, a non-empty string")
        if label not in CATEGORIES:
            bad.append(f"label: {label!r} is not one of {', '.join(CATEGORIES)}")
        if kind not in KINDS:
            bad.append(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
        if split not in SPLITS:
            bad.append(f"split: {split!r} is not train or test")
        if bad:
            problems.extend(f"{where}: {b}" for b in bad)
            continue
        assert isinstance(text, str)
        if text in seen:
            problems.append(f"{where}: duplicate of line {seen[text]}")
            continue
        seen[text] = number
        out.append(Example(text, str(label), str(kind), str(split)))
    if problems:
        raise CorpusError(problems)
    return out


def read_corpus(path: str | Path | None = None) -> list[Example]:
    """The examples of a corpus file (default: the bundled corpus)."""
    file = Path(path) if path is not None else CORPUS_PATH
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError([f"{file}: cannot read: {exc}"]) from None
    return parse_corpus(text.splitlines(), str(file))
