"""linkgate.domains.psl: registrable domains, the PSL conformance cases, replacing the list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate.domains.idn import to_ascii
from linkgate.domains.psl import (
    PSL_FILE_NAME,
    PslFileError,
    PublicSuffix,
    install_psl_file,
    installed_psl_path,
)

TESTDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata"
SNAPSHOT = TESTDATA / "public_suffix_list.dat"
PSL_CASES: list[list[str | None]] = json.loads((TESTDATA / "psl-tests.json").read_text("utf-8"))


BUNDLED = PublicSuffix.bundled()


@pytest.fixture(scope="module")
def bundled() -> PublicSuffix:
    return BUNDLED


@pytest.fixture(scope="module")
def snapshot() -> PublicSuffix:
    return PublicSuffix.from_file(SNAPSHOT)


def test_corpus_size() -> None:
    assert len(PSL_CASES) == 78


@pytest.mark.parametrize("which", ["bundled", "snapshot"])
@pytest.mark.parametrize(("raw", "expected"), PSL_CASES, ids=[str(c[0]) for c in PSL_CASES])
def test_psl_conformance(
    which: str, raw: str | None, expected: str | None, request: pytest.FixtureRequest
) -> None:
    """Every case of publicsuffix/list tests/test_psl.txt.

    The corpus writes hosts and answers in Unicode and mixed case; linkgate
    receives serialised (ASCII, lower-case) hosts, so both sides go through
    the WHATWG domain-to-ASCII first. The corpus's ``null`` input (no host
    at all) is the empty host.
    """
    psl: PublicSuffix = request.getfixturevalue(which)
    host = "" if raw is None else to_ascii(raw)
    assert host is not None
    want = None if expected is None else to_ascii(expected)
    assert psl.registrable_domain(host) == want


def test_snapshot_loads_every_rule(snapshot: PublicSuffix) -> None:
    assert snapshot.rule_count == 10248
    assert snapshot.source == str(SNAPSHOT)
    assert snapshot.registrable_domain("shop.example.co.uk") == "example.co.uk"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("item.jd.com", "jd.com"),
        ("ITEM.JD.COM", "jd.com"),
        ("www.example.com.", "example.com"),
        ("m.tb.cn", "tb.cn"),
        ("mp.weixin.qq.com", "qq.com"),
        ("foo.bar.blogspot.com", "bar.blogspot.com"),
        ("www.食狮.中国", "xn--85x722f.xn--fiqs8s"),
        ("1.2.3.4", None),
        ("192.168.0.1.", None),
        ("0x7f.1", None),
        ("[::1]", None),
        ("[2001:db8::1]", None),
        ("com", None),
        ("co.uk", None),
        ("blogspot.com", None),
        ("", None),
        (".", None),
        ("a..example.com", None),
        ("example.com..", None),
    ],
)
def test_registrable_domain(bundled: PublicSuffix, host: str, expected: str | None) -> None:
    assert bundled.registrable_domain(host) == expected


def test_ip_hosts_never_reach_the_list(bundled: PublicSuffix) -> None:
    # Run through the PSL, 1.2.3.4 would become "3.4".
    assert bundled.registrable_domain("1.2.3.4") is None
    assert bundled.registrable_domain("10.0.0.255") is None


def test_is_public_suffix(bundled: PublicSuffix) -> None:
    assert bundled.is_public_suffix("com.cn")
    assert bundled.is_public_suffix("github.io")
    assert not bundled.is_public_suffix("jd.com")
    assert not bundled.is_public_suffix("1.2.3.4")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_never_raises_and_answers_a_suffix(text: str) -> None:
    result = BUNDLED.registrable_domain(text)
    if result is not None:
        assert result.isascii()
        ascii_host = to_ascii(text.removesuffix("."))
        assert ascii_host is not None
        assert ascii_host == result or ascii_host.endswith("." + result)


def test_huge_input_is_rejected_quickly(bundled: PublicSuffix) -> None:
    assert bundled.registrable_domain("a." * 100_000 + "com") is None
    assert bundled.registrable_domain("\x00" * 1000) is None


def test_memo_is_bounded() -> None:
    psl = PublicSuffix(["com", "uk", "co.uk"], cache_size=4)
    for i in range(50):
        assert psl.registrable_domain(f"h{i}.example.co.uk") == "example.co.uk"
    info = psl._cached.cache_info()  # type: ignore[attr-defined]
    assert info.maxsize == 4 and info.currsize == 4


def test_the_uncached_lookup_gives_the_same_answers_and_fills_no_memo() -> None:
    psl = PublicSuffix(["com", "uk", "co.uk", "*.ck", "!www.ck"], cache_size=8)
    hosts = ["a.b.example.co.uk", "EXAMPLE.com.", "x.y.ck", "www.ck", "co.uk", "1.2.3.4", ""]
    answers = [psl.registrable_domain_uncached(h) for h in hosts]
    assert psl._cached.cache_info().currsize == 0  # type: ignore[attr-defined]
    assert answers == [psl.registrable_domain(h) for h in hosts]
    assert answers[:4] == ["example.co.uk", "example.com", "x.y.ck", "www.ck"]


def test_install_then_load_prefers_the_installed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("LINKGATE_HOME", str(home))
    assert PublicSuffix.load().source == "bundled"

    custom = tmp_path / "custom.dat"
    custom.write_text("// a tiny list\ncom\nexample.com\n", encoding="utf-8")
    installed = install_psl_file(custom)
    assert installed.path == home / PSL_FILE_NAME == installed_psl_path()
    assert installed.rules == 2
    loaded = PublicSuffix.load()
    assert loaded.source == str(home / PSL_FILE_NAME)
    # "example.com" is a public suffix in the custom list only.
    assert loaded.registrable_domain("a.b.example.com") == "b.example.com"

    real = install_psl_file(SNAPSHOT)
    assert real.rules == 10248
    assert PublicSuffix.load().registrable_domain("a.b.example.com") == "example.com"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<!DOCTYPE html>\n<html><body>Not found</body></html>\n", "not a public suffix list"),
        (b"// only comments\n\n// nothing else\n", "contains no public suffix rules"),
        (b"", "contains no public suffix rules"),
        (b"com\nexam\xffple.com\n", "not UTF-8"),
        (b"com\n*.*bad\n", "line 2"),
        (b"com\nfoo..bar\n", "line 2"),
        (b"com\n" + b"x" * 70 + b".com\n", "line 2"),
    ],
)
def test_install_rejects_unusable_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, message: str
) -> None:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path / "home"))
    bad = tmp_path / "bad.dat"
    bad.write_bytes(content)
    with pytest.raises(PslFileError, match=message):
        install_psl_file(bad)
    assert not installed_psl_path().exists()
    with pytest.raises(PslFileError):
        PublicSuffix.from_file(bad)


def test_install_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path / "home"))
    with pytest.raises(PslFileError, match="cannot read"):
        install_psl_file(tmp_path / "absent.dat")


def test_default_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LINKGATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert installed_psl_path() == tmp_path / ".local" / "share" / "linkgate" / PSL_FILE_NAME


def test_the_domain_host_lookup_answers_as_the_general_one() -> None:
    """Hosts a WHATWG parser gives as domains need no normalising: same answers without it."""
    from bench.harness import unique_corpus
    from linkgate.urls.model import ParsedUrl
    from linkgate.urls.parse import parse

    corpus = json.loads((TESTDATA / "whatwg-urltestdata.json").read_text(encoding="utf-8"))
    links = [case["input"] for case in corpus if isinstance(case, dict)]
    links += [f"http://{case[0]}/" for case in PSL_CASES if isinstance(case[0], str)]
    links += [f"http://{case[0]}./" for case in PSL_CASES if isinstance(case[0], str)]
    links += unique_corpus(20_000)
    compared = 0
    for raw in links:
        parsed = parse(raw)
        if not isinstance(parsed, ParsedUrl) or parsed.host_type != "domain":
            continue
        host = parsed.hostname
        if host.endswith("."):
            continue
        expected = BUNDLED.registrable_domain_uncached(host)
        assert BUNDLED.registrable_domain_of_domain_host(host) == expected, raw
        compared += 1
    assert compared > 18_000
    assert BUNDLED.registrable_domain_of_domain_host("") is None
    assert BUNDLED.registrable_domain_of_domain_host("a." * 127 + "com") is None
