"""Records the link core caches are kept out of the cyclic garbage collector's passes."""

from __future__ import annotations

import gc
import weakref

import pytest

from linkgate import records
from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import Registry
from linkgate.facts import Inspector
from linkgate.records import untracked
from tests.services import compiled_or_skip


@pytest.fixture(autouse=True)
def compiled() -> None:
    compiled_or_skip(records.UNTRACKED, "linkgate._untracked")


class Record:
    """A container the collector tracks, which a weak reference can watch."""

    def __init__(self, *fields: object) -> None:
        self.fields = fields


def test_an_untracked_record_is_the_same_object_and_is_still_freed_by_its_count() -> None:
    record = Record("a", 1)
    assert gc.is_tracked(record)
    assert untracked(record) is record
    assert not gc.is_tracked(record)
    assert record.fields == ("a", 1)
    watch = weakref.ref(record)
    del record
    assert watch() is None  # freed by reference counting, no collection needed


def test_objects_the_collector_never_tracks_are_returned_as_they_are() -> None:
    for value in ("text", 7, None, b"x"):
        assert untracked(value) is value
        assert not gc.is_tracked(value)


def test_what_an_untracked_record_holds_is_freed_with_it() -> None:
    inner = Record()
    watch = weakref.ref(inner)
    outer = untracked(Record(inner))
    del inner
    assert watch() is not None
    del outer
    assert watch() is None


def test_inspecting_new_links_leaves_nothing_for_the_collector() -> None:
    inspector = Inspector(Registry.default(), PublicSuffix.load(), cache_size=4096)
    # Every kind of record a new link or host caches: a platform link with a mini-program
    # page, a long-tail host, a deceptive host with signals, an IP host, an invalid link.
    links = [
        *(f"https://item.jd.com/{i}.html" for i in range(300)),
        *(f"https://shop{i}.example-{i}.top/p/{i}" for i in range(300)),
        *(f"https://www.taobao.com.evil{i}.top/login" for i in range(100)),
        *(f"http://10.0.{i // 256}.{i % 256}/x" for i in range(100)),
        *(f"http://[{i}" for i in range(100)),
    ]
    inspector.inspect("https://warm.example.com/")  # lazily loaded tables, compiled patterns
    gc.collect()
    before = len(gc.get_objects())
    facts = [inspector.inspect(link) for link in links]
    gc.collect()
    grown = len(gc.get_objects()) - before
    # The cached facts, their parses and host records are all untracked; what is left is a
    # handful of module-level memos that fill once, not an object per link.
    assert grown < len(links) // 10, grown
    assert not any(gc.is_tracked(f) for f in facts)
    assert not any(gc.is_tracked(f.parsed) for f in facts if f.parsed is not None)
    assert all(f.mini_program is not None for f in facts[:300])
    assert all(f.signals for f in facts[600:800])
    assert not any(f.valid for f in facts[800:])
