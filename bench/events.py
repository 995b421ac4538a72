"""Benchmark: how many decision events per second the store takes, in the writer's batches.

Run ``python -m bench.events`` (``--n N``, ``--postgres URL``, ``--json FILE``).

Every decision is logged as one event; the event writer drains its queue in batches of
:data:`linkgate.events.BATCH_SIZE` rows, one transaction each. This script decides ``n``
Zipf-popular links with the default gateway, turns them into the rows the writer stores
(:func:`linkgate.events.event_record`, sender and viewer pseudonymised), and times
:meth:`EventStore.add_records` over those batches, as the writer calls it:

``sqlite``
    a fresh SQLite file (the embedded default): the baseline.
``postgresql``
    a fresh database created on the PostgreSQL at ``--postgres`` (default the local test
    server), migrated to head, dropped afterwards.

It prints rows/s and µs per row per store, and ``postgresql / sqlite``.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql
from rich.table import Table
from sqlalchemy.engine import make_url

from bench.harness import console, corpus_size, environment, parser, write_json, zipf_corpus
from linkgate.events import BATCH_SIZE, Pseudonymizer, event_record
from linkgate.gateway import Gateway
from linkgate.storage.engine import make_engine
from linkgate.storage.events import EventRecord, EventStore
from linkgate.storage.migrate import upgrade

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
#: Table and index bytes per stored event, measured after the run.
BYTES_PER_ROW: dict[str, float] = {}


def rows(n: int) -> list[EventRecord]:
    gateway = Gateway.default()
    pseudonym = Pseudonymizer(b"bench")
    at = datetime(2021, 10, 1, 4, 0, tzinfo=UTC)
    out = []
    for i, url in enumerate(zipf_corpus(n)):
        decision = gateway.decide(url, channel="private_chat", at=at, sender=f"s{i % 997}")
        out.append(event_record(decision, "share", pseudonym, sender=f"s{i % 997}"))
    return out


def timed(url: str, events: list[EventRecord]) -> float:
    upgrade(url)
    store = EventStore(make_engine(url))
    started = time.perf_counter()
    for start in range(0, len(events), BATCH_SIZE):
        store.add_records(events[start : start + BATCH_SIZE])
    return time.perf_counter() - started


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_seconds(admin: str, events: list[EventRecord]) -> float:
    name = f"linkgate_bench_{secrets.token_hex(4)}"
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(admin).set(drivername="postgresql+psycopg", database=name)
        seconds = timed(url.render_as_string(hide_password=False), events)
        with psycopg.connect(_libpq(url.render_as_string(hide_password=False))) as conn:
            row = conn.execute(
                "SELECT pg_total_relation_size('decision_events'), count(*) FROM decision_events"
            ).fetchone()
        assert row is not None
        BYTES_PER_ROW["postgresql"] = row[0] / max(1, row[1])
        return seconds
    finally:
        with psycopg.connect(_libpq(admin), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m bench.events", __doc__.split("\n")[0])
    p.add_argument("--postgres", default=POSTGRES, help="PostgreSQL server (admin database)")
    args = p.parse_args(argv)
    n = corpus_size(p, args)
    events = rows(n)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="linkgate-events-") as tmp:
        results["sqlite"] = timed(f"sqlite:///{Path(tmp) / 'events.sqlite'}", events)
    results["postgresql"] = postgres_seconds(args.postgres, events)
    table = Table(title=f"{n:,} decision events in batches of {BATCH_SIZE}")
    for column in ("store", "rows/s", "µs per row", "batches/s"):
        table.add_column(column)
    for store, seconds in results.items():
        table.add_row(
            store,
            f"{n / seconds:,.0f}",
            f"{seconds / n * 1e6:.1f}",
            f"{n / BATCH_SIZE / seconds:,.1f}",
        )
    out = console()
    out.print(table)
    out.print(f"postgresql / sqlite (rows/s): {results['sqlite'] / results['postgresql']:.2f}")
    out.print(f"postgresql: {BYTES_PER_ROW['postgresql']:.0f} bytes per event (table and indexes)")
    if args.json:
        write_json(
            args.json,
            {
                "environment": environment(),
                "n": n,
                "batch": BATCH_SIZE,
                "rows_per_second": {k: n / v for k, v in results.items()},
                "bytes_per_row": BYTES_PER_ROW,
            },
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
