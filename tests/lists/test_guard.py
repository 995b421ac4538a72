"""What a feed may list: no public suffix, no registered platform as a whole."""

from __future__ import annotations

import pytest

from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import Registry
from linkgate.lists.feeds import FeedEntry
from linkgate.lists.guard import EntryGuard
from linkgate.lists.importing import FeedImport


@pytest.fixture(scope="module")
def guard() -> EntryGuard:
    return EntryGuard(PublicSuffix.load(), ["google.com", "taobao.com", "m.tb.cn"])


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("domain", "com", "public_suffix"),
        ("domain", "github.io", "public_suffix"),
        ("domain", "evil.github.io", None),
        ("domain", "google.com", "platform_domain"),
        ("domain", "docs.google.com", "platform_domain"),
        ("domain", "tb.cn", "platform_domain"),
        ("domain", "google.com.evil.top", None),
        ("expression", "google.com/", "platform_domain"),
        ("expression", "docs.google.com/", "platform_domain"),
        ("expression", "docs.google.com/forms/d/e/1FAI/viewform", None),
        ("expression", "blogspot.com/", "public_suffix"),
        ("expression", "s3.us-east-2.amazonaws.com/landing/x.html", None),
        ("expression", "p01--x.code.run/", "public_suffix"),
        ("expression", "evil.top/", None),
        ("expression", "117.209.87.242/bin.sh", None),
        ("full_hash", "ab" * 32, None),
    ],
)
def test_rules(guard: EntryGuard, kind: str, value: str, reason: str | None) -> None:
    assert guard.check(FeedEntry(kind, value, 1)) == reason  # type: ignore[arg-type]


def test_a_forms_url_on_a_platform_lists_only_that_url(guard: EntryGuard) -> None:
    feed = FeedImport("openphish", guard)
    lines = [
        "https://docs.google.com/forms/d/e/1FAIpQL/viewform",
        "https://docs.google.com/",
        "https://item.taobao.com/",
        "https://docs.google.com/forms/d/e/1FAIpQL/viewform#again",
    ]
    entries = [(e.kind, e.value) for e in feed.entries(lines)]
    assert entries == [("expression", "docs.google.com/forms/d/e/1FAIpQL/viewform")]
    assert feed.report.rejected == {"platform_domain": 2}
    assert feed.report.duplicates == 1


def test_the_bundled_registry_protects_its_platforms() -> None:
    guard = EntryGuard.for_registry(Registry.default(), PublicSuffix.load())
    assert guard.check(FeedEntry("domain", "jd.com", 1)) == "platform_domain"
    assert guard.check(FeedEntry("expression", "item.jd.com/", 1)) == "platform_domain"
    assert guard.check(FeedEntry("expression", "item.jd.com/123.html", 1)) is None
