"""ThreatLists matching: host suffixes, Safe Browsing expressions, full hashes, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from hashlib import sha256

import pytest

from linkgate.facts import Inspector
from linkgate.lists.threats import ListEntry, ThreatLists

NOW = datetime(2025, 5, 1, tzinfo=UTC)
MALWARE = ListEntry("urlhaus", "malware")
PHISHING = ListEntry("phishtank", "phishing")
EXPIRED = ListEntry("old", "fraud", NOW - timedelta(days=1))

inspector = Inspector.default()


def match(lists: ThreatLists, url: str) -> ListEntry | None:
    facts = inspector.inspect(url)
    return lists.match(host=facts.host, canonical=facts.canonical, at=NOW)


@pytest.mark.parametrize(
    ("url", "listed"),
    [
        ("http://evil.top/phish/x.html", True),
        ("https://evil.top/phish/x.html?utm=1", True),
        ("http://a.b.evil.top/phish/x.html", True),
        ("http://evil.top/phish/x.html/", False),
        ("http://evil.top/phish/y.html", False),
        ("http://evil.top/phish/", False),
        ("http://evil.top/", False),
        ("http://notevil.top/phish/x.html", False),
    ],
)
def test_a_url_entry_covers_what_safe_browsing_says(url: str, listed: bool) -> None:
    lists = ThreatLists()
    lists.add_expression("evil.top/phish/x.html", PHISHING)
    assert (match(lists, url) is not None) is listed


def test_a_path_prefix_and_a_host_root() -> None:
    lists = ThreatLists()
    lists.add_expression("evil.top/kit/", PHISHING)
    lists.add_expression("bad.example/", MALWARE)
    assert match(lists, "http://evil.top/kit/a/b.php") is PHISHING
    assert match(lists, "http://evil.top/other") is None
    assert match(lists, "http://x.bad.example/anything?q") is MALWARE


def test_domains_cover_subdomains_on_label_boundaries() -> None:
    lists = ThreatLists()
    lists.add_domain("Evil.Top.", MALWARE)
    assert match(lists, "https://evil.top/") is MALWARE
    assert match(lists, "https://a.b.evil.top/x") is MALWARE
    assert match(lists, "https://notevil.top/") is None
    assert match(lists, "https://evil.top.example/") is None
    assert lists.counts == {"domain": 1, "expression": 0, "full_hash": 0}


def test_most_specific_active_entry_wins_and_expired_ones_do_not_count() -> None:
    lists = ThreatLists()
    lists.add_domain("evil.top", MALWARE)
    lists.add_domain("a.evil.top", EXPIRED)
    assert match(lists, "http://a.evil.top/") is MALWARE
    lists.add_domain("a.evil.top", PHISHING)
    assert match(lists, "http://a.evil.top/") is PHISHING
    only_expired = ThreatLists()
    only_expired.add_expression("x.example/", EXPIRED)
    assert match(only_expired, "http://x.example/") is None


def test_a_host_can_be_a_domain_and_carry_expressions() -> None:
    lists = ThreatLists()
    lists.add_expression("evil.top/a", PHISHING)
    lists.add_domain("evil.top", EXPIRED)
    assert match(lists, "http://evil.top/a") is PHISHING
    assert match(lists, "http://evil.top/b") is None
    assert len(lists) == 2


def test_full_hashes() -> None:
    lists = ThreatLists()
    lists.add_full_hash(sha256(b"evil.top/phish/").digest(), PHISHING)
    assert match(lists, "http://www.evil.top/phish/x.html") is PHISHING
    assert match(lists, "http://evil.top/other") is None
    with pytest.raises(ValueError):
        lists.add_full_hash(b"short", PHISHING)


def test_bad_entries_are_refused() -> None:
    lists = ThreatLists()
    for bad in ("", "a..b", "*"):
        with pytest.raises(ValueError):
            lists.add_domain(bad, MALWARE)
    with pytest.raises(ValueError):
        lists.add_expression("no-slash", MALWARE)
    with pytest.raises(ValueError):
        lists.add_entries("url", ["x"], MALWARE)


def test_matches_the_safe_browsing_reference_on_a_corpus() -> None:
    import random

    from bench.corpus import generate
    from linkgate.urls.canonical import expressions

    rnd = random.Random(7)
    facts = [inspector.inspect(u) for u in generate(3000)]
    listed: set[str] = set()
    lists = ThreatLists()
    for f in facts[::7]:
        if f.canonical is not None and f.host:
            expression = rnd.choice(expressions(f.canonical))
            listed.add(expression)
            lists.add_expression(expression, PHISHING)
    hits = 0
    for f in facts:
        exprs = set(expressions(f.canonical)) if f.canonical and f.host else set()
        expected = bool(exprs & listed)
        assert (lists.match(host=f.host, canonical=f.canonical, at=NOW) is not None) is expected
        hits += expected
    assert hits >= len(listed)


def test_an_entry_added_after_a_match_is_seen_by_the_next_match() -> None:
    """Walks are kept per host; adding a domain or an expression forgets them."""
    lists = ThreatLists()
    lists.add_domain("other.top", MALWARE)
    assert match(lists, "https://a.evil.top/kit/x") is None
    lists.add_domain("evil.top", PHISHING)
    assert match(lists, "https://a.evil.top/kit/x") is PHISHING
    assert match(lists, "https://b.bad.top/kit/x") is None
    lists.add_expression("bad.top/kit/", MALWARE)
    assert match(lists, "https://b.bad.top/kit/x") is MALWARE


def test_kept_walks_start_afresh_when_full_and_still_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import linkgate.lists.threats as threats

    monkeypatch.setattr(threats, "HOST_MEMO_SIZE", 4)
    lists = ThreatLists()
    lists.add_domain("evil.top", MALWARE)
    lists.add_domain("expired.top", EXPIRED)
    for i in range(20):
        assert match(lists, f"https://h{i}.example/") is None
        assert match(lists, f"https://h{i}.evil.top/") is MALWARE
        assert match(lists, f"https://h{i}.expired.top/") is None
        assert len(lists._walks) <= 4


def test_empty_lists_match_nothing_without_a_walk() -> None:
    lists = ThreatLists()
    assert match(lists, "https://evil.top/phish/x.html") is None
    assert not lists._walks
    lists.add_full_hash(sha256(b"evil.top/phish/x.html").digest(), PHISHING)
    assert match(lists, "https://evil.top/phish/x.html") is PHISHING
