"""The chat-lenient and strict WHATWG parses of linkgate.urls.parse."""

from __future__ import annotations

import dataclasses

import ada_url
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate.urls.model import InvalidUrl, ParsedUrl
from linkgate.urls.parse import (
    _SETTERS,
    MAX_INPUT_LENGTH,
    STRIP_CHARACTERS,
    _char_offset,
    assume_scheme,
    parse,
    parse_whatwg,
)

# input -> (scheme, hostname, port, pathname, search, scheme_added)
CHAT_LINKS = {
    "https://item.taobao.com/item.htm?id=6543210987&spm=a21n57.1.0.0": (
        "https",
        "item.taobao.com",
        "",
        "/item.htm",
        "?id=6543210987&spm=a21n57.1.0.0",
        False,
    ),
    "m.tb.cn/h.abc": ("http", "m.tb.cn", "", "/h.abc", "", True),
    "www.taobao.com": ("http", "www.taobao.com", "", "/", "", True),
    "taobao.com:8080/x": ("http", "taobao.com", "8080", "/x", "", True),
    "taobao.com:8080": ("http", "taobao.com", "8080", "/", "", True),
    "taobao.com:8080?q=1": ("http", "taobao.com", "8080", "/", "?q=1", True),
    "localhost:3000": ("http", "localhost", "3000", "/", "", True),
    "LocalHost:3000/app": ("http", "localhost", "3000", "/app", "", True),
    "devbox:8080/x": ("http", "devbox", "8080", "/x", "", True),
    "1.2.3.4/x": ("http", "1.2.3.4", "", "/x", "", True),
    "1.2.3.4:80/x": ("http", "1.2.3.4", "", "/x", "", True),
    "[::1]:8080/x": ("http", "[::1]", "8080", "/x", "", True),
    "//host/x": ("http", "host", "", "/x", "", True),
    "\\\\host\\x": ("http", "host", "", "/x", "", True),
    "v.douyin.com/iRNBho6u/": ("http", "v.douyin.com", "", "/iRNBho6u/", "", True),
    "HTTPS://Item.TaoBao.com/": ("https", "item.taobao.com", "", "/", "", False),
    "http://0xc37f000b/blah": ("http", "195.127.0.11", "", "/blah", "", False),
    "0x7f.1/x": ("http", "127.0.0.1", "", "/x", "", True),
    "mailto:x@y": ("mailto", "", "", "x@y", "", False),
    "javascript:alert(1)": ("javascript", "", "", "alert(1)", "", False),
    "data:text/html,<b>hi</b>": ("data", "", "", "text/html,<b>hi</b>", "", False),
    "weixin://dl/business/?t=abc": ("weixin", "dl", "", "/business/", "?t=abc", False),
    "tel:10086": ("tel", "", "", "10086", "", False),
    "sms:10086": ("sms", "", "", "10086", "", False),
    "com.example.app:/callback": ("com.example.app", "", "", "/callback", "", False),
    "taobao.com@evil.top": ("http", "evil.top", "", "/", "", True),
    "taobao.com:secret@evil.top/x": ("http", "evil.top", "", "/x", "", True),
    "http://www.taobao.com\u3002evil.top/": ("http", "www.taobao.com.evil.top", "", "/", "", False),
    "ht\ntp://example.com/": ("http", "example.com", "", "/", "", False),
    "  \u3000\u200bhttps://x.com/a#top \n": ("https", "x.com", "", "/a", "", False),
    "http://münchen.de/": ("http", "xn--mnchen-3ya.de", "", "/", "", False),
}


@pytest.mark.parametrize("raw", list(CHAT_LINKS))
def test_chat_links(raw: str) -> None:
    parsed = parse(raw)
    assert isinstance(parsed, ParsedUrl), parsed
    got = (
        parsed.scheme,
        parsed.hostname,
        parsed.port,
        parsed.pathname,
        parsed.search,
        parsed.scheme_added,
    )
    assert got == CHAT_LINKS[raw]
    assert parsed.raw == raw


