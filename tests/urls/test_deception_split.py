"""Host and link signals computed apart give what detect gives; the shortcuts change no answer.

The detector's fast paths (the embedded-URL gate, the serialised-link shortcut of the parser
differential and of the typed-text signals, WHATWG hosts through linkgate's own parse) are
checked here against the plain computations they replace.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from urllib.parse import unquote

import ada_url
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate.urls import deception
from linkgate.urls.deception import CLEAN_HOST, DeceptionDetector
from linkgate.urls.model import ParsedUrl
from linkgate.urls.parse import parse
from tests.urls.test_deception import DECEPTIVE, LEGITIMATE, PROTECTED, host_facts

TESTDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata"
DETECTOR = DeceptionDetector(PROTECTED)
LINKS = [
    *LEGITIMATE,
    *(raw for raw, _ in DECEPTIVE),
    "HTTPS://Item.TaoBao.com/item.htm?id=1",
    "foo://taobao.com@evil.top/",
    "http://[::1]/x",
    "https://a.example/?ali_refid=a3_430583_1006:3053388074:N:8In",
    "https://a.example/%E4%B8%AD%3A//x",
    "https://a.example/?a=JavaſCript:x",
    "https://a.example/p?u=aHR0cHM6Ly9ldmlsLnRvcA",
]


def _parsed(raw: str) -> ParsedUrl:
    parsed = parse(raw)
    assert isinstance(parsed, ParsedUrl), raw
    return parsed


@pytest.mark.parametrize("raw", LINKS)
def test_host_then_link_signals_are_detect(raw: str) -> None:
    parsed = _parsed(raw)
    host_unicode, registrable = host_facts(parsed)
    host = DETECTOR.host_signals(parsed.hostname, parsed.host_type, host_unicode, registrable)
    assert DETECTOR.link_signals(parsed, host) == DETECTOR.detect(
        parsed, host_unicode=host_unicode, registrable_domain=registrable
    )
    if not any(host):
        assert host is CLEAN_HOST


# The embedded-URL search, as it was before the gate: every round searches.
def _has_embedded_url_reference(text: str) -> bool:
    if not any(c in text for c in (":", "%", "//", "\\", "aHR0c")):
        return False
    for _ in range(4):
        if deception._EMBEDDED.search(text) is not None:
            return True
        if any(m in text for m in deception._BASE64_HTTP):
            return True
        if "%" not in text:
            return False
        decoded = unquote(text)
        if decoded == text:
            return False
        text = decoded
    return False


# Characters the gate reasons about, their case variants and look-alikes under IGNORECASE.
_ALPHABET = st.sampled_from(
    list(":/\\=?&;#%2Fa3A5Cpt") + list("PTjavscriptdJVSCRIPTDx") + ["ſ", "ı", "K", "İ", "中", "%3A"]
)
_TEXT = st.lists(_ALPHABET, max_size=40).map("".join)


@settings(max_examples=3000, deadline=None)
@given(_TEXT)
def test_the_gate_only_skips_texts_the_search_cannot_match(text: str) -> None:
    if deception._EMBEDDED.search(text) is not None:
        assert deception._may_embed(text)


@settings(max_examples=1500, deadline=None)
@given(_TEXT, _TEXT, _TEXT)
def test_embedded_url_answers_as_before(path: str, query: str, fragment: str) -> None:
    assert deception._has_embedded_url(path, query, fragment) == _has_embedded_url_reference(
        path + query + fragment
    )


@pytest.mark.parametrize(
    "raw",
    [
        "https://item.jd.com/1.html",
        "http://a.b.example.co.uk:8080/x?y#z",
        "wss://chat.example/",
        "ftp://files.example./pub/",
        "file://server/share/x",
        "https://xn--tobao-4ve.com/",
    ],
)
def test_links_typed_as_serialised_pass_the_authority_match(raw: str) -> None:
    parsed = _parsed(raw)
    assert raw == parsed.href and parsed.host_type == "domain"
    assert deception._fast_host_match(raw, parsed)
    assert not deception._parser_differential(raw, parsed)


@pytest.mark.parametrize(
    "naive",
    [
        "example.com",
        "EXAMPLE.com.",
        "0x7f.1",
        "3232235793",
        "::1",
        "%65vil.top",
        "bücher.de",
        "xn--a.ß",
        "a b",
        "",
        "exa%mple.com",
        "1.2.3.4.5",
    ],
)
def test_whatwg_hosts_agree_with_the_ada_wrapper(naive: str) -> None:
    deception._whatwg_host.cache_clear()
    decoded = unquote(naive)
    expected: str | None
    if deception._FORBIDDEN_IN_HOST.search(decoded.replace(":", "")):
        expected = None
    else:
        candidate = f"[{decoded}]" if ":" in decoded else decoded
        try:
            hostname = ada_url.parse_url(f"http://{candidate}/").get("hostname")
        except (ValueError, UnicodeError):
            hostname = None
        expected = hostname if isinstance(hostname, str) else None
    assert deception._whatwg_host(naive) == expected


def test_clear_caches_empties_the_module_memos() -> None:
    deception._whatwg_host("example.com")
    assert deception._whatwg_host.cache_info().currsize > 0
    deception.clear_caches()
    assert deception._whatwg_host.cache_info().currsize == 0


def _ipv4_part(kind: str, value: int) -> str:
    if kind == "hex":
        return f"0x{value:x}"
    if kind == "HEX":
        return f"0X{value:X}"
    if kind == "octal":
        return f"0{value:o}"
    return str(value)


@st.composite
def ipv4_links(draw: st.DrawFn) -> str:
    """Links whose host is an IPv4 address typed in any of the forms WHATWG reads."""
    parts = draw(st.integers(1, 4))
    kinds = st.sampled_from(["decimal", "hex", "HEX", "octal"])
    values = [draw(st.integers(0, 255)) for _ in range(parts - 1)]
    last = draw(st.integers(0, 256 ** (5 - parts) - 1))
    host = ".".join(_ipv4_part(draw(kinds), v) for v in [*values, last])
    host += draw(st.sampled_from(["", "."]))
    return _link_around(draw, host, "file://")


def _link_around(draw: st.DrawFn, host: str, other_scheme: str) -> str:
    """A link on ``host``: a scheme (or none), a port, a path, and tricks around the host."""
    port = draw(st.sampled_from(["", ":8080", ":"]))
    rest = draw(st.sampled_from(["", "/", "/wp-login.php", "/a?b=c#d", "?x", "#y"]))
    scheme = draw(st.sampled_from(["http://", "https://", "HTTP://", "ws://", other_scheme, ""]))
    # Tricks that make the two parsers disagree, or the authority not plain.
    before = draw(st.sampled_from(["", "", "taobao.com@", "a:b@", "evil.top\\@"]))
    after = draw(st.sampled_from(["", "", "\\@evil.top", "\\evil.top", "@evil.top", "\t"]))
    return f"{scheme}{before}{host}{port}{after}{rest}"


@st.composite
def ipv6_links(draw: st.DrawFn) -> str:
    """Links whose host is an IPv6 literal in one of its written forms."""
    groups = [f"{draw(st.integers(0, 0xFFFF)):x}" for _ in range(8)]
    form = draw(st.sampled_from(["full", "padded", "upper", "compressed", "v4", "loopback"]))
    if form == "padded":
        groups = [g.rjust(4, "0") for g in groups]
    elif form == "upper":
        groups = [g.upper() for g in groups]
    host = ":".join(groups)
    if form == "compressed":
        host = ":".join(groups[:2]) + "::" + groups[-1]
    elif form == "v4":
        host = "::ffff:" + ".".join(str(draw(st.integers(0, 255))) for _ in range(4))
    elif form == "loopback":
        host = draw(st.sampled_from(["::1", "0:0::1", "::", "::0001"]))
    # foo://: a scheme that is not special, whose IPv6 host the naive parser reads otherwise.
    return _link_around(draw, f"[{host}]", "foo://")


def _fast_answers_as_the_long_way(raw: str) -> None:
    parsed = parse(raw)
    if isinstance(parsed, ParsedUrl):
        expected = deception._differential_slow(parsed.raw, parsed)
        assert deception._parser_differential(parsed.raw, parsed) == expected, raw


@settings(max_examples=600, deadline=None)
@given(ipv4_links())
def test_ipv4_hosts_in_any_form_pass_the_authority_match_as_the_long_way(raw: str) -> None:
    _fast_answers_as_the_long_way(raw)


@settings(max_examples=600, deadline=None)
@given(ipv6_links())
def test_ipv6_literals_pass_the_authority_match_as_the_long_way(raw: str) -> None:
    _fast_answers_as_the_long_way(raw)


def test_the_authority_match_answers_as_the_long_way_on_the_benchmark_links() -> None:
    from bench.harness import unique_corpus

    for raw in unique_corpus(20_000):
        _fast_answers_as_the_long_way(raw)


# -- links typed as serialised -------------------------------------------------------


def _serialised_shortcut_holds(raw: str) -> bool:
    """If ``link_signals`` takes its serialised-link shortcut for ``raw``, the long way agrees.

    The shortcut answers: nothing to strip, no userinfo, no invisible characters, no parser
    differential. Returns whether the shortcut was taken.
    """
    parsed = parse(raw)
    if not isinstance(parsed, ParsedUrl):
        return False
    taken = (
        (
            parsed.host_type in ("domain", "ipv4")
            or (
                parsed.host_type == "ipv6"
                and parsed.scheme in ("http", "https", "ws", "wss", "ftp", "file")
            )
        )
        and not (parsed.username or parsed.password)
        and deception._as_serialised(parsed.raw, parsed.href, parsed.scheme_added)
    )
    if taken:
        assert deception._typed_form_signals(parsed) == (parsed.raw, False, False, False), raw
    return taken


@pytest.mark.parametrize(
    ("raw", "taken"),
    [
        ("https://item.jd.com/1.html", True),
        ("HTTPS://Item.JD.com/A.html?Q=1#F", True),
        ("m.tb.cn/h.abc", True),
        ("M.TB.CN/h.abc", True),
        ("https://item.jd.com", False),  # the serialisation adds the path's "/"
        (" https://item.jd.com/1.html", False),
        ("https://taobao.com@evil.top/", False),
        ("https://@evil.top/", False),
        ("https://evil.top\\@taobao.com/", False),
        ("https://\u212aaobao.com/", False),  # KELVIN SIGN: lower-cases to ASCII k
        ("https://xn--tobao-4ve.com/", True),
        ("https://t\u0430obao.com/", False),
        ("//m.tb.cn/h.abc", False),
        ("http://0x7f.1/", False),
        ("http://127.0.0.1/admin", True),
        ("HTTP://8.8.8.8:8080/x?Q=1", True),
        ("1.2.3.4/x", True),
        ("http://1.2.3.4", False),  # the serialisation adds the path's "/"
        ("http://user@1.2.3.4/", False),
        ("http://[::1]/", True),
        ("http://[2001:db8::1]:8080/a", True),
        ("http://[2001:DB8::1]/a", True),
        ("http://[2001:db8:0::1]/a", False),  # the serialisation compresses it
        ("http://user@[::1]/", False),
        ("foo://[::1]/", False),  # not a special scheme
    ],
)
def test_the_serialised_shortcut_is_taken_where_expected(raw: str, taken: bool) -> None:
    assert _serialised_shortcut_holds(raw) is taken


def test_the_serialised_shortcut_agrees_on_the_whatwg_corpus() -> None:
    corpus = json.loads((TESTDATA / "whatwg-urltestdata.json").read_text(encoding="utf-8"))
    inputs = [case["input"] for case in corpus if isinstance(case, dict)]
    taken = 0
    for raw in inputs:
        for text in (raw, raw.upper(), raw.lower()):
            taken += _serialised_shortcut_holds(text)
    assert taken > 100


def test_the_serialised_shortcut_agrees_on_the_benchmark_links() -> None:
    from bench.harness import unique_corpus

    links = unique_corpus(20_000)
    taken = sum(_serialised_shortcut_holds(raw) for raw in links)
    # Most benchmark links are typed as serialised; all of them must agree.
    assert taken > len(links) // 2
    assert sum(_serialised_shortcut_holds(raw.upper()) for raw in links[:2_000]) > 500


# Pieces of links that come close to their serialised form: case, userinfo, backslashes,
# white space, invisible and look-alike characters, percent signs, odd slashes.
_LINK_PIECES = st.sampled_from(
    [
        "http://",
        "HTTPS://",
        "ws://",
        "file://",
        "foo://",
        "//",
        "/",
        "\\",
        "Item.JD.com",
        "m.tb.cn",
        "taobao.com",
        "1.2.3.4",
        "0x7f",
        "[::1]",
        "[2001:DB8::1]",
        "[::ffff:1.2.3.4]",
        "[0:0::1]",
        "@",
        ":8080",
        ":",
        "?q=1",
        "#f",
        "%41",
        " ",
        "\t",
        "\u200b",
        "\u212a",
        "\u0130",
        "\u0430",
        "\uff0e",
        ".",
        "a",
        "Z",
        "-",
    ]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_LINK_PIECES, min_size=1, max_size=8).map("".join))
def test_the_serialised_shortcut_agrees_on_generated_links(raw: str) -> None:
    _serialised_shortcut_holds(raw)


# -- IPv4 addresses that are not globally reachable -------------------------------------


def _python_says_private(value: int) -> bool:
    address = ipaddress.IPv4Address(value)
    return not address.is_global or address.is_multicast


def _iana_block(value: int) -> bool:
    return ipaddress.IPv4Address(value) in ipaddress.IPv4Network("192.0.0.0/24")


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("0.0.0.0", True),
        ("1.1.1.1", False),
        ("9.255.255.255", False),
        ("10.0.0.0", True),
        ("100.63.255.255", False),
        ("100.64.0.0", True),
        ("100.127.255.255", True),
        ("100.128.0.0", False),
        ("172.15.255.255", False),
        ("172.31.255.255", True),
        ("192.0.0.8", True),
        ("192.0.0.9", False),
        ("192.0.0.10", False),
        ("192.0.0.11", True),
        ("192.0.0.170", True),
        ("192.0.0.255", True),
        ("192.0.1.0", False),
        ("192.88.99.1", False),
        ("198.17.255.255", False),
        ("198.19.255.255", True),
        ("223.255.255.255", False),
        ("224.0.0.1", True),
        ("255.255.255.255", True),
    ],
)
def test_ipv4_hosts_are_private_as_the_iana_registry_says(address: str, private: bool) -> None:
    assert deception._is_private_host(address, "ipv4") is private
    assert deception._is_private_host(f"[::ffff:{address}]", "ipv6") is private


@settings(max_examples=3000, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_ipv4_privacy_agrees_with_pythons_outside_the_iana_protocol_block(value: int) -> None:
    # Python's ipaddress follows the registry too; some versions predate its entry for
    # 192.0.0.0/24 (they list only 192.0.0.0/29 and 192.0.0.170/31), checked above.
    if not _iana_block(value):
        assert deception._private_v4(value) == _python_says_private(value)


def test_ipv4_privacy_agrees_with_pythons_at_every_range_edge() -> None:
    edges = {0, 2**32 - 1}
    for start, end in zip(deception._V4_STARTS, deception._V4_ENDS, strict=True):
        edges |= {start - 1, start, end, end + 1}
    for network in ("100.64.0.0/10", "192.88.99.0/24", "224.0.0.0/4", "240.0.0.0/4"):
        net = ipaddress.IPv4Network(network)
        edges |= {int(net.network_address) - 1, int(net.broadcast_address) + 1}
    for value in sorted(v for v in edges if 0 <= v < 2**32 and not _iana_block(v)):
        assert deception._private_v4(value) == _python_says_private(value), value


def test_an_ipv4_host_that_is_not_dotted_decimal_is_not_private() -> None:
    assert not deception._is_private_host("not.an.ip", "ipv4")
    assert not deception._is_private_host("1.2.3", "ipv4")
