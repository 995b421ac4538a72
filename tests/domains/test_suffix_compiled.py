"""The compiled public-suffix match finds what the publicsuffixlist package finds."""

from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus import generate
from linkgate.domains import psl as psl_module
from linkgate.domains.psl import PublicSuffix
from linkgate.urls.model import ParsedUrl
from linkgate.urls.parse import parse
from tests.services import compiled_or_skip

TESTDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata"


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    compiled_or_skip(psl_module.COMPILED, "linkgate.domains._suffix")


@pytest.fixture(scope="module")
def suffixes() -> PublicSuffix:
    found = PublicSuffix.bundled()
    assert found.compiled
    return found


def same(suffixes: PublicSuffix, host: str) -> str | None:
    found = suffixes._private_suffix(host)
    assert found == suffixes._psl.privatesuffix(host), host
    return found


def test_every_rule_and_what_lies_under_it(suffixes: PublicSuffix) -> None:
    rules = suffixes._psl._publicsuffix
    kinds = {"none": 0, "itself": 0, "shorter": 0}
    for rule in rules:
        name = rule.lstrip("!").replace("*", "x")
        for host in (name, "a." + name, "b.a." + name, "c.b.a." + name, name + "."):
            found = same(suffixes, host)
            if found is None:
                kinds["none"] += 1
            elif found == host.rstrip("."):
                kinds["itself"] += 1
            else:
                kinds["shorter"] += 1
        same(suffixes, "A." + name.upper())
    # Exceptions, wildcards and plain rules each gave every kind of answer.
    assert all(count > 100 for count in kinds.values()), kinds


def test_the_list_test_cases(suffixes: PublicSuffix) -> None:
    cases = json.loads((TESTDATA / "psl-tests.json").read_text(encoding="utf-8"))
    checked = 0
    for case in cases:
        host = case[0] if isinstance(case, list) else case.get("input")
        if isinstance(host, str):
            same(suffixes, host.lower())
            checked += 1
    assert checked > 50


def test_benchmark_hosts(suffixes: PublicSuffix) -> None:
    for raw in generate(20_000):
        parsed = parse(raw)
        if isinstance(parsed, ParsedUrl) and parsed.host_type == "domain":
            same(suffixes, parsed.hostname)


def test_odd_hosts(suffixes: PublicSuffix) -> None:
    for host in (
        "",
        ".",
        "..",
        "com",
        "com.",
        "a..com",
        ".a.com",
        "a.com..",
        "x" * 300 + ".com",
        ".".join("a" * 130),
        "例子.测试",
        "xn--fsqu00a.xn--0zwm56d",
        "Example.COM",
        "a.b.kawasaki.jp",
        "city.kawasaki.jp",
        "www.ck",
        "a.www.ck",
        "foo.bar.unknowntld",
    ):
        same(suffixes, host)


labels = st.sampled_from(
    [
        "a",
        "www",
        "com",
        "jp",
        "kawasaki",
        "city",
        "ck",
        "uk",
        "co",
        "github",
        "io",
        "s3",
        "amazonaws",
        "compute",
        "x",
        "",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(labels, min_size=1, max_size=8))
def test_any_host(suffixes: PublicSuffix, parts: list[str]) -> None:
    same(suffixes, ".".join(parts))


def test_refusals_and_release() -> None:
    from linkgate.domains._suffix import Matcher

    rules = frozenset({"com"})
    with pytest.raises(TypeError):
        Matcher({"com"}, rules, rules, 1, len)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Matcher(rules, rules, rules, -1, len)
    with pytest.raises(ValueError):
        Matcher(rules, rules, rules, 1, 42)  # type: ignore[arg-type]
    matcher = Matcher(rules, frozenset(), frozenset(), 1, lambda host: "fallback")
    with pytest.raises(TypeError):
        matcher(b"a.com")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        matcher()  # type: ignore[call-arg]
    assert matcher("a.b.com") == "b.com"
    assert matcher("A.com") == "fallback"
    # The matcher takes part in the collector's passes: a cycle through it is freed.

    class Holder:
        def fallback(self, host: str) -> str:
            return host

    holder = Holder()
    # holder -> its matcher -> the bound method -> holder
    holder.matcher = Matcher(rules, frozenset(), frozenset(), 1, holder.fallback)  # type: ignore[attr-defined]
    gone = weakref.ref(holder)
    del holder
    gc.collect()
    assert gone() is None
