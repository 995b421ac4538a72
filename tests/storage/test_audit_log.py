"""The audit chain: appends link up, tampering is found, concurrent writers never fork it."""

from __future__ import annotations

import hashlib
import itertools
import threading
from datetime import UTC, timedelta, timezone

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.engine import Engine

from linkgate.storage.audit import AuditEntry, AuditLog, AuditProblem, canonical_json, entry_hash
from linkgate.storage.schema import GENESIS_HASH, AuditHeadRow, AuditRow
from tests.storage.conftest import FakeClock


def _fill(log: AuditLog, count: int) -> list[AuditEntry]:
    return [log.append("ops", "policy.publish", f"rev{n}", {"n": n}) for n in range(1, count + 1)]


def _kinds(problems: list[AuditProblem]) -> list[tuple[str, int, int]]:
    return [(p.kind, p.seq, p.through) for p in problems]


def test_entries_chain_from_genesis(engine: Engine, clock: FakeClock) -> None:
    log = AuditLog(engine, clock=clock)
    assert log.verify() == []
    assert log.head() == (0, GENESIS_HASH)
    first = log.append("key:abc", "policy.add", "0123456789abcdef", {"name": "default"})
    clock.advance(seconds=1)
    second = log.append("key:abc", "policy.publish", "0123456789abcdef")
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert second.data == {}
    assert first.at == clock.now - timedelta(seconds=1) and first.at.tzinfo is UTC
    body = canonical_json(
        {
            "seq": 1,
            "at": "2025-03-01T12:00:00.123456+00:00",
            "actor": "key:abc",
            "action": "policy.add",
            "target": "0123456789abcdef",
            "data": {"name": "default"},
        }
    )
    assert first.hash == hashlib.sha256((GENESIS_HASH + body).encode()).hexdigest()
    assert log.page() == [first, second]
    assert log.head() == (2, second.hash)
    assert log.verify() == []


def test_data_is_stored_as_json(engine: Engine) -> None:
    log = AuditLog(engine)
    entry = log.append(
        "ops", "platform.put", "shoply", {"b": (1, 2.5), "a": {"z": None, "y": "群"}, "c": True}
    )
    assert entry.data == {"a": {"y": "群", "z": None}, "b": [1, 2.5], "c": True}
    assert log.page() == [entry]
    with pytest.raises(ValueError):
        log.append("ops", "x", "y", {"bad": float("nan")})
    assert log.verify() == []


def test_entry_hash_depends_on_every_field(clock: FakeClock) -> None:
    base = ("0" * 64, 1, clock.now, "actor", "action", "target", {"k": "v"})
    reference = entry_hash(*base)
    shanghai = clock.now.astimezone(timezone(timedelta(hours=8)))
    assert entry_hash(base[0], 1, shanghai, *base[3:]) == reference
    variants = [
        ("1" * 64, *base[1:]),
        (base[0], 2, *base[2:]),
        (*base[:2], clock.now + timedelta(microseconds=1), *base[3:]),
        (*base[:3], "actor2", *base[4:]),
        (*base[:4], "action2", *base[5:]),
        (*base[:5], "target2", base[6]),
        (*base[:6], {"k": "w"}),
    ]
    for variant in variants:
        assert entry_hash(*variant) != reference


def test_page_walks_the_log(engine: Engine) -> None:
    log = AuditLog(engine)
    entries = _fill(log, 7)
    assert log.page(0, 3) == entries[:3]
    assert log.page(3, 3) == entries[3:6]
    assert log.page(6, 3) == entries[6:]
    assert log.page(7, 3) == []
    assert list(log.entries()) == entries
    for bad in (0, -1, 1001):
        with pytest.raises(ValueError):
            log.page(0, bad)


def test_verify_finds_an_edited_entry(engine: Engine) -> None:
    log = AuditLog(engine)
    _fill(log, 5)
    with engine.begin() as conn:
        conn.execute(update(AuditRow).where(AuditRow.seq == 3).values(actor="someone-else"))
    assert _kinds(log.verify()) == [("edited", 3, 3)]


