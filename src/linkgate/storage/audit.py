"""The audit log: an append-only hash chain of who did what to which object.

Each entry's ``hash`` is SHA-256 over the previous entry's hash followed by
the canonical JSON of the entry (seq, at, actor, action, target, data), so
editing, removing or reordering an entry breaks the chain at that point.
Appends are serialised (PostgreSQL: a row lock on ``audit_head``; SQLite:
``BEGIN IMMEDIATE``), so concurrent writers never fork the chain.

Removing the newest entries leaves a chain that is valid on its own. The
``audit_head`` row, updated in the same transaction as every append, keeps
the last seq and hash so :meth:`AuditLog.verify` reports such a truncation.
Someone able to rewrite the database can rewrite the head too: to make that
evident as well, copy :meth:`AuditLog.head` somewhere else from time to time
and compare.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Connection, Engine, RowMapping

from linkgate.storage.engine import is_postgresql
from linkgate.storage.schema import GENESIS_HASH, AuditHeadRow, AuditRow
from linkgate.storage.transactions import lock_key, write_transaction
from linkgate.storage.types import as_utc, utcnow

_LOCK: Final = "audit_log"
_HEAD_ID: Final = 1
PAGE_LIMIT: Final = 1000

_COLUMNS = (
    AuditRow.seq,
    AuditRow.at,
    AuditRow.actor,
    AuditRow.action,
    AuditRow.target,
    AuditRow.data,
    AuditRow.prev_hash,
    AuditRow.hash,
)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """A place where the log is not what was appended.

    ``kind`` is one of ``edited`` (the entry does not match its hash),
    ``removed`` (entries ``seq`` to ``through`` are missing), ``broken_link``
    (the entry does not follow the one before it), ``truncated`` (entries
    ``seq`` to ``through`` after the last one are missing) or
    ``head_mismatch`` (the recorded head disagrees with the last entry).
    """

    kind: str
    seq: int
    through: int
    detail: str


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, ASCII only, no NaN: one text for one JSON value."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def entry_hash(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    data: Mapping[str, Any],
) -> str:
    """The chain hash of one entry: SHA-256 of ``prev_hash`` + the entry's canonical JSON."""
    body = canonical_json(
        {
            "seq": seq,
            "at": as_utc(at).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "target": target,
            "data": data,
        }
    )
    return hashlib.sha256((prev_hash + body).encode("ascii")).hexdigest()


def _entry(row: RowMapping) -> AuditEntry:
    return AuditEntry(**row)


def _expected_hash(entry: AuditEntry) -> str:
    return entry_hash(
        entry.prev_hash,
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.target,
        entry.data,
    )


class AuditLog:
    """Appends to, pages through and verifies the audit chain."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def append(
        self, actor: str, action: str, target: str, data: Mapping[str, Any] | None = None
    ) -> AuditEntry:
        """Add one entry at the end of the chain and return it.

        ``data`` must be JSON data with string keys; it is stored (and
        hashed) in its JSON form.
        """
        with write_transaction(self._engine, _LOCK) as connection:
            return self.append_in(connection, actor, action, target, data)

    def append_in(
        self,
        connection: Connection,
        actor: str,
        action: str,
        target: str,
        data: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Append inside the caller's write transaction, so the change and its entry commit
        together or not at all (the caller's transaction must come from
        :func:`~linkgate.storage.transactions.write_transaction`)."""
        stored: dict[str, Any] = json.loads(canonical_json(dict(data or {})))
        if is_postgresql(connection):
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(_LOCK)})
        head = connection.execute(
            select(AuditHeadRow.seq, AuditHeadRow.hash)
            .where(AuditHeadRow.id == _HEAD_ID)
            .with_for_update()
        ).first()
        if head is None:
            last = connection.execute(
                select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
            ).first()
            last_seq, prev_hash = (last.seq, last.hash) if last else (0, GENESIS_HASH)
            connection.execute(
                insert(AuditHeadRow).values(id=_HEAD_ID, seq=last_seq, hash=prev_hash)
            )
        else:
            last_seq, prev_hash = head.seq, head.hash
        seq = last_seq + 1
        at = as_utc(self._clock())
        digest = entry_hash(prev_hash, seq, at, actor, action, target, stored)
        entry = AuditEntry(seq, at, actor, action, target, stored, prev_hash, digest)
        connection.execute(
            insert(AuditRow).values(
                seq=seq,
                at=at,
                actor=actor,
                action=action,
                target=target,
                data=stored,
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        connection.execute(
            update(AuditHeadRow).where(AuditHeadRow.id == _HEAD_ID).values(seq=seq, hash=digest)
        )
        return entry

    def page(self, after_seq: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Up to ``limit`` entries with ``seq > after_seq``, oldest first."""
        if not 1 <= limit <= PAGE_LIMIT:
            raise ValueError(f"limit must be between 1 and {PAGE_LIMIT}")
        stmt = select(*_COLUMNS).where(AuditRow.seq > after_seq).order_by(AuditRow.seq).limit(limit)
        with self._engine.connect() as connection:
            return [_entry(row) for row in connection.execute(stmt).mappings()]

    def head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last entry appended (``(0, GENESIS_HASH)`` when empty)."""
        stmt = select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == _HEAD_ID)
        with self._engine.connect() as connection:
            row = connection.execute(stmt).mappings().first()
        return (row.seq, row.hash) if row is not None else (0, GENESIS_HASH)

    def entries(self) -> Iterator[AuditEntry]:
        """Every entry, oldest first, read a page at a time."""
        after = 0
        while True:
            batch = self.page(after, PAGE_LIMIT)
            yield from batch
            if len(batch) < PAGE_LIMIT:
                return
            after = batch[-1].seq

    def verify(self) -> list[AuditProblem]:
        """Every problem found in the chain, in seq order; an empty list means intact."""
        problems: list[AuditProblem] = []
        last_seq, last_hash = 0, GENESIS_HASH
        for entry in self.entries():
            if entry.seq > last_seq + 1:
                missing = (last_seq + 1, entry.seq - 1)
                problems.append(
                    AuditProblem("removed", *missing, f"entries {_span(*missing)} are missing")
                )
            elif entry.prev_hash != last_hash:
                problems.append(
                    AuditProblem(
                        "broken_link",
                        entry.seq,
                        entry.seq,
                        f"entry {entry.seq} does not follow entry {last_seq}",
                    )
                )
            if _expected_hash(entry) != entry.hash:
                problems.append(
                    AuditProblem(
                        "edited", entry.seq, entry.seq, f"entry {entry.seq} does not match its hash"
                    )
                )
            last_seq, last_hash = entry.seq, entry.hash
        head_seq, head_hash = self.head()
        if head_seq > last_seq:
            missing = (last_seq + 1, head_seq)
            problems.append(
                AuditProblem(
                    "truncated", *missing, f"entries {_span(*missing)} after the last are missing"
                )
            )
        elif head_seq < last_seq or head_hash != last_hash:
            problems.append(
                AuditProblem(
                    "head_mismatch",
                    last_seq,
                    last_seq,
                    f"the recorded head is entry {head_seq}, the log ends at entry {last_seq}",
                )
            )
        return problems


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"
