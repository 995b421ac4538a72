"""The compiled glue around ada cuts every link exactly as the Python reference does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus import generate
from linkgate.urls import parse as parsing
from linkgate.urls.model import InvalidUrl, ParsedUrl
from tests.services import compiled_or_skip

TESTDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata"


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    compiled_or_skip(parsing.COMPILED, "linkgate.urls._split")


def same(raw: str, text: str, scheme_added: bool) -> ParsedUrl | InvalidUrl:
    fast = parsing._parse(raw, text, scheme_added)
    reference = parsing._parse_py(raw, text, scheme_added)
    assert type(fast) is type(reference)
    assert fast == reference, raw
    return fast


def test_parse_uses_the_compiled_glue() -> None:
    assert parsing._split is not None
    assert parsing._parse is not parsing._parse_py


def test_whatwg_corpus_inputs_cut_the_same() -> None:
    corpus = json.loads((TESTDATA / "whatwg-urltestdata.json").read_text(encoding="utf-8"))
    inputs = [case["input"] for case in corpus if isinstance(case, dict)]
    kinds = set()
    for raw in inputs:
        for text, added in ((raw, False), ("http://" + raw, True)):
            found = same(raw, text, added)
            kinds.add(found.host_type if isinstance(found, ParsedUrl) else found.code)
    # Every kind of host and the parser's refusal occur, so each branch was compared.
    assert {"none", "ipv6", "opaque", "ipv4", "domain", "unparseable"} <= kinds


def test_benchmark_corpus_cuts_the_same() -> None:
    for raw in generate(20_000):
        same(raw, raw, False)


def test_text_that_is_not_utf8_is_refused_alike() -> None:
    found = same("http://a\ud800b.com/", "http://a\ud800b.com/", False)
    assert isinstance(found, InvalidUrl) and found.code == "encoding"


def test_every_component_at_its_edge() -> None:
    # userinfo with and without a password, an empty port, a bare '?' and '#', an IPv4 host
    # written in hex, a non-special scheme with and without an authority.
    for raw in (
        "https://user:pw@Host.Example:8080/p/a?q=1#frag",
        "https://user@host.example/",
        "https://:pw@host.example/",
        "http://host.example:/x",
        "http://host.example/?#",
        "http://0x7f.1/",
        "http://[::ffff:127.0.0.1]:81/",
        "foo://opaque.host/x?y#z",
        "mailto:someone@example.com",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://xn--fsqu00a.xn--0zwm56d/",
        "http://例子.测试/路径?查询=值#片段",
        "https://a.b/\u00e9\u4e2d\U0001f600",
    ):
        same(raw, raw, False)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_any_text_cuts_the_same(text: str) -> None:
    same(text, text, False)
    same(text, "http://" + text, True)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["http", "https", "ws", "ftp", "file", "foo", "blob"]),
    st.text(alphabet=st.sampled_from(list("ab.1:@[]/\\?#%é中 \t")), max_size=40),
)
def test_url_shaped_text_cuts_the_same(scheme: str, rest: str) -> None:
    raw = f"{scheme}://{rest}"
    same(raw, raw, False)
