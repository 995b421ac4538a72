"""Write transactions that serialise with each other on both backends."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from linkgate.storage.engine import SQLITE_BEGIN_OPTION, is_postgresql, is_sqlite


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_xact_lock``, derived from ``name``."""
    digest = hashlib.sha256(f"linkgate:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def write_transaction(engine: Engine, lock: str | None = None) -> Iterator[Connection]:
    """A connection inside a transaction that commits on success, rolls back on error.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``: it holds the
    database's single write lock from the start, so a read followed by a
    write cannot be overtaken by another writer. On PostgreSQL, when ``lock``
    is given, a transaction-scoped advisory lock of that name is taken first,
    so every transaction naming the same lock runs one after another.
    """
    with engine.connect() as connection:
        if is_sqlite(connection):
            connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with connection.begin():
            if lock is not None and is_postgresql(connection):
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(lock)}
                )
            yield connection


def insert_for(connection: Connection, entity: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` for ``entity`` that supports ``ON CONFLICT`` on this connection's backend."""
    if is_postgresql(connection):
        return postgresql.insert(entity)
    if is_sqlite(connection):
        return sqlite.insert(entity)
    raise ValueError(f"unsupported database backend {connection.dialect.name!r}")