def test_every_component_of_a_full_link() -> None:
    parsed = parse("HTTP://us%20er:p%40ss@Example.COM:8080/a/./b/../c?x=1&y=%20#frag")
    assert parsed == ParsedUrl(
        raw="HTTP://us%20er:p%40ss@Example.COM:8080/a/./b/../c?x=1&y=%20#frag",
        href="http://us%20er:p%40ss@example.com:8080/a/c?x=1&y=%20#frag",
        scheme="http",
        username="us%20er",
        password="p%40ss",
        hostname="example.com",
        port="8080",
        pathname="/a/c",
        search="?x=1&y=%20",
        hash="#frag",
        host_type="domain",
        scheme_added=False,
    )


def test_userinfo_without_password() -> None:
    parsed = parse("https://taobao.com@evil.top/")
    assert isinstance(parsed, ParsedUrl)
    assert (parsed.username, parsed.password, parsed.hostname) == ("taobao.com", "", "evil.top")


def test_empty_query_and_fragment_read_as_empty() -> None:
    parsed = parse("https://x.com/p?#")
    assert isinstance(parsed, ParsedUrl)
    assert (parsed.href, parsed.search, parsed.hash) == ("https://x.com/p?#", "", "")


@pytest.mark.parametrize(
    ("raw", "host_type"),
    [
        ("https://x.com/", "domain"),
        ("https://1.2.3.4/", "ipv4"),
        ("https://3279880203/", "ipv4"),
        ("https://a.b1/", "domain"),
        ("https://[2001:db8::1]/", "ipv6"),
        ("foo://[::1]/", "ipv6"),
        ("foo://1.2.3.4/", "opaque"),
        ("weixin://dl/x", "opaque"),
        ("mailto:x@y", "none"),
        ("file:///etc/passwd", "none"),
        ("file://server/share", "domain"),
        ("foo:///x", "none"),
    ],
)
def test_host_type(raw: str, host_type: str) -> None:
    parsed = parse(raw)
    assert isinstance(parsed, ParsedUrl)
    assert parsed.host_type == host_type


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("   \t\n\u3000\u200b", "empty"),
        ("a" * (MAX_INPUT_LENGTH + 1), "too_long"),
        ("https://x.com/\ud800", "encoding"),
        ("\udc80", "encoding"),
        ("http://", "unparseable"),
        ("http://exa mple.com/", "unparseable"),
        ("http://x.com:99999/", "unparseable"),
        ("http://[::1/", "unparseable"),
        ("http://a\x00b.com/", "unparseable"),
        ("/path/only", "unparseable"),
        ("?q=1", "unparseable"),
        ("#frag", "unparseable"),
        (":", "unparseable"),
    ],
)
def test_invalid_input_codes(raw: str, code: str) -> None:
    result = parse(raw)
    assert result == InvalidUrl(raw, code)


def test_input_at_the_length_limit_is_parsed() -> None:
    raw = "http://x.com/" + "a" * (MAX_INPUT_LENGTH - len("http://x.com/"))
    assert len(raw) == MAX_INPUT_LENGTH
    parsed = parse(raw)
    assert isinstance(parsed, ParsedUrl)
    assert parsed.pathname == raw[len("http://x.com") :]


def test_strict_parse_adds_no_scheme() -> None:
    assert parse_whatwg("m.tb.cn/h.abc") == InvalidUrl("m.tb.cn/h.abc", "unparseable")
    assert parse_whatwg("") == InvalidUrl("", "empty")
    assert parse_whatwg("x" * (MAX_INPUT_LENGTH + 1)).code == "too_long"  # type: ignore[union-attr]
    parsed = parse_whatwg("  https://x.com/\t ")
    assert isinstance(parsed, ParsedUrl)
    assert (parsed.href, parsed.scheme_added) == ("https://x.com/", False)


def test_strict_parse_reads_host_port_as_a_scheme() -> None:
    parsed = parse_whatwg("taobao.com:8080/x")
    assert isinstance(parsed, ParsedUrl)
    assert (parsed.scheme, parsed.hostname, parsed.pathname) == ("taobao.com", "", "8080/x")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x.com", ("http://x.com", True)),
        ("https://x.com", ("https://x.com", False)),
        ("x.com:81", ("http://x.com:81", True)),
        ("vnd.youtube:abc", ("vnd.youtube:abc", False)),
        ("//x.com", ("http://x.com", True)),
        ("ht\ttp://x.com", ("http://x.com", False)),
        ("/x", None),
        ("\\x", None),
        ("?x", None),
        ("#x", None),
        ("", None),
        ("\t\n", None),
    ],
)
def test_assume_scheme(text: str, expected: tuple[str, bool] | None) -> None:
    assert assume_scheme(text) == expected


