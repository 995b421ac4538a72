"""Decision events: written in batches, counted by field over a time window.

Each batch also adds its shares to the daily per-platform, per-domain share
counts (in the same transaction), which credit scores divide complaints by.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from itertools import chain, pairwise
from operator import itemgetter
from typing import Any, Final, TypeVar, cast

from sqlalchemy import Table, case, func, insert, select
from sqlalchemy.engine import Connection, Dialect, Engine

from linkgate.storage.schema import DecisionEventRow, ShareCountRow
from linkgate.storage.transactions import insert_for, write_transaction
from linkgate.storage.types import as_utc

#: ``share``: decided when shared; ``open``: a click on the shim; ``continue``: past the
#: interstitial; ``preview``: a link-preview fetcher read the shim (never an open).
EVENT_KINDS: Final = frozenset({"share", "open", "continue", "preview"})

#: Fields every event carries.
REQUIRED_FIELDS: Final = (
    "decision_id",
    "decided_at",
    "kind",
    "link_kind",
    "channel",
    "treatment",
    "interstitial",
    "policy_revision",
)
#: Fields an event may leave out (stored as NULL; ``reasons`` as an empty list).
OPTIONAL_FIELDS: Final = (
    "url",
    "input",
    "title",
    "platform",
    "domain",
    "reasons",
    "category",
    "sender_hash",
    "viewer_hash",
    "group_hash",
)
#: Fields :meth:`EventStore.count_by` can group by.
COUNT_FIELDS: Final = (
    "kind",
    "platform",
    "domain",
    "link_kind",
    "channel",
    "treatment",
    "interstitial",
    "category",
    "policy_revision",
)
_KNOWN: Final = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS)
#: The fields of an event record, in order (see :meth:`EventStore.add_records`).
RECORD_FIELDS: Final = REQUIRED_FIELDS + OPTIONAL_FIELDS
_KIND, _DECIDED_AT, _PLATFORM, _DOMAIN, _REASONS = (
    RECORD_FIELDS.index(name) for name in ("kind", "decided_at", "platform", "domain", "reasons")
)

EventRecord = tuple[Any, ...]
"""One event as a plain tuple of :data:`RECORD_FIELDS`: strings, None, ``decided_at`` an
aware UTC datetime and ``reasons`` a tuple of strings. Nothing in it is a container the
garbage collector tracks (after its first pass, the tuple itself neither), so a backlog
of them in the writer's queue costs the collector's passes, which stop every request,
next to nothing; as dicts, a backlog of 60,000 made each full pass last about 100 ms."""
#: What :meth:`EventStore.shares` reads of each share: what a replay needs.
SHARE_COLUMNS: Final = (
    "decision_id",
    "decided_at",
    "url",
    "input",
    "title",
    "channel",
    "treatment",
    "interstitial",
    "platform",
    "policy_revision",
    "sender_hash",
    "group_hash",
)


T = TypeVar("T")

#: Events prepared (or inserted, on SQLite) between two hand-overs of the interpreter lock.
YIELD_EVERY: Final = 32


def _handing_over(items: Sequence[T]) -> Iterator[T]:
    """``items``, letting another thread take the interpreter lock every
    :data:`YIELD_EVERY` of them if one waits for it.

    Events are written by a thread of the serving process. Preparing a batch is
    Python work that holds the interpreter lock; in one stretch, a batch of
    hundreds of events would hold it for milliseconds, and every request
    arriving meanwhile would wait (the interpreter takes the lock back from a
    running thread only after its switch interval, 5 ms by default). Handing it
    over every :data:`YIELD_EVERY` events bounds that wait to a fraction of a
    millisecond; the writer, off the request path, waits instead.
    """
    for start in range(0, len(items), YIELD_EVERY):
        if start:
            time.sleep(0)
        yield from items[start : start + YIELD_EVERY]


def _event(index: int, row: Mapping[str, Any]) -> EventRecord:
    """One event as a record, or ValueError naming the row and the field."""
    if not _KNOWN.issuperset(row):
        unknown = sorted(set(row) - _KNOWN)
        raise ValueError(f"event {index}: unknown fields {', '.join(unknown)}")
    missing = [name for name in REQUIRED_FIELDS if row.get(name) is None]
    if missing:
        raise ValueError(f"event {index}: missing {', '.join(missing)}")
    if row["kind"] not in EVENT_KINDS:
        raise ValueError(
            f"event {index}: kind must be one of {', '.join(sorted(EVENT_KINDS))}, "
            f"not {row['kind']!r}"
        )
    decided_at = row["decided_at"]
    if not isinstance(decided_at, datetime) or decided_at.utcoffset() is None:
        raise ValueError(f"event {index}: decided_at must be a timezone-aware datetime")
    reasons = row.get("reasons") or ()
    if isinstance(reasons, str) or not all(isinstance(r, str) for r in reasons):
        raise ValueError(f"event {index}: reasons must be a list of strings")
    event = {name: row.get(name) for name in RECORD_FIELDS}
    event["decided_at"] = as_utc(decided_at)
    event["reasons"] = tuple(reasons)
    return tuple(event.values())


@dataclass(frozen=True, slots=True)
class _Insert:
    """The event ``INSERT`` compiled for one dialect, and how each record becomes its
    parameters: the column types' own bind conversions, as a Core insert applies them."""

    sql: str
    convert: tuple[tuple[int, Callable[[Any], Any]], ...]
    """(field index, conversion) for the fields whose column type converts them."""
    values: Callable[[list[Any]], Any]
    row: str | None = None
    """SQLite: the statement's ``VALUES`` group, repeated to insert many rows at once."""

    @classmethod
    def compile(cls, dialect: Dialect) -> _Insert:
        table = cast(Table, DecisionEventRow.__table__)
        compiled = insert(table).compile(dialect=dialect, column_keys=list(RECORD_FIELDS))
        convert = []
        for index, name in enumerate(RECORD_FIELDS):
            process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                convert.append((index, _memoised(process) if index == _REASONS else process))
        # Positional parameters in the statement's order; named ones by field name.
        values: Callable[[list[Any]], Any]
        if compiled.positional:
            order = [RECORD_FIELDS.index(name) for name in compiled.positiontup or ()]
            values = itemgetter(*order)
        else:
            values = partial(_named, RECORD_FIELDS)
        row = compiled.string.partition(" VALUES ")[2]
        multi = dialect.name == "sqlite" and compiled.positional and row.startswith("(")
        return cls(compiled.string, tuple(convert), values, row if multi else None)

    def parameters(self, records: Sequence[EventRecord]) -> list[Any]:
        out = []
        values = self.values
        convert = self.convert
        for record in _handing_over(records):
            fields = list(record)
            for index, process in convert:
                fields[index] = process(fields[index])
            out.append(values(fields))
        return out

    def execute(self, connection: Connection, records: Sequence[EventRecord]) -> None:
        parameters = self.parameters(records)
        if self.row is None:
            connection.exec_driver_sql(self.sql, parameters)
            return
        # SQLite: many rows per statement. The driver lets go of the interpreter lock
        # for each step of a statement and needs it back to bind the next row's
        # values; while the request path holds it, each row of a batch would wait
        # for it. Here each statement binds all its rows, then steps once.
        limit = connection.connection.driver_connection.getlimit(  # type: ignore[union-attr]
            sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER
        )
        step = max(1, min(YIELD_EVERY, limit // len(parameters[0])))
        head = self.sql.partition(" VALUES ")[0]
        for start in range(0, len(parameters), step):
            chunk = parameters[start : start + step]
            sql = f"{head} VALUES {', '.join([self.row] * len(chunk))}"
            connection.exec_driver_sql(sql, tuple(chain.from_iterable(chunk)))


def _named(names: Sequence[str], fields: list[Any]) -> dict[str, Any]:
    return dict(zip(names, fields, strict=True))


def _memoised(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` with its answers kept by argument: reason lists repeat from event to event
    (a few dozen combinations), and converting one is a JSON encoding."""
    answers: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        try:
            found = answers.get(value, answers)
        except TypeError:  # not hashable (a list): converted every time
            return process(value)
        if found is answers:
            found = process(value)
            if len(answers) < 4096:
                answers[value] = found
        return found

    return run


class EventStore:
    """The decision log. Callers batch events; one batch is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._insert: _Insert | None = None

    def add_many(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Store a batch of events in one transaction (all or none); returns how many.

        Each row is checked first: a malformed one is a ValueError naming it and its
        field, and nothing is stored.
        """
        return self.add_records([_event(i, row) for i, row in enumerate(_handing_over(rows))])

    def add_records(self, records: Sequence[EventRecord]) -> int:
        """Store a batch of records (:data:`EventRecord`), as the service's event writer queues
        them (:func:`linkgate.events.event_record`), in one transaction."""
        if not records:
            return 0
        shares: Counter[tuple[date, str, str]] = Counter()
        for record in records:
            if record[_KIND] == "share":
                day = record[_DECIDED_AT].date()
                shares[(day, record[_PLATFORM] or "", record[_DOMAIN] or "")] += 1
        with write_transaction(self._engine) as connection:
            # The rows go to the driver as one batch of parameter sets for a statement
            # compiled once: per-row ORM work, or Core's own per-row parameter handling
            # (most of the writer's time, and the writer holds the interpreter lock the
            # request path needs), would cost more than the rows themselves.
            prepared = self._insert
            if prepared is None:
                prepared = self._insert = _Insert.compile(connection.dialect)
            prepared.execute(connection, records)
            if shares:
                stmt = insert_for(connection, ShareCountRow)
                upsert = stmt.on_conflict_do_update(
                    index_elements=["day", "platform", "domain"],
                    set_={"shares": ShareCountRow.shares + stmt.excluded.shares},
                )
                connection.execute(
                    upsert,
                    [
                        {"day": day, "platform": platform, "domain": domain, "shares": n}
                        for (day, platform, domain), n in sorted(shares.items())
                    ],
                )
        return len(records)

    def count_by(
        self,
        field: str,
        since: datetime,
        until: datetime,
        platform: str | None = None,
        *,
        kind: str | None = None,
    ) -> dict[str | None, int]:
        """Events with ``since <= decided_at < until``, counted by the value of ``field``.

        ``platform`` and ``kind`` narrow the events counted; a field's missing
        value counts under None.
        """
        if field not in COUNT_FIELDS:
            raise ValueError(f"cannot count by {field!r}; one of: {', '.join(COUNT_FIELDS)}")
        column = getattr(DecisionEventRow, field)
        stmt = (
            select(column, func.count())
            .where(
                DecisionEventRow.decided_at >= as_utc(since),
                DecisionEventRow.decided_at < as_utc(until),
            )
            .group_by(column)
        )
        if platform is not None:
            stmt = stmt.where(DecisionEventRow.platform == platform)
        if kind is not None:
            stmt = stmt.where(DecisionEventRow.kind == kind)
        with self._engine.connect() as connection:
            return {value: int(count) for value, count in connection.execute(stmt)}

    def count_by_bucket(
        self,
        field: str,
        edges: Sequence[datetime],
        *,
        kind: str | None = None,
    ) -> dict[tuple[int, str | None], int]:
        """Events counted by time bucket and by the value of ``field``.

        ``edges`` are increasing times; bucket ``i`` holds events with
        ``edges[i] <= decided_at < edges[i + 1]``. Keys are ``(i, value)``;
        buckets without events are absent. One query on either backend.
        """
        if field not in COUNT_FIELDS:
            raise ValueError(f"cannot count by {field!r}; one of: {', '.join(COUNT_FIELDS)}")
        bounds = [as_utc(edge) for edge in edges]
        if len(bounds) < 2 or any(a >= b for a, b in pairwise(bounds)):
            raise ValueError("edges must be at least two increasing times")
        column = getattr(DecisionEventRow, field)
        decided = DecisionEventRow.decided_at
        bucket = case(
            *((decided < edge, index) for index, edge in enumerate(bounds[1:])),
            else_=len(bounds) - 1,
        )
        inner = select(bucket.label("bucket"), column.label("value")).where(
            decided >= bounds[0], decided < bounds[-1]
        )
        if kind is not None:
            inner = inner.where(DecisionEventRow.kind == kind)
        rows = inner.subquery()
        stmt = select(rows.c.bucket, rows.c.value, func.count()).group_by(
            rows.c.bucket, rows.c.value
        )
        with self._engine.connect() as connection:
            return {
                (int(index), value): int(count) for index, value, count in connection.execute(stmt)
            }

    def shares(
        self, since: datetime, until: datetime, *, batch: int = 5000
    ) -> Iterator[dict[str, Any]]:
        """Share events with ``since <= decided_at < until``, oldest first, streamed.

        Each is a dict of :data:`SHARE_COLUMNS`. Rows are fetched ``batch`` at
        a time (a server-side cursor on PostgreSQL), so a long window is never
        held in memory.
        """
        columns = [getattr(DecisionEventRow, name) for name in SHARE_COLUMNS]
        stmt = (
            select(*columns)
            .where(
                DecisionEventRow.kind == "share",
                DecisionEventRow.decided_at >= as_utc(since),
                DecisionEventRow.decided_at < as_utc(until),
            )
            .order_by(DecisionEventRow.decided_at, DecisionEventRow.id)
        )
        with self._engine.connect() as connection:
            result = connection.execution_options(yield_per=batch).execute(stmt)
            for row in result.mappings():
                yield dict(row)

    def count_shares(self, since: datetime, until: datetime) -> int:
        """How many share events :meth:`shares` would yield (for progress bars)."""
        stmt = select(func.count()).where(
            DecisionEventRow.kind == "share",
            DecisionEventRow.decided_at >= as_utc(since),
            DecisionEventRow.decided_at < as_utc(until),
        )
        with self._engine.connect() as connection:
            return int(connection.execute(stmt).scalar() or 0)
