"""The real services that service-backed tests use, and what to do when one is missing.

PostgreSQL is expected at 127.0.0.1:5432 (user ``postgres``, database
``test``) and Redis at 127.0.0.1:6379. When one is unreachable its tests are
skipped, unless ``LINKGATE_REQUIRE_SERVICES=1`` (as in CI), which fails them.
``LINKGATE_TEST_POSTGRES_URL`` and ``LINKGATE_TEST_REDIS_URL`` point elsewhere.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import psycopg
import pytest
import redis
from psycopg import sql
from sqlalchemy.engine import make_url

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
CONNECT_TIMEOUT_SECONDS = 3


def services_required() -> bool:
    return os.environ.get("LINKGATE_REQUIRE_SERVICES") == "1"


def _unavailable(message: str) -> NoReturn:
    if services_required():
        pytest.fail(f"{message} (LINKGATE_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


def _postgres_admin_url() -> str:
    return os.environ.get("LINKGATE_TEST_POSTGRES_URL") or POSTGRES_URL


def _libpq(url: str) -> str:
    """A SQLAlchemy-style PostgreSQL URL as a libpq connection string."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_url_or_skip() -> str:
    """The URL of the test PostgreSQL (an admin database), or skip/fail when unreachable."""
    url = _postgres_admin_url()
    where = make_url(url)
    try:
        with psycopg.connect(_libpq(url), connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _unavailable(f"PostgreSQL at {where.host}:{where.port or 5432} not reachable: {first_line}")
    return url


def redis_url_or_skip() -> str:
    """The URL of the test Redis, or skip/fail when unreachable."""
    url = os.environ.get("LINKGATE_TEST_REDIS_URL") or REDIS_URL
    client = redis.Redis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS, socket_timeout=CONNECT_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis at {url} not reachable: {exc}")
    finally:
        client.close()
    return url


@contextmanager
def postgres_database(admin_url: str, prefix: str = "linkgate_t") -> Iterator[str]:
    """A new, empty PostgreSQL database for the duration of the block; its URL is yielded.

    It is created and dropped through an autocommit connection to ``admin_url``.
    """
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


CHROMIUM = "/usr/bin/chromium"
#: What every browser test launches Chromium with (no sandbox as root, no GPU, no
#: background traffic: nothing but the pages under test goes anywhere).
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking")


def compiled_or_skip(built: bool, module: str, needs: str = "C compiler") -> None:
    """Skip the tests of a compiled part that was not built here (it is optional at install),
    or fail them in CI (``CI=true`` or ``LINKGATE_REQUIRE_SERVICES=1``), where it must be."""
    if built:
        return
    if os.environ.get("CI") == "true" or services_required():
        pytest.fail(f"{module} was not built at install", pytrace=False)
    pytest.skip(f"{module} is not built here (no {needs} at install)")


def chromium_or_skip() -> str:
    """The path of Debian's Chromium for Playwright, or skip/fail when it is not installed."""
    path = os.environ.get("LINKGATE_TEST_CHROMIUM") or CHROMIUM
    if not os.access(path, os.X_OK):
        _unavailable(f"Chromium not installed at {path} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        _unavailable(f"Playwright for Python is not installed: {exc}")
    return path