def test_strip_characters_cover_unicode_whitespace() -> None:
    spaces = {chr(c) for c in range(0x3001) if chr(c).isspace()}
    assert spaces <= set(STRIP_CHARACTERS)


def test_fast_construction_builds_a_normal_parsed_url() -> None:
    assert _SETTERS is not None, "ParsedUrl changed shape; parse falls back to its slow __init__"
    parsed = parse("https://u:p@x.com:81/a?b#c")
    assert isinstance(parsed, ParsedUrl)
    rebuilt = ParsedUrl(**{f.name: getattr(parsed, f.name) for f in dataclasses.fields(parsed)})
    assert rebuilt == parsed
    assert hash(rebuilt) == hash(parsed)
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.hostname = "evil.top"  # type: ignore[misc]


def test_byte_offsets_map_to_character_offsets() -> None:
    data = "sc://h/é?ü#x".encode()
    assert _char_offset(data, data.index(b"?")) == "sc://h/é?ü#x".index("?")
    assert _char_offset(data, data.index(b"#")) == "sc://h/é?ü#x".index("#")
    assert _char_offset(data, 0xFFFFFFFF) == 0xFFFFFFFF


def test_components_agree_with_the_ada_wrapper() -> None:
    for raw in [
        "https://u:p@x.com:81/a?b#c",
        "sc://ñ?ñ#ñ",
        "data:text/plain,é",
        "https://[::ffff:1.2.3.4]/",
        "file:///C:/x",
        "http://0x7f.1/",
    ]:
        parsed = parse_whatwg(raw)
        assert isinstance(parsed, ParsedUrl)
        expected = ada_url.parse_url(raw)
        for name in ("href", "username", "password", "hostname", "port", "pathname"):
            assert getattr(parsed, name) == expected[name], (raw, name)
        assert parsed.search == expected["search"]
        assert parsed.hash == expected["hash"]
        assert parsed.scheme + ":" == expected["protocol"]


text_with_surrogates = st.text(
    st.one_of(st.characters(), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))
)
link_like = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "http://",
                "HTTPS://",
                "//",
                "mailto:",
                "x.com",
                ":8080",
                ":",
                "@",
                "/",
                "\\",
                "?",
                "#",
                "%",
                "%2e",
                "[::1]",
                "0x7f.1",
                "\u3000",
                "\t",
                "\x00",
                "\ud800",
            ]
        ),
        text_with_surrogates,
    ),
    max_size=8,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(text_with_surrogates, link_like))
def test_parse_never_raises(raw: str) -> None:
    for result in (parse(raw), parse_whatwg(raw)):
        assert isinstance(result, ParsedUrl | InvalidUrl)
        assert result.raw == raw
        if isinstance(result, InvalidUrl):
            assert result.code in {"empty", "too_long", "encoding", "unparseable"}


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=8), st.integers(min_value=1, max_value=MAX_INPUT_LENGTH // 4))
def test_parse_never_raises_on_long_text(chunk: str, times: int) -> None:
    raw = "http://x.com/" + chunk * times
    for result in (parse(raw), parse_whatwg(raw)):
        if len(raw) > MAX_INPUT_LENGTH:
            assert result == InvalidUrl(raw, "too_long")
        else:
            assert isinstance(result, ParsedUrl | InvalidUrl)


@settings(max_examples=300, deadline=None)
@given(link_like)
def test_host_type_agrees_with_ada(raw: str) -> None:
    parsed = parse_whatwg(raw)
    if not isinstance(parsed, ParsedUrl) or parsed.host_type in ("none", "opaque"):
        return
    ada_type = {0: "domain", 1: "ipv4", 2: "ipv6"}[int(ada_url.parse_url(raw)["host_type"])]
    assert parsed.host_type == ada_type
