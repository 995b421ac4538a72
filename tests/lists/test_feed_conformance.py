"""The sample feeds, imported into a real store, block every listed URL and nothing else.

Imports URLhaus, PhishTank and OpenPhish samples through the CLI into a SQLite
file and a PostgreSQL database, builds the server runtime's gateway from the
store, and checks: every parseable listed URL decides ``blocked`` with reason
``threat_list`` and its list's category; the lines that cannot be listed are
exactly those in ``feed_rejections.json``; 10,000 platform links decide
exactly as they do without the lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.corpus import PLATFORM, generate_labeled
from linkgate.cli.main import main
from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import Registry
from linkgate.gateway import Gateway
from linkgate.lists.feeds import Rejected
from linkgate.lists.guard import EntryGuard
from linkgate.lists.importing import FeedImport
from linkgate.runtime import Runtime
from linkgate.settings import Settings
from linkgate.urls.canonical import canonicalize_raw, expressions
from linkgate.vocabulary import CHANNELS
from tests.lists.conftest import FEEDS, TESTDATA, feed_lines, feed_urls

REJECTIONS = Path(__file__).with_name("feed_rejections.json")
AT = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
BENIGN_N = 10_000


def _runtime(url: str) -> Iterator[Runtime]:
    settings = Settings(
        database_url=url,
        secret_keys="k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY;active=k1",
        pseudonym_key="test",
    )
    runtime = Runtime(settings)
    try:
        yield runtime
    finally:
        runtime.close()


@pytest.fixture
def listed_runtime(database_url: str) -> Iterator[Runtime]:
    for name, format, category in FEEDS:
        main(
            [
                "lists",
                "import",
                str(TESTDATA / name),
                "--format",
                format,
                "--category",
                category,
                "--name",
                format,
                "--database",
                database_url,
            ]
        )
    yield from _runtime(database_url)


def benign_corpus() -> list[str]:
    samples = generate_labeled(17_000)
    urls = [s.url for s in samples if s.category == PLATFORM]
    assert len(urls) >= BENIGN_N
    return urls[:BENIGN_N]


def test_rejected_feed_lines_are_the_checked_in_ones() -> None:
    guard = EntryGuard.for_registry(Registry.default(), PublicSuffix.load())
    found = []
    for name, format, _ in FEEDS:
        for item in FeedImport(format, guard).results(feed_lines(name)):
            if isinstance(item, Rejected):
                found.append({"feed": name, "line": item.line, "reason": item.reason})
    expected = json.loads(REJECTIONS.read_text(encoding="utf-8"))
    assert found == [{k: e[k] for k in ("feed", "line", "reason")} for e in expected]
    assert len(found) == 1


def test_every_listed_url_is_blocked_with_its_category(listed_runtime: Runtime) -> None:
    rejected = {(e["feed"], e["line"]) for e in json.loads(REJECTIONS.read_text(encoding="utf-8"))}
    lists = listed_runtime.stores.threat_lists.list()
    assert {r.name: r.entry_count for r in lists} == {
        "urlhaus": 2887,
        "phishtank": 2826,
        "openphish": 3012,
    }
    # Which lists list each expression, to know every category a URL may rightly get.
    by_expression: dict[str, set[str]] = {}
    for record, kind, value in listed_runtime.stores.threat_lists.entries():
        assert kind == "expression"
        by_expression.setdefault(value, set()).add(record.category)
    gateway = listed_runtime.gateway
    blocked = 0
    for name, _, category in FEEDS:
        for line, url in feed_urls(name):
            if (name, line) in rejected:
                continue
            decision = gateway.decide(url, channel="private_chat", at=AT)
            canonical = canonicalize_raw(url)
            assert canonical is not None
            categories = {c for e in expressions(canonical) for c in by_expression.get(e, ())}
            assert category in categories, (name, line, url)
            assert decision.treatment == "blocked", (name, line, url, decision.reasons)
            assert "threat_list" in decision.reasons, (name, line, url, decision.reasons)
            assert decision.category in categories, (name, line, url, decision.category)
            if categories == {category}:
                assert decision.category == category
            blocked += 1
    assert blocked == 3000 + 3000 + 3013 - len(rejected)


def test_platform_links_decide_exactly_as_without_lists(listed_runtime: Runtime) -> None:
    with_lists = listed_runtime.gateway
    assert len(with_lists.snapshot.state.threats) == 2887 + 2826 + 3012
    without = Gateway(with_lists.snapshot.with_state(type(with_lists.snapshot.state)()))
    assert len(without.snapshot.state.threats) == 0
    for index, url in enumerate(benign_corpus()):
        channel = CHANNELS[index % len(CHANNELS)]
        a = with_lists.decide(url, channel=channel, at=AT)
        b = without.decide(url, channel=channel, at=AT)
        assert (a.treatment, a.capabilities, a.reasons, a.category, a.interstitial) == (
            b.treatment,
            b.capabilities,
            b.reasons,
            b.category,
            b.interstitial,
        ), url
