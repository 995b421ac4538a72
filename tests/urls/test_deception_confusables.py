"""UTS #39 pieces used by the deception detector: skeletons, scripts, invisible characters."""

from __future__ import annotations

import itertools
import string
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate.urls.confusables import (
    INVISIBLE_RANGES,
    _host_skeleton_slow,
    ascii_host_skeleton,
    host_skeleton,
    is_highly_restrictive,
    is_invisible,
    scripts_of,
    skeleton,
)

# Pairs UTS #39 (confusables.txt) declares confusable.
CONFUSABLE_PAIRS = [
    ("paypal", "pаypal"),  # Cyrillic а
    ("scope", "ѕсоре"),  # whole-script Cyrillic
    ("taobao", "tаоbао"),
    ("google", "ɡoogle"),  # Latin small script g
    ("apple", "аррlе"),
    ("appie", "аррӏе"),  # Cyrillic palochka maps to i, not l
    ("m", "rn"),
    ("l", "1"),
    ("l", "I"),
    ("l", "|"),
    ("O", "0"),
    ("x", "х"),  # Cyrillic ha
    ("o", "ο"),  # Greek omicron
    ("p", "р"),  # Cyrillic er
    ("qq", "ԛԛ"),  # Cyrillic qa
    ("a", "⍺"),
    ("-", "‐"),  # hyphen
    ("K", "K"),  # Kelvin sign (NFD)
    ("é", "e\u0301"),  # NFD
]

DISTINCT_PAIRS = [
    ("taobao", "taobaó"),
    ("o", "0"),  # plain skeleton keeps case: 0 -> O, o stays o
    ("jd", "jb"),
    ("淘宝", "陶宝"),
    ("bilibili", "bilibiii"),
]


@pytest.mark.parametrize(("a", "b"), CONFUSABLE_PAIRS)
def test_confusable_pairs_share_a_skeleton(a: str, b: str) -> None:
    assert skeleton(a) == skeleton(b)


@pytest.mark.parametrize(("a", "b"), DISTINCT_PAIRS)
def test_distinct_strings_keep_distinct_skeletons(a: str, b: str) -> None:
    assert skeleton(a) != skeleton(b)


def test_host_skeleton_folds_case_after_mapping() -> None:
    assert host_skeleton("ta0bao.com") == host_skeleton("taobao.com")
    assert host_skeleton("jd.c0rn") == host_skeleton("jd.com")
    assert host_skeleton("tmaii.com") != host_skeleton("tmall.com")
    assert host_skeleton("trna11.com") == host_skeleton("tmall.com")
    assert host_skeleton("tаobao.com") == host_skeleton("taobao.com")


def test_ascii_mapping_covers_the_known_lookalikes() -> None:
    lowered = {c: ascii_host_skeleton(c) for c in string.ascii_lowercase + string.digits + "-."}
    changed = {c: s for c, s in lowered.items() if s != c}
    assert changed == {"m": "rn", "0": "o", "1": "l"}


def test_default_ignorables_are_dropped() -> None:
    assert skeleton("tao\u200bbao") == skeleton("taobao")
    assert skeleton("tao\u00adbao") == skeleton("taobao")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_skeleton_is_idempotent(text: str) -> None:
    once = skeleton(text)
    assert skeleton(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.printable, max_size=40))
def test_ascii_fast_path_matches_full_algorithm(text: str) -> None:
    assert ascii_host_skeleton(text) == _host_skeleton_slow(text)
    assert host_skeleton(text) == _host_skeleton_slow(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_skeleton_output_is_nfd(text: str) -> None:
    out = skeleton(text)
    assert unicodedata.normalize("NFD", out) == out


@pytest.mark.parametrize(
    ("label", "scripts"),
    [
        ("taobao", {"LATIN"}),
        ("tаobao", {"LATIN", "CYRILLIC"}),
        ("淘宝abc", {"LATIN", "HAN"}),
        ("例え", {"HAN", "HIRAGANA"}),
        ("123-", set()),
        ("é", {"LATIN"}),
    ],
)
def test_scripts_of(label: str, scripts: set[str]) -> None:
    assert scripts_of(label) == scripts


@pytest.mark.parametrize(
    ("label", "allowed"),
    [
        ("taobao", True),
        ("淘宝abc", True),
        ("テスト漢字abc", True),
        ("한국abc", True),
        ("中文ㄅㄆ", True),
        ("москва", True),
        ("tаobao", False),  # Latin + Cyrillic
        ("taobaο", False),  # Latin + Greek
        ("한국テスト", False),  # Hangul + Katakana
        ("москваκ", False),  # Cyrillic + Greek
    ],
)
def test_highly_restrictive_profile(label: str, allowed: bool) -> None:
    assert is_highly_restrictive(label) is allowed


def test_invisible_characters() -> None:
    for ch in "\u200b\u200c\u200d\u200e\u202e\u2066\u00ad\ufeff\u034f\u3164\ufe0f\t\x00":
        assert is_invisible(ch), hex(ord(ch))
    for ch in "a .-淘\u00a0\u3000😀":
        assert not is_invisible(ch), hex(ord(ch))
    assert all(lo <= hi for lo, hi in INVISIBLE_RANGES)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(INVISIBLE_RANGES))
