"""Redis stops under load and comes back: decisions go on, ``/readyz`` says degraded, and
both replicas use Redis again (shared counters and reload notices) once it returns.

The test runs its own ``redis-server`` on a private port (never the shared one). Two
replicas take ``bench.load``'s mix while it is stopped and started again; no request fails.
Replicas poll the store only every 30 s here, so a publish that reaches the other replica
within a second after the outage proves that its pub/sub subscription came back.
(``tests/service/test_shared_counters.py`` checks the in-process fallback count in the
metrics on one replica.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench import load
from bench.cluster import Cluster
from linkgate.storage.migrate import upgrade
from tests.faults.private_services import PrivateRedis
from tests.service.test_replicas import publish_and_time
from tests.services import postgres_database, postgres_url_or_skip

RATE = 40
DURATION = 16.0


@pytest.fixture
def database() -> Iterator[str]:
    with postgres_database(postgres_url_or_skip(), prefix="linkgate_redis_fault") as url:
        upgrade(url)
        yield url


def readiness(url: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/readyz", timeout=5)
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_until(urls: list[str], check: Any, seconds: float, what: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while True:
        seen = [readiness(u) for u in urls]
        if all(check(r) for r in seen):
            return seen
        assert time.monotonic() < deadline, f"{what}: {seen}"
        time.sleep(0.2)


def test_decisions_go_on_without_redis_and_replicas_use_it_again(
    database: str, tmp_path: Path
) -> None:
    private = PrivateRedis(tmp_path)
    private.start()
    env = {"LINKGATE_RELOAD_POLL_SECONDS": "30"}
    plan = load.Plan(database=database, rates=[RATE], duration=DURATION, retries=0, timeout=5)
    try:
        with Cluster(database=database, replicas=2, redis=private.url, env=env) as cluster:
            urls = cluster.urls
            key = load.create_key(database)
            opens = asyncio.run(load.shim_paths(urls, key, 40, plan.seed))
            seen: dict[str, list[dict[str, Any]]] = {}

            def outage() -> None:
                time.sleep(1.5)
                private.stop()
                seen["away"] = wait_until(
                    urls,
                    lambda r: (
                        r["status"] == "degraded"
                        and "redis" in r["degraded"]
                        and r["counters"] == "in-process"
                    ),
                    8,
                    "readiness never said Redis was away and counting was local",
                )
                time.sleep(1.0)
                private.start()
                seen["back"] = wait_until(
                    urls,
                    lambda r: r["status"] == "ready" and r["counters"] == "redis",
                    12,
                    "replicas never used Redis again",
                )

            result = load.run_rate(plan, urls, key, RATE, opens, during=outage)
            assert result.errors == 0, result.error_causes
            assert result.answered == result.sent
            assert result.reports["stored_once"], result.reports
            for ready in seen["away"]:
                assert ready["redis"] == "unreachable" and ready["store"] == "ok"
            # Reload notices flow through Redis again: a publish reaches the other replica
            # long before its 30 s poll.
            elapsed = publish_and_time(database, urls)
            assert elapsed <= 1.0, f"publish took {elapsed:.2f}s after Redis came back"
    finally:
        private.stop()
