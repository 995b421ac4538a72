"""Decision events: one batch per transaction, counted over time windows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event as event_api
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from linkgate.storage.events import EventStore
from linkgate.storage.schema import DecisionEventRow

T0 = datetime(2025, 5, 1, tzinfo=UTC)


def event(n: int, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "decision_id": f"d{n:016x}",
        "decided_at": T0 + timedelta(minutes=n),
        "kind": "share",
        "url": f"https://shop.example/item/{n}",
        "platform": "shoply",
        "link_kind": "commerce",
        "channel": "group_chat",
        "treatment": "copy_only",
        "interstitial": "copy_only",
        "reasons": ["tier_baseline", "group_setting"],
        "category": None,
        "policy_revision": "0123456789abcdef",
        "sender_hash": "a" * 24,
        "viewer_hash": None,
        "group_hash": "b" * 24,
    }
    row.update(changes)
    return row


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(DecisionEventRow)).scalar_one())


def test_add_many_stores_a_batch(engine: Engine) -> None:
    store = EventStore(engine)
    assert store.add_many([]) == 0
    assert store.add_many([event(n) for n in range(3)]) == 3
    assert _count(engine) == 3
    with engine.connect() as conn:
        row = conn.execute(
            select(DecisionEventRow.decided_at, DecisionEventRow.reasons, DecisionEventRow.url)
            .order_by(DecisionEventRow.id)
            .limit(1)
        ).one()
    assert row.decided_at == T0 and row.decided_at.tzinfo is UTC
    assert row.reasons == ["tier_baseline", "group_setting"]
    assert row.url == "https://shop.example/item/0"


def test_optional_fields_may_be_left_out(engine: Engine) -> None:
    store = EventStore(engine)
    minimal = {
        key: value
        for key, value in event(1).items()
        if key not in ("url", "platform", "reasons", "category", "sender_hash", "group_hash")
    }
    store.add_many([minimal, event(2)])
    counts = EventStore(engine).count_by("platform", T0, T0 + timedelta(days=1))
    assert counts == {None: 1, "shoply": 1}


def test_a_bad_row_stores_nothing_from_its_batch(engine: Engine) -> None:
    store = EventStore(engine)
    bad_batches: list[list[dict[str, Any]]] = [
        [event(1), event(2, kind="click")],
        [event(1), event(2, colour="red")],
        [event(1), {k: v for k, v in event(2).items() if k != "channel"}],
        [event(1), event(2, decided_at=datetime(2025, 5, 1))],
        [event(1), event(2, decided_at="2025-05-01T00:00:00Z")],
        [event(1), event(2, reasons="tier_baseline")],
    ]
    for batch in bad_batches:
        with pytest.raises(ValueError, match="event 1"):
            store.add_many(batch)
    assert _count(engine) == 0


def test_batch_is_one_transaction(engine: Engine) -> None:
    calls: dict[str, int] = {"begin": 0, "commit": 0, "rollback": 0}

    def counter(name: str) -> Callable[..., None]:
        def count(*args: Any) -> None:
            calls[name] += 1

        return count

    listeners = {name: counter(name) for name in calls}
    for name, listener in listeners.items():
        event_api.listen(engine, name, listener)
    try:
        EventStore(engine).add_many([event(n) for n in range(2500)])
    finally:
        for name, listener in listeners.items():
            event_api.remove(engine, name, listener)
    assert calls == {"begin": 1, "commit": 1, "rollback": 0}
    assert _count(engine) == 2500


def test_count_by_field_in_a_window(engine: Engine) -> None:
    store = EventStore(engine)
    rows = [
        event(0, channel="private_chat"),
        event(1, channel="group_chat"),
        event(2, channel="group_chat", kind="open"),
        event(3, channel="moments", platform="other"),
        event(4, channel="moments", platform=None),
        event(10, channel="qr_scan"),
    ]
    store.add_many(rows)
    since, until = T0, T0 + timedelta(minutes=10)  # until is exclusive: event 10 is out
    assert store.count_by("channel", since, until) == {
        "private_chat": 1,
        "group_chat": 2,
        "moments": 2,
    }
    assert store.count_by("channel", since, until, platform="shoply") == {
        "private_chat": 1,
        "group_chat": 2,
    }
    assert store.count_by("kind", since, until) == {"share": 4, "open": 1}
    assert store.count_by("channel", since, until, kind="open") == {"group_chat": 1}
    assert store.count_by("platform", since, until) == {"shoply": 3, "other": 1, None: 1}
    assert store.count_by("channel", T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)) == {
        "group_chat": 1
    }
    assert store.count_by("channel", T0 - timedelta(days=1), T0) == {}


def test_window_bounds_may_be_in_any_time_zone(engine: Engine) -> None:
    store = EventStore(engine)
    store.add_many([event(0), event(30)])
    tokyo = timezone(timedelta(hours=9))
    since = datetime(2025, 5, 1, 9, 0, tzinfo=tokyo)  # == T0
    until = datetime(2025, 5, 1, 9, 30, tzinfo=tokyo)  # == T0 + 30 min, exclusive
    assert store.count_by("kind", since, until) == {"share": 1}


def test_count_by_refuses_other_fields(engine: Engine) -> None:
    store = EventStore(engine)
    for field in ("url", "sender_hash", "id; DROP TABLE decision_events", ""):
        with pytest.raises(ValueError):
            store.count_by(field, T0, T0 + timedelta(days=1))


def test_large_batch(engine: Engine) -> None:
    store = EventStore(engine)
    assert store.add_many([event(n % 500, decision_id=f"d{n}") for n in range(3000)]) == 3000
    assert store.count_by("treatment", T0, T0 + timedelta(days=1)) == {"copy_only": 3000}


def test_count_by_bucket_puts_each_event_in_its_bucket(engine: Engine) -> None:
    store = EventStore(engine)
    start = datetime(2025, 3, 1, tzinfo=UTC)
    edges = [start + timedelta(hours=h) for h in range(4)]

    def event(minutes: int, treatment: str, kind: str = "share") -> dict[str, object]:
        return {
            "decision_id": f"d{minutes}{treatment}",
            "decided_at": start + timedelta(minutes=minutes),
            "kind": kind,
            "link_kind": "commerce",
            "channel": "private_chat",
            "treatment": treatment,
            "interstitial": "none",
            "policy_revision": "r1",
        }

    store.add_many(
        [
            event(-1, "blocked"),  # before the first edge
            event(0, "blocked"),
            event(59, "blocked"),
            event(60, "plain_page"),
            event(61, "blocked", "open"),
            event(179, "copy_only"),
            event(180, "blocked"),  # at the last edge: outside
        ]
    )
    assert store.count_by_bucket("treatment", edges) == {
        (0, "blocked"): 2,
        (1, "plain_page"): 1,
        (1, "blocked"): 1,
        (2, "copy_only"): 1,
    }
    assert store.count_by_bucket("treatment", edges, kind="open") == {(1, "blocked"): 1}
    assert store.count_by_bucket("kind", edges[1:3]) == {(0, "share"): 1, (0, "open"): 1}
    with pytest.raises(ValueError):
        store.count_by_bucket("treatment", [start])
    with pytest.raises(ValueError):
        store.count_by_bucket("treatment", [start, start])
    with pytest.raises(ValueError):
        store.count_by_bucket("url", edges)


def test_every_event_kind_is_stored_and_shares_are_counted(engine: Engine) -> None:
    store = EventStore(engine)
    kinds = ["share", "open", "continue", "preview", "share"]
    store.add_many([event(i, kind=k, domain="shop.example") for i, k in enumerate(kinds)])
    assert store.count_by("kind", T0, T0 + timedelta(days=1)) == {
        "share": 2,
        "open": 1,
        "continue": 1,
        "preview": 1,
    }
    from linkgate.storage.credit import CreditStore

    shares = CreditStore(engine).shares(platform="shoply")
    assert shares.total == 2


def test_the_writer_keeps_a_batch_when_one_event_is_malformed(engine: Engine) -> None:
    from linkgate.events import EventWriter

    store = EventStore(engine)
    writer = EventWriter(store.add_many, flush_seconds=0.05)
    writer.start()
    for i in range(5):
        writer.put(event(i))
    writer.put(event(99, kind="bogus"))
    writer.close()
    assert _count(engine) == 5
    assert writer.written == 5 and writer.failed == 1


def test_the_writer_writes_what_arrives_during_a_write_at_the_next_flush() -> None:
    import time

    from linkgate.events import EventWriter

    batches: list[list[int]] = []

    def slow_sink(rows: list[int]) -> int:
        time.sleep(0.01)  # a write takes a while: rows keep arriving meanwhile
        batches.append(rows)
        return len(rows)

    writer: EventWriter[int] = EventWriter(slow_sink, batch_size=10_000, flush_seconds=0.1)
    writer.start()
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < 0.5:  # a steady trickle, never a full batch
        writer.put(n)
        n += 1
        time.sleep(0.0005)
    elapsed = time.monotonic() - started
    writer.close()
    assert [row for batch in batches for row in batch] == list(range(n))  # all, in order
    # One batch a flush (and the last on closing), not one after another while rows trickle
    # in: drained back to back, the same trickle took a batch every 10 ms.
    assert len(batches) <= elapsed / 0.1 + 2, [len(b) for b in batches]


def test_a_full_batch_is_written_without_waiting_for_the_flush() -> None:
    import threading

    from linkgate.events import EventWriter

    written = threading.Event()
    batches: list[list[int]] = []

    def sink(rows: list[int]) -> int:
        batches.append(rows)
        if sum(map(len, batches)) >= 25:
            written.set()
        return len(rows)

    writer: EventWriter[int] = EventWriter(sink, batch_size=10, flush_seconds=60)
    writer.start()
    for n in range(25):
        writer.put(n)
    # Two full batches go at once, back to back; the five left wait for the flush (here,
    # the close).
    try:
        assert not written.wait(0.5)
        assert [len(b) for b in batches] == [10, 10]
    finally:
        writer.close()
    assert [len(b) for b in batches] == [10, 10, 5]


def test_a_batch_over_sqlites_parameter_limit_is_split_in_order(tmp_path: Any) -> None:
    import sqlite3

    from linkgate.storage.engine import make_engine
    from linkgate.storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'limit.sqlite'}"
    upgrade(url)
    engine = make_engine(url)

    @event_api.listens_for(engine, "connect")
    def _small_limit(dbapi_connection: Any, connection_record: Any) -> None:
        # Room for two rows' parameters per statement.
        dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 40)

    try:
        rows = [event(n, reasons=[f"r{n}"], viewer_hash=None if n % 2 else "v") for n in range(7)]
        assert EventStore(engine).add_many(rows) == 7
        with engine.connect() as conn:
            stored = conn.execute(
                select(
                    DecisionEventRow.decision_id,
                    DecisionEventRow.decided_at,
                    DecisionEventRow.reasons,
                    DecisionEventRow.viewer_hash,
                ).order_by(DecisionEventRow.id)
            ).all()
        assert [tuple(r) for r in stored] == [
            (f"d{n:016x}", T0 + timedelta(minutes=n), [f"r{n}"], None if n % 2 else "v")
            for n in range(7)
        ]
    finally:
        engine.dispose()


def test_a_decisions_record_is_its_row_and_is_stored_alike(engine: Engine) -> None:
    """The writer's records and the validated rows of ``add_many`` are one event in two
    shapes: stored through either, the table holds the same."""
    import gc

    from linkgate.events import Pseudonymizer, event_record
    from linkgate.gateway import Gateway
    from linkgate.storage.events import RECORD_FIELDS

    gateway = Gateway.default()
    pseudonym = Pseudonymizer(b"k")
    at = datetime(2021, 12, 1, 12, tzinfo=timezone(timedelta(hours=8)))
    links = [
        "https://item.taobao.com/item.htm?id=1",
        "https://ta0bao.com.evil.top/x",
        "javascript:1",
    ]
    decisions = [gateway.decide(u, channel="group_chat", at=at, sender="s") for u in links]
    records = [event_record(d, "share", pseudonym, sender="s", group="g") for d in decisions]
    rows = [dict(zip(RECORD_FIELDS, record, strict=True), kind="open") for record in records]
    assert all(r[1] == at and r[1].tzinfo is UTC and r[2] == "share" for r in records)
    # A queued backlog costs the collector's passes nothing: records stop being tracked
    # (a tuple is untracked once what it holds is; the reasons go first, so two passes).
    gc.collect()
    gc.collect()
    assert not any(gc.is_tracked(r) for r in records)

    store = EventStore(engine)
    assert store.add_records(records) == 3
    assert store.add_many(rows) == 3
    columns = [c for c in DecisionEventRow.__table__.c if c.name not in ("id", "kind")]
    with engine.connect() as conn:
        stored = conn.execute(
            select(DecisionEventRow.kind, *columns).order_by(DecisionEventRow.id)
        ).all()
    shared, opened = stored[:3], stored[3:]
    assert [s[0] for s in shared] == ["share"] * 3 and [o[0] for o in opened] == ["open"] * 3
    assert [s[1:] for s in shared] == [o[1:] for o in opened]
    assert [list(s.reasons) for s in shared] == [list(d.reasons) for d in decisions]
    assert store.count_by("treatment", at, at + timedelta(seconds=1), kind="share") == (
        store.count_by("treatment", at, at + timedelta(seconds=1), kind="open")
    )


def test_a_record_with_its_reasons_as_a_list_is_stored_too(engine: Engine) -> None:
    from linkgate.storage.events import RECORD_FIELDS

    row = event(1)
    listed = tuple(row.get(name) for name in RECORD_FIELDS)  # reasons as a list
    tupled = tuple(tuple(v) if isinstance(v, list) else v for v in listed)
    assert EventStore(engine).add_records([listed, tupled, listed]) == 3
    with engine.connect() as conn:
        reasons = conn.execute(select(DecisionEventRow.reasons)).scalars().all()
    assert reasons == [row["reasons"]] * 3
