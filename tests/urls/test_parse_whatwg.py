"""WHATWG URL conformance of parse_whatwg, on the web-platform-tests corpus.

Every case without a base URL (or with ``about:blank`` as base and an
absolute input) must agree with the standard on failure versus success and,
on success, on every component. Deliberate deviations are listed in
``whatwg_deviations.json`` (input -> reason).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from linkgate.urls.model import ParsedUrl
from linkgate.urls.parse import parse, parse_whatwg

TESTDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata"
DEVIATIONS: dict[str, str] = json.loads(
    (Path(__file__).with_name("whatwg_deviations.json")).read_text(encoding="utf-8")
)
# Cases of the corpus that agree with the standard; the count may only grow.
PASS_FLOOR = 555

_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_COMPONENTS = ("href", "username", "password", "hostname", "port", "pathname", "search", "hash")


def _absolute(raw: str) -> bool:
    text = raw.strip("".join(chr(c) for c in range(0x21)))
    text = text.replace("\t", "").replace("\n", "").replace("\r", "")
    return _ABSOLUTE.match(text) is not None


def _cases() -> list[dict[str, Any]]:
    corpus = json.loads((TESTDATA / "whatwg-urltestdata.json").read_text(encoding="utf-8"))
    return [
        case
        for case in corpus
        if isinstance(case, dict)
        and (
            case.get("base") is None
            or (case.get("base") == "about:blank" and _absolute(case["input"]))
        )
    ]


CASES = _cases()


def _mismatch(case: dict[str, Any]) -> str | None:
    """Why parse_whatwg disagrees with the case, or None when it agrees."""
    result = parse_whatwg(case["input"])
    if case.get("failure"):
        return None if not isinstance(result, ParsedUrl) else f"accepted as {result.href!r}"
    if not isinstance(result, ParsedUrl):
        return f"rejected ({result.code})"
    wrong = [
        f"{name}={getattr(result, name)!r} (expected {case[name]!r})"
        for name in _COMPONENTS
        if getattr(result, name) != case[name]
    ]
    if result.scheme + ":" != case["protocol"]:
        wrong.append(f"scheme={result.scheme!r} (expected {case['protocol']!r})")
    return "; ".join(wrong) or None


def test_corpus_is_there() -> None:
    assert len(CASES) >= PASS_FLOOR
    assert sum(1 for case in CASES if case.get("failure")) > 100


@pytest.mark.parametrize("case", CASES, ids=[repr(case["input"])[:60] for case in CASES])
def test_case(case: dict[str, Any]) -> None:
    if case["input"] in DEVIATIONS:
        pytest.skip(f"deliberate deviation: {DEVIATIONS[case['input']]}")
    mismatch = _mismatch(case)
    assert mismatch is None, mismatch


def test_pass_count_stays_above_floor() -> None:
    passed = sum(1 for case in CASES if _mismatch(case) is None)
    assert passed >= PASS_FLOOR


def test_deviations_name_corpus_inputs() -> None:
    inputs = {case["input"] for case in CASES}
    assert set(DEVIATIONS) <= inputs


def test_lenient_parse_agrees_on_links_with_a_scheme() -> None:
    """The chat parse only adds a scheme; where the input had one it is the WHATWG parse."""
    checked = 0
    for case in CASES:
        if case.get("failure"):
            continue
        result = parse(case["input"])
        if isinstance(result, ParsedUrl) and not result.scheme_added:
            checked += 1
            assert result.href == case["href"], case["input"]
    assert checked > 250
