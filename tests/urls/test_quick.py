"""The common chat link in one compiled call answers exactly as the general way does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus import generate
from linkgate import facts
from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import Registry
from linkgate.facts import Inspector
from linkgate.urls import quick
from linkgate.urls.canonical import canonicalize, quick_canonical
from linkgate.urls.deception import CLEAN_HOST, DeceptionDetector, plain_link
from linkgate.urls.model import ParsedUrl
from linkgate.urls.parse import MAX_INPUT_LENGTH, parse

TESTDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata"


def whatwg_inputs() -> list[str]:
    corpus = json.loads((TESTDATA / "whatwg-urltestdata.json").read_text(encoding="utf-8"))
    return [case["input"] for case in corpus if isinstance(case, dict)]


EDGES = (
    "https://item.taobao.com/item.htm?id=1",
    "m.tb.cn/h.abc",
    "www.zhihu.com/search?q=%E8%80%83",
    "taobao.com:8080/x",
    "taobao.com:pw@evil.top/",
    "localhost:3000",
    "1.2.3.4:80/x",
    "1.2.3.4/x",
    "HTTP://Taobao.COM/",
    "https://A.M.TAOBAO.COM/x?sku=1:2",
    "http://a.com/x?",
    "http://a.com/x?#f",
    "http://a.com/x#",
    "http://a.com/a/./b",
    "http://a.com//b",
    "http://.a.com/",
    "http://a.com./",
    "http://a..com/",
    "http://a.com/%41",
    "http://a.com/?q=%41",
    "http://a.com/x\\y",
    "http://a.com/?u=aHR0cHM6Ly9ldmlsLnRvcA",
    "http://a.com/?next=//evil.top",
    "http://a.com/?sku=1627207:41039807",
    "http://a.com/?x=javascript:alert(1)",
    "http://a.com/?x=JavaScript:1",
    "http://a.com/?x=DATA:text/html,1",
    "http://a.com/?x=vbscripT:1",
    "http://a.com/a:/b",
    "http://a.com/p:#ta:",
    "http://a.com/#x=data:",
    "http://user@a.com/",
    "http://:pw@a.com/",
    "https://taobao.com@evil.top/",
    "http://0x7f.1/",
    "http://[::1]/",
    "http://a.com/" + "x" * 2100,
    "http://a.com/\t",
    "http://a.\tcom/",
    "a.com/\tb",
    "http://a.com/ b",
    "http://a.com ",
    "http://a",
    "http://",
    "https://",
    "http://a b/",
    "mailto:x@y.cn",
    "javascript:alert(1)",
    "tel:10086",
    "a+b.c-d.com/x",
    "/path",
    "?q",
    "//host/x",
    "http://例子.测试/",
    "https://xn--fsqu00a.xn--0zwm56d/",
)


@pytest.fixture(scope="module")
def inspectors() -> tuple[Inspector, Inspector]:
    registry, psl = Registry.default(), PublicSuffix.load()
    return Inspector(registry, psl), Inspector(registry, psl)


def check(raw: str) -> None:
    """The compiled call answers as its reference; what it answers is what the general way finds."""
    found = quick.quick_link(raw)
    reference = quick.quick_link_py(raw)
    if quick.COMPILED:
        assert found == reference, raw
        if found is not None:
            assert type(found[0]) is ParsedUrl
    else:
        assert found is None
    if reference is None:
        return
    parsed, canonical, plain = reference
    assert parsed == parse(raw)
    if canonical is not None:
        assert canonical == canonicalize(parsed)
    if plain:
        detector = DeceptionDetector(())
        assert detector.link_signals(parsed, CLEAN_HOST) == ()


def general(inspector: Inspector, raw: str) -> object:
    """What ``inspector`` finds for ``raw`` with the quick way switched off."""
    # linkgate.facts imported the name: it is switched where it is used.
    saved = vars(facts)["quick_link"]
    setattr(facts, "quick_link", quick._no_link)  # noqa: B010
    try:
        return inspector._inspect(raw)
    finally:
        setattr(facts, "quick_link", saved)  # noqa: B010


def test_edges() -> None:
    for raw in EDGES:
        check(raw)


def test_the_quick_way_takes_the_common_links() -> None:
    if not quick.COMPILED:
        pytest.skip("linkgate.urls._split not built")
    assert quick.quick_link("https://item.taobao.com/item.htm?id=1") is not None
    assert quick.quick_link("m.tb.cn/h.abc") is not None
    parsed, canonical, plain = quick.quick_link("m.tb.cn/h.abc") or (None, None, None)
    assert parsed is not None and parsed.scheme_added and canonical == "http://m.tb.cn/h.abc"
    assert plain is True
    # What it leaves to the general way.
    left = ("HTTP://a.com/", " http://a.com/", "http://例子.测试/", "localhost:3000", "a.com/\tb")
    for raw in left:
        assert quick.quick_link(raw) is None, raw
    # The answers that send part of the work back.
    assert quick.quick_link("http://a.com/%41") == (parse("http://a.com/%41"), None, False)
    assert quick.quick_link("https://taobao.com@evil.top/")[2] is False  # type: ignore[index]


def test_whatwg_inputs() -> None:
    for raw in whatwg_inputs():
        check(raw)
        check("http://" + raw)


def test_benchmark_corpus(inspectors: tuple[Inspector, Inspector]) -> None:
    quick_way, general_way = inspectors
    for raw in generate(20_000):
        check(raw)
        assert quick_way._inspect(raw) == general(general_way, raw), raw


def test_longest_input_and_limits() -> None:
    check("http://a.com/" + "x" * (MAX_INPUT_LENGTH - 13))
    check("http://a.com/" + "x" * (MAX_INPUT_LENGTH - 12))


def test_refusals() -> None:
    if not quick.COMPILED:
        pytest.skip("linkgate.urls._split not built")
    from linkgate.urls import _split

    with pytest.raises(TypeError):
        _split.link(b"http://a.com/")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        _split.bind_link(42, 1, 1)
    with pytest.raises(ValueError):
        _split.bind_link(len, 0, 1)


def test_reference_pieces_agree_with_the_whole() -> None:
    # quick_canonical is the first branch of the canonical form; plain_link implies no
    # link-level signal, whoever computes it.
    for raw in EDGES:
        parsed = parse(raw)
        if isinstance(parsed, ParsedUrl):
            fast = quick_canonical(parsed)
            assert fast is None or fast == canonicalize(parsed)
            if plain_link(parsed):
                assert DeceptionDetector(()).link_signals(parsed, CLEAN_HOST) == ()


link_text = st.lists(
    st.sampled_from(
        [*"abcdxyzABZ019.-+:/?#%@\\[]\t !=&_~", "aHR0c", "//", "..", "pt:", "TA:", "data:"]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["", "http://", "https://", "a.", "HTTP://"]), link_text)
def test_any_text(prefix: str, rest: str) -> None:
    check(prefix + rest)


@settings(max_examples=200, deadline=None)
@given(link_text)
def test_inspector_answers_alike(rest: str) -> None:
    registry, psl = Registry.default(), PublicSuffix.load()
    raw = "http://" + rest
    assert Inspector(registry, psl)._inspect(raw) == general(Inspector(registry, psl), raw)
