"""tests/services.py: reachable services give URLs; unreachable ones skip, or fail in CI."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
import redis

from tests.services import postgres_database, postgres_url_or_skip, redis_url_or_skip

UNREACHABLE = {
    "LINKGATE_TEST_POSTGRES_URL": "postgresql://postgres@127.0.0.1:1/test",
    "LINKGATE_TEST_REDIS_URL": "redis://127.0.0.1:1/0",
}


@pytest.mark.parametrize("helper", [postgres_url_or_skip, redis_url_or_skip])
def test_unreachable_service_skips(
    helper: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in UNREACHABLE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LINKGATE_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"127\.0\.0\.1:1\b.* not reachable"):
        helper()


@pytest.mark.parametrize("helper", [postgres_url_or_skip, redis_url_or_skip])
def test_unreachable_required_service_fails(
    helper: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in UNREACHABLE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LINKGATE_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="LINKGATE_REQUIRE_SERVICES=1"):
        helper()


def test_postgres_database_is_created_and_dropped() -> None:
    admin = postgres_url_or_skip()
    with postgres_database(admin) as url:
        name = url.rsplit("/", 1)[1]
        assert name.startswith("linkgate_t_")
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (name,)
    with psycopg.connect(admin) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    assert found is None


def test_redis_url_answers() -> None:
    client = redis.Redis.from_url(redis_url_or_skip())
    try:
        assert client.ping() is True
    finally:
        client.close()


def test_missing_chromium_skips_or_fails_when_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from tests.services import chromium_or_skip

    monkeypatch.setenv("LINKGATE_TEST_CHROMIUM", f"{tmp_path}/no-chromium")
    monkeypatch.delenv("LINKGATE_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium not installed"):
        chromium_or_skip()
    monkeypatch.setenv("LINKGATE_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="LINKGATE_REQUIRE_SERVICES=1"):
        chromium_or_skip()
