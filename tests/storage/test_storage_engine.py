"""Choosing the database and connecting to it."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, DateTime, MetaData, Table, insert, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from linkgate.storage.engine import database_url, make_engine
from linkgate.storage.groups import GroupStore
from linkgate.storage.transactions import write_transaction
from linkgate.storage.types import UTCDateTime, as_utc


def test_explicit_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKGATE_DATABASE_URL", "postgresql://env/db")
    assert database_url("sqlite:///explicit.sqlite") == "sqlite:///explicit.sqlite"


def test_environment_url_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKGATE_DATABASE_URL", "postgresql://env/db")
    assert database_url() == "postgresql://env/db"
    assert database_url("") == "postgresql://env/db"


def test_default_is_sqlite_file_in_linkgate_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("LINKGATE_DATABASE_URL", raising=False)
    home = tmp_path / "nested" / "home"
    monkeypatch.setenv("LINKGATE_HOME", str(home))
    assert database_url() == f"sqlite:///{home / 'linkgate.sqlite'}"
    assert home.is_dir()


def test_default_home_is_under_user_data_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("LINKGATE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LINKGATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = tmp_path / ".local" / "share" / "linkgate"
    assert database_url() == f"sqlite:///{expected / 'linkgate.sqlite'}"
    assert expected.is_dir()


def test_sqlite_file_is_created_with_wal_and_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            pragmas = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
        assert path.is_file()
        assert pragmas == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 5000,
            "synchronous": 1,  # NORMAL
        }
    finally:
        engine.dispose()


def test_sqlite_connection_may_be_used_from_another_thread(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'threads.sqlite'}")
    results: list[object] = []
    try:
        with engine.connect() as conn:
            worker = threading.Thread(
                target=lambda: results.append(conn.exec_driver_sql("SELECT 41 + 1").scalar())
            )
            worker.start()
            worker.join()
        assert results == [42]
    finally:
        engine.dispose()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_postgresql_urls_use_psycopg_3(scheme: str) -> None:
    engine = make_engine(f"{scheme}://user:secret@db.invalid:5432/linkgate")
    try:
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"
        assert engine.url.password == "secret"
        assert engine.pool._pre_ping
    finally:
        engine.dispose()


def test_sqlite_writers_queue_instead_of_failing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.sqlite'}")
    table = Table("t", MetaData(), Column("at", DateTime))
    table.metadata.create_all(engine)
    order: list[str] = []
    holding = threading.Event()

    def first() -> None:
        with write_transaction(engine) as conn:
            # A read before the write: with a deferred BEGIN the other writer could
            # slip in between and this transaction would fail to upgrade its lock.
            conn.execute(select(table)).all()
            holding.set()
            time.sleep(0.3)
            conn.execute(insert(table).values(at=datetime(2025, 1, 1)))
            order.append("first")

    def second() -> None:
        holding.wait()
        with write_transaction(engine) as conn:
            conn.execute(select(table)).all()
            conn.execute(insert(table).values(at=datetime(2025, 1, 2)))
            order.append("second")

    try:
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert order == ["first", "second"]
        with engine.connect() as conn:
            assert len(conn.execute(select(table)).all()) == 2
    finally:
        engine.dispose()


def test_timestamps_are_stored_in_utc_and_read_back_aware(engine: Engine) -> None:
    shanghai = timezone(timedelta(hours=8))
    local = datetime(2025, 6, 1, 20, 30, 15, 654321, tzinfo=shanghai)
    stored = GroupStore(engine, clock=lambda: local).set_group("g1", "copy_only", "owner")
    read = GroupStore(engine).get_group("g1")
    assert read is not None
    for value in (stored.updated_at, read.updated_at):
        assert value.tzinfo is UTC
        assert value == datetime(2025, 6, 1, 12, 30, 15, 654321, tzinfo=UTC)
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT updated_at FROM group_settings")).scalar()
    if engine.dialect.name == "sqlite":
        assert str(raw).startswith("2025-06-01 12:30:15.654321")


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgresql_session_time_zone_does_not_leak(engine: Engine) -> None:
    url = make_url(engine.url).update_query_dict({"options": "-c timezone=America/New_York"})
    other = make_engine(url)
    try:
        with other.connect() as conn:
            assert conn.execute(text("SHOW timezone")).scalar() == "America/New_York"
        at = datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
        GroupStore(other, clock=lambda: at).set_group("g", "allow", "x")
        read = GroupStore(other).get_group("g")
        assert read is not None
        assert read.updated_at == at
        assert read.updated_at.tzinfo is UTC
    finally:
        other.dispose()


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        as_utc(datetime(2025, 1, 1))
    column_type = UTCDateTime()
    with pytest.raises(ValueError, match="naive"):
        column_type.process_bind_param(datetime(2025, 1, 1), make_engine("sqlite://").dialect)


def test_a_postgresql_server_that_never_answers_fails_the_connect_in_bounded_time() -> None:
    """A listener that accepts and then stays silent must not hold a request forever."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        for url, bound in (
            (f"postgresql://postgres@127.0.0.1:{port}/test?connect_timeout=1", 4.0),
            (f"postgresql://postgres@127.0.0.1:{port}/test", 9.0),
        ):
            engine = make_engine(url)
            started = time.monotonic()
            with pytest.raises(OperationalError), engine.connect():
                pass
            assert time.monotonic() - started < bound, url
            engine.dispose()
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()
