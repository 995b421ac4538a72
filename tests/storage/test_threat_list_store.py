"""Threat lists in the store: bulk import, replace by name, remove, load for the snapshot."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from linkgate.storage.threat_lists import ThreatListStore
from tests.storage.conftest import FakeClock

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)


def test_import_list_and_load(engine: Engine, clock: FakeClock) -> None:
    store = ThreatListStore(engine, clock=clock)
    expires = clock.now + timedelta(days=7)
    record = store.import_list(
        name="feed",
        source="feed.txt",
        format="openphish",
        category="phishing",
        entries=[("expression", "evil.top/a"), ("domain", "bad.example"), ("full_hash", "ab" * 32)],
        by="ops",
        expires_at=expires,
        report=lambda: {"rejected_total": 2, "rejected": {"not_a_url": 2}},
    )
    assert (record.entry_count, record.rejected_count) == (3, 2)
    (stored,) = store.list()
    assert stored == record
    assert stored.expires_at == expires and stored.report["rejected"] == {"not_a_url": 2}
    lists = store.load()
    assert lists.counts == {"domain": 1, "expression": 1, "full_hash": 1}
    hit = lists.match(host="x.bad.example", canonical="http://x.bad.example/", at=clock.now)
    assert hit is not None and (hit.list_id, hit.category, hit.expires_at) == (
        "feed",
        "phishing",
        expires,
    )
    assert lists.match(host="x.bad.example", canonical=None, at=expires) is None


def test_reimport_replaces_and_changes_the_version(engine: Engine, clock: FakeClock) -> None:
    store = ThreatListStore(engine, clock=clock)
    store.import_list(
        name="a", source="a", format="domains", category="malware",
        entries=[("domain", "one.example")], by="ops",
    )  # fmt: skip
    before = store.version()
    store.import_list(
        name="a", source="a", format="domains", category="fraud",
        entries=[("domain", "two.example")], by="ops",
    )  # fmt: skip
    assert store.version() != before
    assert [(r.name, r.category, r.entry_count) for r in store.list()] == [("a", "fraud", 1)]
    assert [v for _, _, v in store.entries()] == ["two.example"]
    assert store.count_entries() == 1
    assert store.remove("a") and not store.remove("a")
    assert store.list() == [] and store.count_entries() == 0 and store.version() == ()


def test_entries_of_active_lists_only(engine: Engine, clock: FakeClock) -> None:
    store = ThreatListStore(engine, clock=clock)
    store.import_list(
        name="old", source="o", format="domains", category="malware",
        entries=[("domain", "old.example")], by="ops", expires_at=clock.now + timedelta(hours=1),
    )  # fmt: skip
    store.import_list(
        name="new", source="n", format="domains", category="malware",
        entries=[("domain", "new.example")], by="ops",
    )  # fmt: skip
    later = clock.now + timedelta(hours=2)
    assert [v for _, _, v in store.entries(active_at=later)] == ["new.example"]
    assert sorted(v for _, _, v in store.entries()) == ["new.example", "old.example"]


def test_a_failed_import_leaves_the_old_list(engine: Engine, clock: FakeClock) -> None:
    store = ThreatListStore(engine, clock=clock)
    store.import_list(
        name="a", source="a", format="domains", category="malware",
        entries=[("domain", "one.example")], by="ops",
    )  # fmt: skip

    def broken() -> object:
        yield ("domain", "two.example")
        raise OSError("disk went away")

    with pytest.raises(OSError):
        store.import_list(
            name="a", source="a", format="domains", category="malware",
            entries=broken(), by="ops",  # type: ignore[arg-type]
        )  # fmt: skip
    assert [v for _, _, v in store.entries()] == ["one.example"]


def test_bulk_import_of_100k_entries(engine: Engine, clock: FakeClock) -> None:
    store = ThreatListStore(engine, clock=clock)
    started = time.perf_counter()
    record = store.import_list(
        name="bulk", source="gen", format="domains", category="malware",
        entries=(("domain", f"d{i}.example") for i in range(100_000)), by="ops",
    )  # fmt: skip
    seconds = time.perf_counter() - started
    assert record.entry_count == 100_000 == store.count_entries()
    assert len(store.load()) == 100_000
    print(f"imported 100,000 entries into {engine.dialect.name} in {seconds:.2f} s")
