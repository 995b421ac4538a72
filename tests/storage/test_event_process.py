"""The decision log written by a child process: stored alike, failures counted, no leftovers."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from linkgate.events import EventWriter
from linkgate.settings import Settings
from linkgate.storage.event_process import NICENESS, EventProcessError, ProcessSink
from linkgate.storage.events import RECORD_FIELDS, EventRecord, EventStore
from linkgate.storage.schema import DecisionEventRow

T0 = datetime(2025, 5, 1, tzinfo=UTC)


def record(n: int, **changes: Any) -> EventRecord:
    row: dict[str, Any] = {
        "decision_id": f"d{n:016x}",
        "decided_at": T0 + timedelta(seconds=n),
        "kind": "share",
        "link_kind": "commerce",
        "channel": "group_chat",
        "treatment": "copy_only",
        "interstitial": "copy_only",
        "policy_revision": "0123456789abcdef",
        "url": f"https://shop.example/item/{n}",
        "platform": "shoply",
        "domain": "shop.example",
        "reasons": ("tier_baseline", "group_setting"),
        "sender_hash": "a" * 24,
        "group_hash": "b" * 24,
    }
    row.update(changes)
    return tuple(row.get(name) for name in RECORD_FIELDS)


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _stored(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(DecisionEventRow.decision_id, DecisionEventRow.decided_at).order_by(
                    DecisionEventRow.id
                )
            ).all()
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that exited but was not waited for would still answer: the sink waits.
    return True


def _kill_the_child(sink: ProcessSink) -> int:
    """Write a batch, kill the child that wrote it, and see the next batch fail; its pid."""
    assert sink([record(1)]) == 1
    pid = sink.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    with pytest.raises(EventProcessError, match="failed"):
        while time.monotonic() < deadline:  # the pipe may take a write before it breaks
            sink([record(2)])
    return pid


def test_batches_are_stored_by_the_child_as_by_the_store(engine: Engine) -> None:
    sink = ProcessSink(_url(engine))
    try:
        assert sink.pid is None  # no child until there is something to write
        assert sink([record(n) for n in range(300)]) == 300
        assert sink([record(n) for n in range(300, 305)]) == 5
        assert sink.starts == 1 and sink.pid is not None
    finally:
        sink.close()
    stored = _stored(engine)
    assert [s.decision_id for s in stored] == [f"d{n:016x}" for n in range(305)]
    assert stored[7].decided_at == T0 + timedelta(seconds=7) and stored[7].decided_at.tzinfo is UTC
    # The daily share counts go in with the batch, as when the store writes it itself.
    day = T0.date()
    assert EventStore(engine).count_shares(T0, T0 + timedelta(days=1)) == 305
    assert day == T0.date()


def test_the_child_runs_below_the_servers_priority(engine: Engine) -> None:
    sink = ProcessSink(_url(engine))
    try:
        assert sink([record(1)]) == 1
        assert sink.pid is not None
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, sink.pid) == min(19, ours + NICENESS)
    finally:
        sink.close()


def test_a_batch_the_store_refuses_is_reported_and_the_child_goes_on(engine: Engine) -> None:
    sink = ProcessSink(_url(engine))
    try:
        with pytest.raises(EventProcessError, match="IntegrityError"):
            sink([record(1), record(2, kind=None)])  # NOT NULL: the whole batch is refused
        pid = sink.pid
        assert sink([record(3)]) == 1
        assert sink.pid == pid and sink.starts == 1
    finally:
        sink.close()
    assert [s.decision_id for s in _stored(engine)] == [f"d{3:016x}"]


def test_a_child_that_dies_fails_its_batch_and_a_new_one_takes_the_next(engine: Engine) -> None:
    sink = ProcessSink(_url(engine), retry_seconds=0)
    try:
        first = _kill_the_child(sink)
        assert sink.pid is None
        assert sink([record(3)]) == 1
        assert sink.starts == 2 and sink.pid not in (None, first)
    finally:
        sink.close()
    ids = [s.decision_id for s in _stored(engine)]
    assert ids[0] == f"d{1:016x}" and ids[-1] == f"d{3:016x}"


def test_a_child_that_does_not_answer_in_time_is_ended(engine: Engine) -> None:
    sink = ProcessSink(_url(engine), reply_seconds=0.5)
    try:
        assert sink([record(1)]) == 1
        pid = sink.pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)  # alive, but answering nothing
        with pytest.raises(EventProcessError, match="no answer in time"):
            sink([record(2)])
        assert sink.pid is None and not _alive(pid)
    finally:
        sink.close()


def test_closing_ends_the_child(engine: Engine) -> None:
    sink = ProcessSink(_url(engine))
    assert sink([record(1)]) == 1
    pid = sink.pid
    assert pid is not None
    sink.close()
    assert sink.pid is None and not _alive(pid)
    sink.close()  # twice is fine


def test_the_writer_counts_a_failed_batch_and_retries_a_malformed_one_row_by_row(
    engine: Engine,
) -> None:
    sink = ProcessSink(_url(engine))
    writer: EventWriter[EventRecord] = EventWriter(sink, flush_seconds=0.05)
    writer.start()
    try:
        for n in range(10):
            writer.put(record(n))
        writer.close()
        assert (writer.written, writer.failed, writer.dropped) == (10, 0, 0)
    finally:
        sink.close()
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(DecisionEventRow)).scalar_one()
    assert count == 10


def test_the_setting_is_checked() -> None:
    assert Settings().event_writer == "thread"
    assert Settings(event_writer="process").event_writer == "process"
    with pytest.raises(ValueError, match="LINKGATE_EVENT_WRITER"):
        Settings(event_writer="fork")


def test_from_env_reads_the_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKGATE_EVENT_WRITER", "process")
    assert Settings.from_env().event_writer == "process"
    monkeypatch.setenv("LINKGATE_EVENT_WRITER", "threads")
    with pytest.raises(ValueError, match="thread, process"):
        Settings.from_env()


def test_a_memory_database_keeps_the_writer_thread(tmp_path: Path) -> None:
    from linkgate.storage.engine import is_memory_database

    assert is_memory_database("sqlite://")
    assert is_memory_database("sqlite:///:memory:")
    assert is_memory_database("sqlite:///file:x?mode=memory&uri=true")
    assert not is_memory_database(f"sqlite:///{tmp_path / 'x.sqlite'}")
    assert not is_memory_database("postgresql+psycopg://postgres@127.0.0.1/test")


def test_while_no_child_can_be_had_the_fallback_stores_batches(engine: Engine) -> None:
    store = EventStore(engine)
    sink = ProcessSink(_url(engine), fallback=store.add_records, retry_seconds=1.0)
    try:
        first = _kill_the_child(sink)
        # Within the retry window no child is started: this process stores the batch.
        assert sink([record(3)]) == 1 and sink([record(4)]) == 1
        assert (sink.fallbacks, sink.starts, sink.pid) == (2, 1, None)
        time.sleep(1.1)
        assert sink([record(5)]) == 1
        assert sink.starts == 2 and sink.pid not in (None, first)
    finally:
        sink.close()
    ids = [s.decision_id for s in _stored(engine)]
    assert ids[0] == f"d{1:016x}" and ids[-3:] == [f"d{n:016x}" for n in (3, 4, 5)]


def test_a_child_that_cannot_start_leaves_the_batch_to_the_fallback() -> None:
    kept: list[list[EventRecord]] = []

    def fallback(records: Sequence[EventRecord]) -> int:
        kept.append(list(records))
        return len(records)

    sink = ProcessSink("nosuchdialect://somewhere/db", fallback=fallback)
    try:
        assert sink([record(1)]) == 1 and sink([record(2)]) == 1
        assert [r[0][0] for r in kept] == [f"d{1:016x}", f"d{2:016x}"]
        assert (sink.starts, sink.fallbacks, sink.pid) == (1, 2, None)  # one try per window
    finally:
        sink.close()


def test_a_store_the_child_cannot_open_fails_the_batch() -> None:
    sink = ProcessSink("nosuchdialect://somewhere/db")
    try:
        with pytest.raises(EventProcessError, match="could not start"):
            sink([record(1)])
        assert sink.pid is None
    finally:
        sink.close()


def test_a_stop_signal_to_the_group_leaves_the_child_to_its_input(engine: Engine) -> None:
    sink = ProcessSink(_url(engine))
    try:
        assert sink([record(1)]) == 1
        pid = sink.pid
        assert pid is not None
        os.kill(pid, signal.SIGTERM)
        os.kill(pid, signal.SIGINT)
        assert sink([record(2)]) == 1  # still there to take the server's last batches
        assert sink.pid == pid
    finally:
        sink.close()
    assert not _alive(pid)
