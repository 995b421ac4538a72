"""The compiled host check says a host is plain exactly when the Python reference does, and
a plain host raises no host-level signal by the full checks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus import generate
from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import Registry
from linkgate.urls import deception
from linkgate.urls.deception import CLEAN_HOST, DeceptionDetector
from linkgate.urls.model import ParsedUrl
from linkgate.urls.parse import COMPILED, parse
from tests.services import compiled_or_skip


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    compiled_or_skip(COMPILED, "linkgate.urls._split")


@pytest.fixture(scope="module")
def detector() -> DeceptionDetector:
    found = DeceptionDetector(Registry.default().protected_domains())
    assert found._plain_host is not deception._never
    return found


@pytest.fixture(scope="module")
def psl() -> PublicSuffix:
    return PublicSuffix.load()


def full(detector: DeceptionDetector, host: str, registrable: str | None) -> object:
    """The host's signals by the full checks alone."""
    saved = detector._plain_host
    detector._plain_host = deception._never
    try:
        return detector.host_signals(host, "domain", host, registrable)
    finally:
        detector._plain_host = saved


def same(detector: DeceptionDetector, host: str, registrable: str | None) -> bool:
    found = detector.plain_host(host, registrable)
    assert found is detector._plain_host_py(host, registrable), (host, registrable)
    if found:
        assert full(detector, host, registrable) is CLEAN_HOST, host
        assert detector.host_signals(host, "domain", host, registrable) is CLEAN_HOST
    return found


def test_kinds_of_host(detector: DeceptionDetector, psl: PublicSuffix) -> None:
    cases = {
        "www.example.com": True,
        "shop.example.co.uk": True,
        "item.taobao.com": True,  # protected
        "m.tb.cn": True,  # a protected short-link host
        "taobao.com.evil.top": False,  # a token starts a protected skeleton
        "ta0bao.com": False,  # ... after the skeleton's replacements
        "www-taobao-com.evil.top": False,
        "localhost": False,
        "a.localhost": False,
        "xn--fsqu00a.xn--0zwm56d": False,
        "Example.com": False,  # not as a parser gives it
        "example.com.": False,
        "x" * 64 + ".com": False,
        ("a" * 60 + ".") * 5 + "com": False,  # longer than 253
        "1-2.3-4": False,  # no letter: the skeleton's general way
        "a--b.top": True,  # an empty token
        "": False,
    }
    for host, expected in cases.items():
        registrable = psl.registrable_domain(host) if host else None
        assert same(detector, host, registrable) is expected, host


def test_registrable_domain_forms(detector: DeceptionDetector) -> None:
    same(detector, "www.example.com", None)
    same(detector, "www.example.com", "Example.com")
    same(detector, "www.example.com", "example.com.")
    same(detector, "item.taobao.com", "taobao.com")


def test_benchmark_hosts(detector: DeceptionDetector, psl: PublicSuffix) -> None:
    plain = 0
    for raw in generate(20_000):
        parsed = parse(raw)
        if isinstance(parsed, ParsedUrl) and parsed.host_type == "domain":
            host = parsed.hostname
            plain += same(detector, host, psl.registrable_domain(host))
    assert plain > 10_000


def test_refusals() -> None:
    from linkgate.urls._split import HostCheck

    empty = frozenset[str]()
    with pytest.raises(TypeError):
        HostCheck({"a"}, empty, 1, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        HostCheck(empty, empty, 0, 1)
    check = HostCheck(empty, empty, 253, 63)
    with pytest.raises(TypeError):
        check(b"a.com", None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        check("a.com", 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        check("a.com")  # type: ignore[call-arg]
    assert check("a.com", "a.com") is True


labels = st.lists(
    st.sampled_from(
        [
            "www",
            "taobao",
            "ta0bao",
            "tb",
            "jd",
            "com",
            "cn",
            "m",
            "evil",
            "top",
            "x1",
            "localhost",
            "xn--p1ai",
            "A",
            "",
            "0",
            "-",
            "login-jd",
            "baidu",
        ]
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=400, deadline=None)
@given(labels)
def test_any_host(detector: DeceptionDetector, psl: PublicSuffix, parts: list[str]) -> None:
    host = ".".join(parts)
    same(detector, host, psl.registrable_domain(host))
