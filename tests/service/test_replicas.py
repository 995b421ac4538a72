"""Several real server processes on one PostgreSQL (+ Redis) serve a publish together."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from linkgate.policy.loader import default_policy_path, parse_policy
from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import KeyStore
from tests.service.servers import free_port, servers
from tests.services import postgres_database, postgres_url_or_skip, redis_url_or_skip

TAOBAO = "https://item.taobao.com/item.htm?id=6543210987"
AT = "2021-10-01T12:00:00+08:00"


@pytest.fixture
def database() -> Iterator[str]:
    with postgres_database(postgres_url_or_skip(), prefix="linkgate_replicas") as url:
        upgrade(url)
        yield url


def keys(database: str) -> dict[str, str]:
    store = KeyStore(make_engine(database))
    return {role: store.create(role)[1] for role in ("operator", "integrator")}


def paused_policy() -> str:
    text = default_policy_path().read_text(encoding="utf-8")
    return text.replace(
        "      channels: [private_chat]\n",
        "      channels: [private_chat]\n      effect: {treatment: copy_only, reason: paused}\n",
        1,
    )


def revision_seen(url: str, key: str) -> str:
    response = httpx.post(
        f"{url}/v1/decisions",
        json={"url": TAOBAO, "channel": "private_chat", "at": AT},
        headers={"Authorization": f"Bearer {key}"},
        timeout=5,
    )
    response.raise_for_status()
    return str(response.json()["policy_revision"])


def publish_and_time(database: str, replicas: list[str]) -> float:
    api_keys = keys(database)
    operator = {"Authorization": f"Bearer {api_keys['operator']}"}
    text = paused_policy()
    revision = parse_policy(text, "p").revision
    for url in replicas:
        assert revision_seen(url, api_keys["integrator"]) != revision
    created = httpx.post(
        f"{replicas[0]}/v1/policies", json={"content": text}, headers=operator, timeout=10
    )
    assert created.status_code == 201, created.text
    started = time.monotonic()
    published = httpx.post(
        f"{replicas[0]}/v1/policies/{revision}/publish", headers=operator, timeout=10
    )
    assert published.status_code == 200, published.text
    pending = set(replicas)
    while pending and time.monotonic() - started < 10:
        pending = {u for u in pending if revision_seen(u, api_keys["integrator"]) != revision}
        time.sleep(0.02)
    assert not pending, "a replica never served the published revision"
    return time.monotonic() - started


def test_publish_reaches_every_replica_within_a_second_through_redis(
    database: str, tmp_path: Path
) -> None:
    redis = redis_url_or_skip()
    # Polling is set far slower than the bound, so only Redis can deliver in time.
    env = {"LINKGATE_RELOAD_POLL_SECONDS": "30"}
    with servers(tmp_path, database, 2, redis=redis, env=env) as running:
        elapsed = publish_and_time(database, [s.url for s in running])
    assert elapsed <= 1.0, f"took {elapsed:.2f}s"


def test_replicas_fall_back_to_polling_when_redis_is_away(database: str, tmp_path: Path) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    env = {"LINKGATE_RELOAD_POLL_SECONDS": "0.5"}
    with servers(tmp_path, database, 2, redis=nowhere, env=env) as running:
        ready = httpx.get(f"{running[1].url}/readyz", timeout=5).json()
        assert "redis" in ready["degraded"]
        elapsed = publish_and_time(database, [s.url for s in running])
    assert elapsed <= 1.5, f"took {elapsed:.2f}s"


def _treatment(url: str, key: str, link: str) -> tuple[str, list[dict[str, object]]]:
    response = httpx.post(
        f"{url}/v1/decisions",
        json={"url": link, "channel": "private_chat"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=5,
    )
    response.raise_for_status()
    body = response.json()
    return str(body["treatment"]), list(body["trace"])


@pytest.mark.parametrize("with_redis", [True, False], ids=["redis", "polling"])
def test_enforcement_reaches_every_replica_within_five_seconds(
    database: str, tmp_path: Path, with_redis: bool
) -> None:
    redis = redis_url_or_skip() if with_redis else None
    link = "https://item.jd.com/100012043978.html"
    store = KeyStore(make_engine(database))
    operator = store.create("operator")[1]
    integrator = store.create("integrator")[1]
    with servers(tmp_path, database, 2, redis=redis) as running:
        a, b = (s.url for s in running)
        assert _treatment(b, integrator, link)[0] == "rich_page"
        started = time.monotonic()
        made = httpx.post(
            f"{a}/v1/blocks",
            json={"scope": "url", "target": link, "treatment": "copy_only", "note": "test"},
            headers={"Authorization": f"Bearer {operator}"},
            timeout=10,
        )
        assert made.status_code == 201, made.text
        block_id = made.json()["id"]
        treatment, trace = _treatment(b, integrator, link)
        while treatment != "copy_only" and time.monotonic() - started < 10:
            time.sleep(0.05)
            treatment, trace = _treatment(b, integrator, link)
        elapsed = time.monotonic() - started
        assert treatment == "copy_only"
        assert any(c["rule"] == f"block.{block_id}" for c in trace)
    assert elapsed <= 5.0, f"took {elapsed:.2f}s"
