"""Schema migrations, run in code: ``upgrade(url)`` is ``alembic upgrade head``.

No ``alembic.ini`` is needed: the configuration is built here and points at
the ``migrations`` directory shipped inside the package. Two processes that
start at once on the same database both succeed: on PostgreSQL the upgrade
runs under a transaction-scoped advisory lock, on SQLite in a ``BEGIN
IMMEDIATE`` transaction that waits on the busy timeout. Either way the second
process finds the schema at head and does nothing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from linkgate.storage.engine import (
    SQLITE_BEGIN_OPTION,
    is_postgresql,
    is_sqlite,
    make_engine,
    normalise_url,
)
from linkgate.storage.transactions import lock_key

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: How long a starting process waits for another one's SQLite migration.
MIGRATION_BUSY_TIMEOUT_MS = 60_000
_LOCK = "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for linkgate's migrations (``url`` for offline use)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        rendered = normalise_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def head() -> str:
    """The newest migration revision shipped with this version of linkgate."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if revision is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return revision


def upgrade(url: str) -> str:
    """Bring the database at ``url`` to the newest schema; returns the head revision."""
    config = alembic_config(url)
    engine = make_engine(url, sqlite_busy_timeout_ms=MIGRATION_BUSY_TIMEOUT_MS)
    try:
        with engine.connect() as connection:
            if is_sqlite(connection):
                connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            with connection.begin():
                if is_postgresql(connection):
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(_LOCK)}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                revision = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    if revision is None:
        raise RuntimeError("the database has no schema revision after upgrading")
    return revision


def current(url: str) -> str | None:
    """The schema revision of the database at ``url`` (None before the first upgrade)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
