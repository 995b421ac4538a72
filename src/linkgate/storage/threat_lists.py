"""Imported threat lists and their entries; the snapshot loads them all.

An import writes the list row and its entries in one transaction; a list
imported under a name that exists replaces the old one in that same
transaction, so readers see the old list or the new one, never a mix.
Entries go in bulk: ``COPY`` on PostgreSQL, ``executemany`` of prepared
rows on SQLite.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine, RowMapping

from linkgate.lists.threats import ListEntry, ThreatLists
from linkgate.storage.engine import is_postgresql
from linkgate.storage.schema import ThreatListEntryRow, ThreatListRow
from linkgate.storage.transactions import write_transaction
from linkgate.storage.types import as_utc, utcnow

BATCH: Final = 10_000
_LOCK: Final = "threat_lists"
_COLUMNS = (
    ThreatListRow.id,
    ThreatListRow.name,
    ThreatListRow.source,
    ThreatListRow.format,
    ThreatListRow.category,
    ThreatListRow.imported_at,
    ThreatListRow.imported_by,
    ThreatListRow.expires_at,
    ThreatListRow.entry_count,
    ThreatListRow.rejected_count,
    ThreatListRow.report,
)


@dataclass(frozen=True, slots=True)
class ThreatListRecord:
    """A stored list: identity, provenance, category, expiry and counts."""

    id: int
    name: str
    source: str
    format: str
    category: str
    imported_at: datetime
    imported_by: str
    expires_at: datetime | None
    entry_count: int
    rejected_count: int
    report: dict[str, Any]

    def active(self, at: datetime) -> bool:
        return self.expires_at is None or at < self.expires_at


def _record(row: RowMapping) -> ThreatListRecord:
    return ThreatListRecord(**row)


def _copy_entries(connection: Connection, list_id: int, rows: Iterator[tuple[str, str]]) -> int:
    """``COPY`` the entries in (PostgreSQL); returns how many."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    count = 0
    with cursor.copy("COPY threat_list_entries (list_id, seq, kind, value) FROM STDIN") as copy:
        for kind, value in rows:
            count += 1
            copy.write_row((list_id, count, kind, value))
    cursor.close()
    return count


