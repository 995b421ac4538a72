"""linkgate.domains.index.SuffixIndex: most specific suffix match on label boundaries."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate.domains.index import SuffixIndex, normalise_suffix


@pytest.fixture
def index() -> SuffixIndex[str]:
    return SuffixIndex(
        [
            ("jd.com", "jd"),
            ("m.jd.com", "jd-mobile"),
            ("*.tb.cn", "tb"),
            (".Example.ORG.", "org"),
            ("com.cn", "public"),
        ]
    )


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("jd.com", "jd"),
        ("item.jd.com", "jd"),
        ("m.jd.com", "jd-mobile"),
        ("item.m.jd.com", "jd-mobile"),
        ("ITEM.M.JD.COM", "jd-mobile"),
        ("item.m.jd.com.", "jd-mobile"),
        ("notjd.com", None),
        ("jd.com.evil.top", None),
        ("xjd.com", None),
        ("com", None),
        ("m.tb.cn", "tb"),
        ("tb.cn", "tb"),
        ("www.example.org", "org"),
        ("", None),
        (".", None),
        ("a..jd.com", "jd"),
    ],
)
def test_find(index: SuffixIndex[str], host: str, expected: str | None) -> None:
    assert index.find(host) == expected


def test_match_and_find_all(index: SuffixIndex[str]) -> None:
    assert index.match("a.item.m.jd.com") == ("m.jd.com", "jd-mobile")
    assert index.find_all("a.item.m.jd.com") == [("m.jd.com", "jd-mobile"), ("jd.com", "jd")]
    assert index.match("example.net") is None
    assert index.find_all("example.net") == []


def test_floor_keeps_public_suffix_entries_from_capturing(index: SuffixIndex[str]) -> None:
    assert index.find("shop.example.com.cn") == "public"
    assert index.find("shop.example.com.cn", floor="example.com.cn") is None
    assert index.find("item.jd.com", floor="jd.com") == "jd"
    assert index.find("item.m.jd.com", floor="jd.com") == "jd-mobile"
    assert index.find("jd.com", floor="jd.com") == "jd"
    # a floor that is not the host or a parent of it matches nothing
    assert index.find("item.jd.com", floor="d.com") is None
    assert index.find("item.jd.com", floor="other.com") is None


def test_mapping_protocol(index: SuffixIndex[str]) -> None:
    assert len(index) == 5
    assert "M.JD.COM" in index and "item.jd.com" not in index
    assert index["example.org"] == "org"
    assert index.get("nope.com") is None
    assert sorted(index) == ["com.cn", "example.org", "jd.com", "m.jd.com", "tb.cn"]
    index["m.jd.com"] = "replaced"
    assert index.find("x.m.jd.com") == "replaced"
    del index["m.jd.com"]
    assert index.find("x.m.jd.com") == "jd"
    del index["jd.com"]
    assert index.find("x.m.jd.com") is None
    assert dict(index.items()) == {"tb.cn": "tb", "example.org": "org", "com.cn": "public"}


@pytest.mark.parametrize("bad", ["", ".", "*.", "a..b", " "])
def test_rejects_empty_suffixes(bad: str) -> None:
    with pytest.raises(ValueError):
        SuffixIndex([(bad, 1)])


def test_normalise_suffix() -> None:
    assert normalise_suffix(" *.Example.COM. ") == "example.com"
    assert normalise_suffix(".jd.com") == "jd.com"


def test_long_hosts_cost_a_few_probes() -> None:
    index = SuffixIndex([("jd.com", 1)])
    assert index.find("a." * 200_000 + "jd.com") == 1
    assert index.find("a." * 200_000 + "example.com") is None


LABELS = st.sampled_from(["a", "b", "jd", "com", "cn", "m"])
NAMES = st.lists(LABELS, min_size=1, max_size=4).map(".".join)


def _reference(keys: dict[str, int], host: str) -> int | None:
    labels = host.split(".")
    for i in range(len(labels)):
        name = ".".join(labels[i:])
        if name in keys:
            return keys[name]
    return None


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(NAMES, st.integers(), max_size=8), NAMES)
def test_matches_a_brute_force_reference(keys: dict[str, int], host: str) -> None:
    index = SuffixIndex(keys.items())
    assert index.find(host) == _reference(keys, host)
