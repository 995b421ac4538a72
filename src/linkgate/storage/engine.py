"""Where linkgate's data lives and how to connect to it.

The embedded default is one SQLite file (WAL journal) under ``LINKGATE_HOME``
(or ``~/.local/share/linkgate``), created on first start. A deployment with
several gateway replicas points ``LINKGATE_DATABASE_URL`` at PostgreSQL; a
plain ``postgresql://`` URL is served by the psycopg 3 driver.

On SQLite, linkgate runs its own ``BEGIN``: a write transaction that reads
before it writes starts with ``BEGIN IMMEDIATE`` (see
:func:`linkgate.storage.transactions.write_transaction`) so writers queue on
the busy timeout instead of failing half way.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

DATABASE_URL_ENV = "LINKGATE_DATABASE_URL"
HOME_ENV = "LINKGATE_HOME"
SQLITE_FILENAME = "linkgate.sqlite"
SQLITE_BUSY_TIMEOUT_MS = 5000

#: Execution option naming the ``BEGIN`` mode of a SQLite transaction.
SQLITE_BEGIN_OPTION = "linkgate_sqlite_begin"
_SQLITE_BEGIN_MODES = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})

#: What the store raises when it cannot be reached, or cannot write (its disk is full):
#: the API answers these with 503 or 507 and ``Retry-After``.
STORE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeoutError)


def default_home() -> Path:
    """The directory of the embedded database: ``LINKGATE_HOME`` or ``~/.local/share/linkgate``."""
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser()
    return Path.home() / ".local" / "share" / "linkgate"


def database_url(explicit: str | None = None) -> str:
    """The database to use: ``explicit``, else ``LINKGATE_DATABASE_URL``, else the SQLite file.

    For the SQLite default the directory is created, so the file can be
    created on first connect.
    """
    if explicit:
        return explicit
    from_env = os.environ.get(DATABASE_URL_ENV)
    if from_env:
        return from_env
    home = default_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / SQLITE_FILENAME}"


def normalise_url(url: str | URL) -> URL:
    """``url`` with PostgreSQL URLs bound to the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_sqlite(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "sqlite"


def is_postgresql(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "postgresql"


#: Seconds to wait for a PostgreSQL connection before the store counts as unreachable
#: (a ``connect_timeout`` in the URL's query wins). Without it, a server that accepts and
#: never answers would hold a request, and its thread, for as long as TCP lets it.
POSTGRES_CONNECT_TIMEOUT_S = 5


def is_memory_database(url: str | URL) -> bool:
    """Whether ``url`` is an SQLite database in this process's memory (no other process sees it)."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite":
        return False
    return parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"


def make_engine(url: str | URL, *, sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> Engine:
    """An engine for ``url``: SQLite tuned for one process, PostgreSQL via psycopg 3."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False},
            pool_pre_ping=True,
        )
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
        return engine
    connect_args = (
        {} if "connect_timeout" in parsed.query else {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    )
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    timeout = int(busy_timeout_ms)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below, instead
        # of the sqlite3 module's implicit BEGIN before DML.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeout}")
            _use_wal(cursor, timeout / 1000)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = str(connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED"))
        if mode not in _SQLITE_BEGIN_MODES:
            raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _use_wal(cursor: Any, patience_seconds: float) -> None:
    """Switch the database file to the WAL journal (it stays so: later connects just check).

    Switching needs the file to itself for a moment, and SQLite reports
    "database is locked" at once, without its busy handler, when another
    process is connecting or switching at the same time: retry until the
    busy timeout has passed.
    """
    if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + patience_seconds
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)