def test_verify_finds_an_edited_entry_whose_hash_was_recomputed(engine: Engine) -> None:
    log = AuditLog(engine)
    entries = _fill(log, 5)
    forged = entries[2]
    new_hash = entry_hash(
        forged.prev_hash, forged.seq, forged.at, forged.actor, "policy.delete", forged.target, {}
    )
    with engine.begin() as conn:
        conn.execute(
            update(AuditRow)
            .where(AuditRow.seq == 3)
            .values(action="policy.delete", data={}, hash=new_hash)
        )
    assert _kinds(log.verify()) == [("broken_link", 4, 4)]


def test_verify_finds_a_removed_middle_entry(engine: Engine) -> None:
    log = AuditLog(engine)
    _fill(log, 6)
    with engine.begin() as conn:
        conn.execute(delete(AuditRow).where(AuditRow.seq.in_([3, 4])))
    problems = log.verify()
    assert _kinds(problems) == [("removed", 3, 4)]
    assert "3–4" in problems[0].detail


def test_verify_finds_a_removed_first_entry(engine: Engine) -> None:
    log = AuditLog(engine)
    _fill(log, 3)
    with engine.begin() as conn:
        conn.execute(delete(AuditRow).where(AuditRow.seq == 1))
    assert _kinds(log.verify()) == [("removed", 1, 1)]


def test_verify_finds_a_removed_and_renumbered_entry(engine: Engine) -> None:
    log = AuditLog(engine)
    _fill(log, 4)
    with engine.begin() as conn:
        conn.execute(delete(AuditRow).where(AuditRow.seq == 2))
        conn.execute(text("UPDATE audit_log SET seq = seq - 1 WHERE seq > 2"))
        conn.execute(update(AuditHeadRow).values(seq=3))
    kinds = {p.kind for p in log.verify()}
    assert "broken_link" in kinds and "edited" in kinds


def test_verify_finds_a_truncated_tail(engine: Engine) -> None:
    log = AuditLog(engine)
    _fill(log, 6)
    with engine.begin() as conn:
        conn.execute(delete(AuditRow).where(AuditRow.seq >= 5))
    problems = log.verify()
    assert _kinds(problems) == [("truncated", 5, 6)]
    # Appending goes on from the recorded head: the gap stays visible.
    after = log.append("ops", "policy.add", "r")
    assert after.seq == 7
    assert _kinds(log.verify()) == [("removed", 5, 6)]


def test_verify_finds_a_head_that_disagrees(engine: Engine) -> None:
    log = AuditLog(engine)
    _fill(log, 3)
    with engine.begin() as conn:
        conn.execute(update(AuditHeadRow).values(hash="f" * 64))
    assert _kinds(log.verify()) == [("head_mismatch", 3, 3)]


def test_everything_removed_is_found_through_the_head(engine: Engine) -> None:
    log = AuditLog(engine)
    _fill(log, 2)
    with engine.begin() as conn:
        conn.execute(delete(AuditRow))
    assert _kinds(log.verify()) == [("truncated", 1, 2)]


def test_append_recreates_a_missing_head_from_the_last_entry(engine: Engine) -> None:
    log = AuditLog(engine)
    entries = _fill(log, 2)
    with engine.begin() as conn:
        conn.execute(delete(AuditHeadRow))
    third = log.append("ops", "x", "y")
    assert third.seq == 3 and third.prev_hash == entries[-1].hash
    assert log.verify() == []


def test_concurrent_appends_keep_one_chain(engine: Engine) -> None:
    log = AuditLog(engine)
    threads_count, per_thread = 8, 15
    start = threading.Barrier(threads_count)
    seqs: list[list[int]] = [[] for _ in range(threads_count)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            start.wait(timeout=30)
            for n in range(per_thread):
                entry = log.append(f"worker-{index}", "test.append", f"{index}/{n}", {"n": n})
                seqs[index].append(entry.seq)
        except BaseException as exc:  # collected and reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    total = threads_count * per_thread
    all_seqs = sorted(s for chunk in seqs for s in chunk)
    assert all_seqs == list(range(1, total + 1))
    for chunk in seqs:
        assert chunk == sorted(chunk)
    entries = list(log.entries())
    assert len(entries) == total
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert log.verify() == []
    assert log.head() == (total, entries[-1].hash)