def _insert_entries(connection: Connection, list_id: int, rows: Iterator[tuple[str, str]]) -> int:
    """Insert the entries in batches of prepared rows (SQLite); returns how many."""
    sql = "INSERT INTO threat_list_entries (list_id, seq, kind, value) VALUES (?, ?, ?, ?)"
    count = 0
    batch: list[tuple[int, int, str, str]] = []
    for kind, value in rows:
        count += 1
        batch.append((list_id, count, kind, value))
        if len(batch) >= BATCH:
            connection.exec_driver_sql(sql, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(sql, batch)
    return count


def _delete(connection: Connection, name: str) -> bool:
    found = connection.execute(
        select(ThreatListRow.id).where(ThreatListRow.name == name)
    ).scalar_one_or_none()
    if found is None:
        return False
    connection.execute(delete(ThreatListEntryRow).where(ThreatListEntryRow.list_id == found))
    connection.execute(delete(ThreatListRow).where(ThreatListRow.id == found))
    return True


class ThreatListStore:
    """Threat lists by name; import, list, remove, load everything for a snapshot."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def import_list(
        self,
        *,
        name: str,
        source: str,
        format: str,
        category: str,
        entries: Iterable[tuple[str, str]],
        by: str,
        expires_at: datetime | None = None,
        report: Callable[[], Mapping[str, Any]] | None = None,
    ) -> ThreatListRecord:
        """Store a list of ``(kind, value)`` entries under ``name``, replacing one of that name.

        ``entries`` is consumed once, inside the transaction (a generator that
        parses a file as it goes is fine). ``report`` is called after the
        entries are consumed; its JSON result is stored with the list, and
        its ``rejected_total`` as the rejected count.
        """
        now = as_utc(self._clock())
        expires = as_utc(expires_at) if expires_at is not None else None
        with write_transaction(self._engine, _LOCK) as connection:
            _delete(connection, name)
            list_id = connection.execute(
                insert(ThreatListRow)
                .values(
                    name=name,
                    source=source,
                    format=format,
                    category=category,
                    imported_at=now,
                    imported_by=by,
                    expires_at=expires,
                    entry_count=0,
                    rejected_count=0,
                    report={},
                )
                .returning(ThreatListRow.id)
            ).scalar_one()
            rows = iter(entries)
            if is_postgresql(connection):
                count = _copy_entries(connection, list_id, rows)
            else:
                count = _insert_entries(connection, list_id, rows)
            summary = dict(report()) if report is not None else {}
            rejected = int(summary.get("rejected_total", 0))
            connection.execute(
                update(ThreatListRow)
                .where(ThreatListRow.id == list_id)
                .values(entry_count=count, rejected_count=rejected, report=summary)
            )
        return ThreatListRecord(
            id=list_id,
            name=name,
            source=source,
            format=format,
            category=category,
            imported_at=now,
            imported_by=by,
            expires_at=expires,
            entry_count=count,
            rejected_count=rejected,
            report=summary,
        )

    def list(self) -> builtins.list[ThreatListRecord]:
        """Every stored list, by name."""
        with self._engine.connect() as connection:
            rows = connection.execute(select(*_COLUMNS).order_by(ThreatListRow.name)).mappings()
            return [_record(row) for row in rows]

    def get(self, name: str) -> ThreatListRecord | None:
        with self._engine.connect() as connection:
            stmt = select(*_COLUMNS).where(ThreatListRow.name == name)
            row = connection.execute(stmt).mappings().first()
        return _record(row) if row is not None else None

    def remove(self, name: str) -> bool:
        """Delete the list ``name`` and its entries; False when there is none."""
        with write_transaction(self._engine, _LOCK) as connection:
            return _delete(connection, name)

    def version(self) -> tuple[tuple[int, datetime], ...]:
        """What changes whenever a list is imported, replaced or removed."""
        with self._engine.connect() as connection:
            stmt = select(ThreatListRow.id, ThreatListRow.imported_at).order_by(ThreatListRow.id)
            return tuple((int(i), at) for i, at in connection.execute(stmt))

    def count_entries(self) -> int:
        with self._engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count()).select_from(ThreatListEntryRow)
                ).scalar_one()
            )

    def entries(
        self, *, active_at: datetime | None = None
    ) -> Iterator[tuple[ThreatListRecord, str, str]]:
        """``(list, kind, value)`` for every entry (of lists active at ``active_at``), streamed."""
        lists = {r.id: r for r in self.list() if active_at is None or r.active(active_at)}
        if not lists:
            return
        with self._engine.connect() as connection:
            result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(
                select(
                    ThreatListEntryRow.list_id, ThreatListEntryRow.kind, ThreatListEntryRow.value
                )
                .where(ThreatListEntryRow.list_id.in_(builtins.list(lists)))
                .order_by(ThreatListEntryRow.list_id, ThreatListEntryRow.seq)
            )
            for list_id, kind, value in result:
                yield lists[list_id], kind, value

    def load(self) -> ThreatLists:
        """Every stored list in one matcher (expired lists too: matching checks expiry)."""
        threats = ThreatLists()
        tags: dict[int, ListEntry] = {}
        add = {
            "domain": threats.add_domain,
            "expression": threats.add_expression,
        }
        for record, kind, value in self.entries():
            tag = tags.get(record.id)
            if tag is None:
                tag = tags[record.id] = ListEntry(record.name, record.category, record.expires_at)
            adder = add.get(kind)
            if adder is not None:
                adder(value, tag)
            else:
                threats.add_full_hash(bytes.fromhex(value), tag)
        return threats
