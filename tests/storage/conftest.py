"""Every storage test runs twice: on a SQLite file and on a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.schema import GENESIS_HASH, AuditHeadRow, Base, StateHeadRow
from tests.services import postgres_database, postgres_url_or_skip

BACKENDS = ["sqlite", "postgresql"]


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    return postgres_url_or_skip()


def _empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'linkgate.sqlite'}"
        return
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    with postgres_database(admin_url) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no schema yet)."""
    yield from _empty_database(request, tmp_path)


@pytest.fixture(scope="module")
def postgres_module_engine(postgres_admin_url: str) -> Iterator[Engine]:
    """One migrated PostgreSQL database per test module (emptied before each test)."""
    with postgres_database(postgres_admin_url) as url:
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


def _reset(engine: Engine) -> None:
    """Back to the state right after migrating: empty tables, the heads at their start."""
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
        conn.execute(
            insert(AuditHeadRow).values(id=1, seq=0, hash=GENESIS_HASH),
        )
        conn.execute(insert(StateHeadRow).values(id=1, version=0))


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database migrated to head and holding no data.

    SQLite: a new file per test. PostgreSQL: the module's database, emptied.
    """
    if request.param == "postgresql":
        shared: Engine = request.getfixturevalue("postgres_module_engine")
        _reset(shared)
        yield shared
        return
    url = f"sqlite:///{tmp_path / 'linkgate.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC))
