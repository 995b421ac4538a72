"""Share counts are global across replicas through Redis, exact at the threshold, and
decisions go on with local counts while Redis is away."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from linkgate.policy.loader import default_policy_path, parse_policy
from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import KeyStore
from tests.faults.private_services import PrivateRedis
from tests.service.servers import servers, start_server
from tests.services import postgres_database, postgres_url_or_skip, redis_url_or_skip

JD = "https://item.jd.com/100012043978.html"
NAMESPACE = os.environ["LINKGATE_REDIS_NAMESPACE"]  # tests/conftest.py
LIMIT = 5
RULES = f"""
enforcement:
  thresholds:
    - {{id: blast, measure: link_recipients, window: 1h, limit: {LIMIT}}}
  ladder:
    - {{action: restrict_links, duration: 1h}}
  cooldown: none
  upheld_reports: 0

forward_limits:
  - {{id: viral, window: 1h, max_forwards: {LIMIT}, channels: [group_chat],
     effect: {{treatment: copy_only, reason: forward_limit}}}}
"""


def policy() -> str:
    text = default_policy_path().read_text(encoding="utf-8")
    start = text.index("enforcement:\n")
    end = text.index("mini_program_links:")
    return text[:start] + RULES.lstrip() + "\n" + text[end:]


@pytest.fixture
def database() -> Iterator[str]:
    with postgres_database(postgres_url_or_skip(), prefix="linkgate_counters") as url:
        upgrade(url)
        yield url


def publish(url: str, operator: str) -> None:
    text = policy()
    revision = parse_policy(text, "p").revision
    headers = {"Authorization": f"Bearer {operator}"}
    assert (
        httpx.post(
            f"{url}/v1/policies", json={"content": text}, headers=headers, timeout=10
        ).status_code
        == 201
    )
    assert (
        httpx.post(f"{url}/v1/policies/{revision}/publish", headers=headers, timeout=10).status_code
        == 200
    )


def decide(server: str, key: str, **body: str) -> dict[str, object]:
    response = httpx.post(
        f"{server}/v1/decisions",
        json={"url": JD, "channel": "private_chat", **body},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_for_revision(urls: list[str], key: str, revision: str) -> None:
    deadline = time.monotonic() + 10
    for url in urls:
        while decide(url, key)["policy_revision"] != revision:
            assert time.monotonic() < deadline, "replicas never served the policy"
            time.sleep(0.05)


def test_counts_are_global_and_exact_at_the_threshold(database: str, tmp_path: Path) -> None:
    redis_url = redis_url_or_skip()
    store = KeyStore(make_engine(database))
    operator, integrator = store.create("operator")[1], store.create("integrator")[1]
    with servers(tmp_path, database, 2, redis=redis_url) as running:
        urls = [s.url for s in running]
        publish(urls[0], operator)
        wait_for_revision(urls, integrator, parse_policy(policy(), "p").revision)
        sender = f"blaster-{time.time_ns()}"
        for i in range(LIMIT):  # alternate replicas: each sees only half the shares
            d = decide(urls[i % 2], integrator, sender=sender, recipient=f"r{i}")
            assert d["treatment"] == "rich_page", (i, d["reasons"])
        crossing = decide(urls[LIMIT % 2], integrator, sender=sender, recipient="one-more")
        assert crossing["treatment"] == "blocked"
        assert crossing["reasons"] == ["sender_restricted"]
        # The other replica sees the restriction too (state notice through Redis).
        other = urls[(LIMIT + 1) % 2]
        deadline = time.monotonic() + 5
        while decide(other, integrator, sender=sender)["treatment"] != "blocked":
            assert time.monotonic() < deadline
            time.sleep(0.05)

        link = f"https://www.bilibili.com/video/BV{time.time_ns()}"
        for i in range(LIMIT):
            d = decide(
                urls[i % 2],
                integrator,
                url=link,
                channel="group_chat",
                sender=f"s{i}-{time.time_ns()}",
                group=f"g{i}",
            )
            assert d["treatment"] != "copy_only"
        viral = decide(
            urls[1],
            integrator,
            url=link,
            channel="group_chat",
            sender=f"late-{time.time_ns()}",
            group="g-late",
        )
        assert viral["treatment"] == "copy_only" and "forward_limit" in viral["reasons"]


def test_decisions_go_on_while_redis_is_away_and_use_it_again(
    database: str, tmp_path: Path
) -> None:
    private = PrivateRedis(tmp_path)
    private.start()
    store = KeyStore(make_engine(database))
    integrator = store.create("integrator")[1]
    try:
        with servers(tmp_path, database, 1, redis=private.url) as (server,):
            decide(server.url, integrator, sender="a", recipient="b")
            client = redis.Redis.from_url(private.url)
            assert client.keys(f"{NAMESPACE}:cnt:*")
            private.stop()
            d = decide(server.url, integrator, sender="a", recipient="c")
            assert d["treatment"] == "rich_page"
            ready = httpx.get(f"{server.url}/readyz", timeout=5).json()
            assert "redis" in ready["degraded"] and ready["counters"] == "in-process"
            metrics = httpx.get(f"{server.url}/metrics", timeout=5).text
            line = next(
                m for m in metrics.splitlines() if m.startswith("linkgate_counter_fallbacks ")
            )
            assert float(line.split()[1]) >= 1
            private.start()
            client = redis.Redis.from_url(private.url)
            deadline = time.monotonic() + 15
            while not client.keys(f"{NAMESPACE}:cnt:*"):
                assert time.monotonic() < deadline, "counting never went back to Redis"
                decide(server.url, integrator, sender="a", recipient="d")
                time.sleep(0.5)
            ready = httpx.get(f"{server.url}/readyz", timeout=5).json()
            assert ready["counters"] == "redis"
    finally:
        private.stop()


def test_deployments_with_their_own_namespace_share_one_redis_apart(
    database: str, tmp_path: Path
) -> None:
    """Two deployments on one Redis, each under its own LINKGATE_REDIS_NAMESPACE: a sender's
    shares through one are not counted by the other, and each keeps its keys to itself."""
    redis_url = redis_url_or_skip()
    store = KeyStore(make_engine(database))
    operator, integrator = store.create("operator")[1], store.create("integrator")[1]
    names = [f"{NAMESPACE}-a", f"{NAMESPACE}-b"]
    running = [
        start_server(tmp_path, database, redis=redis_url, env={"LINKGATE_REDIS_NAMESPACE": n})
        for n in names
    ]
    try:
        urls = [s.url for s in running]
        publish(urls[0], operator)
        wait_for_revision(urls, integrator, parse_policy(policy(), "p").revision)
        sender = f"blaster-{time.time_ns()}"
        for i in range(2 * LIMIT - 2):  # LIMIT - 1 shares through each: neither crosses
            d = decide(urls[i % 2], integrator, sender=sender, recipient=f"r{i}")
            assert d["treatment"] == "rich_page", (i, d["reasons"])
        client = redis.Redis.from_url(redis_url)
        try:
            assert client.keys(f"{names[0]}:cnt:*") and client.keys(f"{names[1]}:cnt:*")
        finally:
            client.close()
        # One more share through the first deployment crosses its own threshold only.
        crossing = decide(urls[0], integrator, sender=sender, recipient="r-last")
        assert crossing["treatment"] == "rich_page", crossing["reasons"]
        crossing = decide(urls[0], integrator, sender=sender, recipient="r-over")
        assert crossing["reasons"] == ["sender_restricted"]
    finally:
        for server in running:
            server.stop()
