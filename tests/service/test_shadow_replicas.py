"""A shadow started on one replica reaches the others the way a publish does."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from linkgate.policy.loader import default_policy_path, parse_policy
from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import KeyStore
from linkgate.storage.schema import ShadowDecisionRow
from tests.service.servers import servers
from tests.services import postgres_database, postgres_url_or_skip, redis_url_or_skip

LINK = "https://item.jd.com/100012043978.html"
AT = "2021-10-01T12:00:00+08:00"


@pytest.fixture
def database() -> Iterator[str]:
    with postgres_database(postgres_url_or_skip(), prefix="linkgate_shadow") as url:
        upgrade(url)
        yield url


def strict_policy() -> str:
    return (
        default_policy_path()
        .read_text(encoding="utf-8")
        .replace(
            "channel_rules:\n",
            "channel_rules:\n  - id: no-links-in-chats\n    channels: [private_chat]\n"
            "    effect: {treatment: blocked, reason: moments_commerce}\n",
            1,
        )
    )


def shadow_of(database: str, decision_id: str) -> str | None:
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(ShadowDecisionRow.shadow_treatment).where(
                    ShadowDecisionRow.decision_id == decision_id
                )
            ).scalar()
    finally:
        engine.dispose()


@pytest.mark.parametrize("with_redis", [True, False], ids=["redis", "polling"])
def test_shadow_reaches_every_replica(database: str, tmp_path: Path, with_redis: bool) -> None:
    redis = redis_url_or_skip() if with_redis else None
    env = {"LINKGATE_RELOAD_POLL_SECONDS": "30" if with_redis else "0.5"}
    store = KeyStore(make_engine(database))
    operator = {"Authorization": f"Bearer {store.create('operator')[1]}"}
    integrator = {"Authorization": f"Bearer {store.create('integrator')[1]}"}
    text = strict_policy()
    revision = parse_policy(text, "p").revision
    with servers(tmp_path, database, 2, redis=redis, env=env) as running:
        a, b = (s.url for s in running)
        created = httpx.post(f"{a}/v1/policies", json={"content": text}, headers=operator)
        assert created.status_code == 201, created.text
        started = time.monotonic()
        shadowed = httpx.post(f"{a}/v1/policies/{revision}/shadow", headers=operator)
        assert shadowed.status_code == 200, shadowed.text
        treatment: str | None = None
        while time.monotonic() - started < 10:
            body = httpx.post(
                f"{b}/v1/decisions",
                json={"url": LINK, "channel": "private_chat", "at": AT},
                headers=integrator,
                timeout=5,
            ).json()
            assert body["treatment"] == "rich_page"  # never enforced
            deadline = time.monotonic() + 2
            while treatment is None and time.monotonic() < deadline:
                treatment = shadow_of(database, body["decision_id"])
                time.sleep(0.05)
            if treatment is not None:
                break
        elapsed = time.monotonic() - started
        assert treatment == "blocked"
        stopped = httpx.delete(f"{a}/v1/policies/shadow", headers=operator)
        assert stopped.status_code == 200
    assert elapsed <= 5.0, f"took {elapsed:.2f}s"
