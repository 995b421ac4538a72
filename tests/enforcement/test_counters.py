"""Sliding-window counters: in-process and Redis agree, and windows slide."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis

from linkgate.enforcement.counters import (
    CountPlan,
    LocalCounter,
    RedisCounter,
    Share,
    ShareCounter,
)
from tests.services import redis_url_or_skip

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)
W = (timedelta(minutes=10), timedelta(hours=1))
WANTS = [(m, w) for m in ("link_recipients", "platform_recipients", "shares") for w in W]

F = (timedelta(hours=1),)
PLAN = CountPlan.of(WANTS, F)


@pytest.fixture(params=["local", "redis"])
def counter(request: pytest.FixtureRequest) -> Iterator[ShareCounter]:
    if request.param == "local":
        yield LocalCounter()
        return
    client = redis.Redis.from_url(redis_url_or_skip())
    prefix = f"linkgate:test:{secrets.token_hex(6)}:"
    try:
        yield RedisCounter(client, prefix=prefix)
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()


def share(
    i: int, recipient: str, minutes: float, link: str = "https://a.top/x", sender: str = "s1"
) -> Share:
    return Share(
        f"e{i}", sender, (recipient,), link, "jd", (T0 + timedelta(minutes=minutes)).timestamp()
    )


def test_distinct_recipients_per_link_and_platform(counter: ShareCounter) -> None:
    c = counter.observe(share(1, "r1", 0), PLAN)
    c = counter.observe(share(2, "r1", 1), PLAN)
    assert c.get("link_recipients", W[0]) == 1
    assert c.get("shares", W[0]) == 2
    c = counter.observe(share(3, "r2", 2, link="https://a.top/other"), PLAN)
    assert c.get("link_recipients", W[0]) == 1
    assert c.get("platform_recipients", W[0]) == 2
    assert c.forwards[F[0]] == 1


def test_windows_slide(counter: ShareCounter) -> None:
    for i in range(5):
        counter.observe(share(i, f"r{i}", i), PLAN)
    c = counter.observe(share(9, "r9", 13), PLAN)
    assert c.get("link_recipients", W[0]) == 2  # r4 at 4 min and r9 at 13 min
    assert c.get("link_recipients", W[1]) == 6


def test_senders_are_counted_apart_forwards_are_global(counter: ShareCounter) -> None:
    for i in range(3):
        counter.observe(share(i, f"r{i}", 0, sender="a"), PLAN)
    c = counter.observe(share(7, "r0", 0, sender="b"), PLAN)
    assert c.get("link_recipients", W[0]) == 1
    assert c.forwards[F[0]] == 4


def test_one_share_to_several_recipients_counts_each(counter: ShareCounter) -> None:
    several = Share("e1", "s1", ("a", "b", "c"), "https://a.top/x", "jd", T0.timestamp())
    c = counter.observe(several, PLAN)
    assert c.get("link_recipients", W[0]) == 3
    assert c.get("shares", W[0]) == 1
