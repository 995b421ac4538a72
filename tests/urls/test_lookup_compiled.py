"""The compiled lookup expressions and full hashes equal the Python reference's."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus import generate
from linkgate.facts import Inspector
from linkgate.urls import canonical
from tests.services import compiled_or_skip


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    compiled_or_skip(
        canonical.COMPILED_LOOKUP, "linkgate.urls._lookup", "C compiler or OpenSSL headers"
    )


def same(text: str) -> list[str]:
    from linkgate.urls import _lookup

    fast = _lookup.expressions(text)
    reference = canonical.expressions_py(text)
    assert fast == reference, text
    assert canonical.expressions(text) == reference
    digests = tuple(hashlib.sha256(e.encode()).digest() for e in reference)
    assert _lookup.digests(text) == digests, text
    assert canonical.expression_digests(text) == digests
    return reference


def test_benchmark_corpus_makes_the_same_expressions() -> None:
    inspector = Inspector.default()
    counts = set()
    for raw in generate(20_000):
        found = inspector.inspect(raw).canonical
        if found is not None:
            counts.add(len(same(found)))
        if raw.isascii():
            same(raw)
    # Links of one to four lookup hosts and one to six lookup paths occur (five hosts and six
    # paths: the next test).
    assert {1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 18, 20} <= counts


def test_every_shape_of_host_and_path() -> None:
    assert len(same("http://a.b.c.d.e.f.g.h/1/2/3/4/5.html?q=1")) == 30
    for text in (
        "http://a.b/",
        "http://a.b.c.d.e.f.g.h/1/2/3/4/5.html?q=1",
        "http://a.b.c.d.e.f/1/2/3/4/5.html?q=1",
        "http://1.2.3.4/x/",
        "http://1.2.3.4.5/x",
        "http://.../",
        "http://..../",
        "http://[::1]/a/b",
        "http://a..b.c/",
        "http://a.b.c./p",
        "http://a.b.c?q",
        "http://a.b.c?",
        "http://a.b.c/?",
        "http://a.b.c//x//y/",
        "http:///x",
        "https://",
        "no scheme here",
        "",
        "x://a.b.c/p?q?r",
    ):
        same(text)


def test_text_that_is_not_ascii_is_left_to_python() -> None:
    from linkgate.urls import _lookup

    text = "http://例子.测试.cn/路径/x"
    assert _lookup.expressions(text) is None
    assert _lookup.digests(text) is None
    assert canonical.expressions(text) == canonical.expressions_py(text) != []
    assert canonical.expression_digests(text) == tuple(
        canonical.full_hashes_py(canonical.expressions_py(text))
    )


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1.:/?#[]%")), max_size=40))
def test_url_shaped_text_makes_the_same_expressions(rest: str) -> None:
    same("http://" + rest)
    same(rest)


def test_full_hashes_are_hashlib_sha256() -> None:
    exprs = [*same("http://a.b.c.d/1/2/3.html?q=1"), "\udcff.example/", "", "例子.测试/"]
    expected = [hashlib.sha256(e.encode("utf-8", "surrogatepass")).digest() for e in exprs]
    assert canonical.full_hashes(exprs) == canonical.full_hashes_py(exprs) == expected
    assert canonical.full_hashes(tuple(exprs)) == expected


def test_full_hashes_refuse_what_is_not_text() -> None:
    from linkgate.urls import _lookup

    with pytest.raises(TypeError):
        _lookup.sha256_each(["a", b"b"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        _lookup.sha256_each(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _lookup.expressions(b"http://a.b/")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _lookup.digests(b"http://a.b/")  # type: ignore[arg-type]
