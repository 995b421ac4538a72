"""Policy revisions: add (idempotent), history, publish, live."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy.engine import Engine

from linkgate.storage.policies import PolicyStore
from tests.storage.conftest import FakeClock

YAML = "version: 1\nname: default\npreset: compromise\n"


def test_add_and_get(engine: Engine, clock: FakeClock) -> None:
    store = PolicyStore(engine, clock=clock)
    added = store.add("0123456789abcdef", "default", YAML, "compromise", "alice")
    assert added.revision == "0123456789abcdef"
    assert (added.name, added.content, added.preset, added.author) == (
        "default",
        YAML,
        "compromise",
        "alice",
    )
    assert added.created_at == clock.now
    assert added.created_at.tzinfo is UTC
    assert not added.published
    assert added.published_at is None and added.published_by is None
    assert store.get("0123456789abcdef") == added
    assert store.get("ffffffffffffffff") is None


def test_add_is_idempotent_on_revision(engine: Engine, clock: FakeClock) -> None:
    store = PolicyStore(engine, clock=clock)
    first = store.add("r1", "default", YAML, "compromise", "alice")
    clock.advance(minutes=5)
    again = store.add("r1", "renamed", "other: yaml\n", "open", "bob")
    assert again == first
    assert [r.revision for r in store.history()] == ["r1"]


def test_revision_length_is_checked(engine: Engine) -> None:
    store = PolicyStore(engine)
    with pytest.raises(ValueError):
        store.add("", "default", YAML, "open", "alice")
    with pytest.raises(ValueError):
        store.add("0123456789abcdef0", "default", YAML, "open", "alice")
    assert store.history() == []


def test_history_is_newest_first_even_within_one_clock_tick(
    engine: Engine, clock: FakeClock
) -> None:
    store = PolicyStore(engine, clock=clock)
    store.add("a", "p", YAML, "open", "alice")
    clock.advance(seconds=1)
    store.add("c", "p", YAML, "open", "alice")
    store.add("b", "p", YAML, "open", "alice")  # same clock reading as "c"
    history = store.history()
    assert [r.revision for r in history] == ["b", "c", "a"]
    times = [r.created_at for r in history]
    assert times == sorted(times, reverse=True) and len(set(times)) == 3


def test_live_is_latest_published(engine: Engine, clock: FakeClock) -> None:
    store = PolicyStore(engine, clock=clock)
    assert store.live() is None and store.live_revision() is None
    store.add("r1", "p", YAML, "compromise", "alice")
    store.add("r2", "p", YAML + "# two\n", "compromise", "alice")
    assert store.live() is None and store.live_revision() is None

    clock.advance(minutes=1)
    published_at = store.publish("r1", "carol")
    assert published_at == clock.now
    live = store.live()
    assert live is not None
    assert (live.revision, live.published_by, live.published_at) == ("r1", "carol", published_at)
    assert store.live_revision() == "r1"

    clock.advance(minutes=1)
    store.publish("r2", "dave")
    live = store.live()
    assert live is not None and live.revision == "r2" == store.live_revision()

    clock.advance(minutes=1)
    store.publish("r1", "erin")  # roll back
    live = store.live()
    assert live is not None
    assert (live.revision, live.published_by) == ("r1", "erin")
    assert store.live_revision() == "r1"
    r2 = store.get("r2")
    assert r2 is not None and r2.published and r2.published_by == "dave"


def test_publications_in_the_same_tick_still_order(engine: Engine, clock: FakeClock) -> None:
    store = PolicyStore(engine, clock=clock)
    store.add("r1", "p", YAML, "open", "alice")
    store.add("r2", "p", YAML, "open", "alice")
    first = store.publish("r2", "ops")
    second = store.publish("r1", "ops")
    assert second > first
    live = store.live()
    assert live is not None and live.revision == "r1" == store.live_revision()


def test_publishing_an_unknown_revision_fails(engine: Engine) -> None:
    store = PolicyStore(engine)
    with pytest.raises(LookupError):
        store.publish("nope", "ops")
    assert store.live() is None
