"""Feed parsers: real formats in, entries or counted rejections out, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate.lists.feeds import FORMATS, FeedEntry, Rejected, parse_feed, url_expression


def parsed(format: str, text: str) -> tuple[list[tuple[str, str, int]], list[tuple[int, str]]]:
    items = list(parse_feed(format, text.splitlines()))
    entries = [(i.kind, i.value, i.line) for i in items if isinstance(i, FeedEntry)]
    rejected = [(i.line, i.reason) for i in items if isinstance(i, Rejected)]
    return entries, rejected


def test_urlhaus_with_comment_header_and_bad_rows() -> None:
    text = (
        "################################################################\n"
        "# abuse.ch URLhaus Database Dump (CSV - online URLs only)      #\n"
        "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
        '"1","2025-04-21 12:35:06","http://117.209.87.242:60905/bin.sh","online","x",'
        '"malware_download","Mozi","https://urlhaus.abuse.ch/url/1/","r"\n'
        '"2","2025-04-21"\n'
        '"3","2025-04-21","http://","online"\n'
        '"4","2025-04-21","HTTP://Evil.TOP/a/../b/c.exe?x=1#frag","online"\n'
    )
    entries, rejected = parsed("urlhaus", text)
    assert entries == [
        ("expression", "117.209.87.242/bin.sh", 4),
        ("expression", "evil.top/b/c.exe?x=1", 7),
    ]
    assert rejected == [(5, "malformed_row"), (6, "not_a_url")]


def test_phishtank_finds_the_url_column_by_header() -> None:
    text = (
        "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target\n"
        '7019669,"https://www.viptbslook.tonohost.com/a,b",http://x,2021,yes,2021,yes,Other\n'
        "broken\n"
    )
    entries, rejected = parsed("phishtank", text)
    assert entries == [("expression", "www.viptbslook.tonohost.com/a,b", 2)]
    assert rejected == [(3, "malformed_row")]


def test_openphish_plain_urls() -> None:
    entries, rejected = parsed("openphish", "\ufeffhttps://api.msuto.com/\n\n# c\nexa mple\n")
    assert entries == [("expression", "api.msuto.com/", 1)]
    assert rejected == [(4, "not_a_url")]


def test_hosts_file() -> None:
    text = (
        "127.0.0.1 localhost\n"
        "0.0.0.0 ads.evil.top tracker.evil.top # two names\n"
        "::1 ip6-localhost\n"
        "evil.top\n"
        "0.0.0.0 bad_name!\n"
    )
    entries, rejected = parsed("hosts", text)
    assert entries == [("domain", "ads.evil.top", 2), ("domain", "tracker.evil.top", 2)]
    assert rejected == [
        (1, "local_name"),
        (3, "local_name"),
        (4, "malformed_row"),
        (5, "not_a_domain"),
    ]


def test_domains_list() -> None:
    text = "*.Evil.Top.\n.phish.example # note\n例子.中国\nnot a domain\nsingle\n"
    entries, rejected = parsed("domains", text)
    assert entries == [
        ("domain", "evil.top", 1),
        ("domain", "phish.example", 2),
        ("domain", "xn--fsqu00a.xn--fiqs8s", 3),
    ]
    assert rejected == [(4, "malformed_row"), (5, "not_a_domain")]


def test_adblock_domain_rules_only() -> None:
    text = (
        "[Adblock Plus 2.0]\n! comment\n||evil.top^\n||bad.example^$document\n"
        "||ads.example^$third-party\n@@||good.example^\n##.banner\n||x.example/path^\n"
    )
    entries, rejected = parsed("adblock", text)
    assert entries == [("domain", "evil.top", 3), ("domain", "bad.example", 4)]
    assert [r for _, r in rejected] == ["unsupported_rule"] * 4


def test_sha256() -> None:
    good = "A" * 64
    entries, rejected = parsed("sha256", f"{good}\nabc\n")
    assert entries == [("full_hash", "a" * 64, 1)]
    assert rejected == [(2, "not_a_hash")]


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown feed format"):
        parse_feed("csv", [])


@pytest.mark.parametrize(
    ("url", "expression"),
    [
        ("http://evil.top/phish/x.html", "evil.top/phish/x.html"),
        ("https://EVIL.top:8443/", "evil.top/"),
        ("evil.top/a?b=c#d", "evil.top/a?b=c"),
        ("http://user:pw@evil.top/%2e%2e/x", "evil.top/x"),
        (
            "https://docs.google.com/forms/d/e/1FAI/viewform",
            "docs.google.com/forms/d/e/1FAI/viewform",
        ),
    ],
)
def test_url_expression(url: str, expression: str) -> None:
    assert url_expression(url) == expression


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=8))
def test_parsers_never_raise(lines: list[str]) -> None:
    for format in FORMATS:
        for item in parse_feed(format, lines):
            assert isinstance(item, FeedEntry | Rejected)
            assert 1 <= item.line <= len(lines)
