"""Sliding-window counters: in-process and Redis agree, and windows slide."""

from __future__ import annotations

import gc
import secrets
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate.enforcement import counters
from linkgate.enforcement.counters import (
    CountPlan,
    LocalCounter,
    RedisCounter,
    Share,
    ShareCounter,
)
from linkgate.enforcement.spam import Counts
from tests.services import redis_url_or_skip

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)
W = (timedelta(minutes=10), timedelta(hours=1))
WANTS = [(m, w) for m in ("link_recipients", "platform_recipients", "shares") for w in W]

F = (timedelta(hours=1),)
PLAN = CountPlan.of(WANTS, F)


@pytest.fixture(params=["local", "python", "redis"])
def counter(request: pytest.FixtureRequest) -> Iterator[ShareCounter]:
    if request.param == "local":
        yield LocalCounter()
        return
    if request.param == "python":
        yield LocalCounter(windows=counters._PyWindows)
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


def brute_counts(history: list[Share], share: Share, plan: CountPlan) -> Counts:
    """The counts for ``share`` worked out from the whole history (itself included)."""
    by: dict[tuple[str, timedelta], int] = {}
    forwards: dict[timedelta, int] = {}
    for measure, w, seconds in plan.items:
        live = [h for h in history if h.at > share.at - seconds]
        mine = [h for h in live if h.sender == share.sender]
        if measure == "forwards":
            forwards[w] = sum(h.link == share.link for h in live)
        elif measure == "shares":
            by[(measure, w)] = len(mine)
        elif measure == "link_recipients":
            by[(measure, w)] = len({r for h in mine if h.link == share.link for r in h.recipients})
        elif share.platform is not None:
            by[(measure, w)] = len(
                {r for h in mine if h.platform == share.platform for r in h.recipients}
            )
    return Counts(by, forwards)


shares_drawn = st.lists(
    st.tuples(
        st.sampled_from(["s1", "s2", "s3"]),
        st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=3, unique=True),
        st.sampled_from(["https://a.top/x", "https://a.top/y", "https://b.top/"]),
        st.sampled_from(["jd", "pdd", None]),
        st.floats(min_value=0, max_value=900),  # seconds after the previous share
    ),
    max_size=60,
)


@pytest.mark.parametrize("windows", ["compiled", "python"])
@settings(max_examples=150, deadline=None)
@given(drawn=shares_drawn)
def test_local_counts_match_a_brute_force_count(windows: str, drawn: list[Any]) -> None:
    plan = CountPlan.of(WANTS, (*F, timedelta(minutes=10)))
    counter = LocalCounter(windows=counters._PyWindows) if windows == "python" else LocalCounter()
    history: list[Share] = []
    at = T0.timestamp()
    for i, (sender, recipients, link, platform, gap) in enumerate(drawn):
        at += gap
        s = Share(f"e{i}", sender, tuple(recipients), link, platform, at)
        history.append(s)
        assert counter.observe(s, plan) == brute_counts(history, s, plan)


def test_a_sender_reaching_many_people_is_counted_exactly() -> None:
    """180,000 recipients live in the window at once; expiry keeps the count exact."""
    plan = CountPlan.of([("platform_recipients", timedelta(hours=1))], ())
    counter = LocalCounter()
    start = T0.timestamp()
    window = 3600.0
    n = 200_000
    for i in range(n):  # one new recipient every 0.02 s: 180,000 live in the window
        c = counter.observe(Share(f"e{i}", "s", (f"r{i}",), "l", "jd", start + i * 0.02), plan)
    assert c.get("platform_recipients", timedelta(hours=1)) == int(window / 0.02)


def test_redis_counting_goes_on_after_the_server_forgets_its_scripts() -> None:
    client = redis.Redis.from_url(redis_url_or_skip())
    prefix = f"linkgate:test:{secrets.token_hex(6)}:"
    counter = RedisCounter(client, prefix=prefix)
    try:
        counter.observe(share(1, "r1", 0), PLAN)
        client.script_flush()  # as a restarted server without persistence would
        c = counter.observe(share(2, "r2", 1), PLAN)
        assert c.get("link_recipients", W[0]) == 2
        assert c.forwards[F[0]] == 2
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()


@pytest.mark.parametrize("windows", ["compiled", "python"])
def test_in_process_counts_leave_nothing_for_the_garbage_collector(windows: str) -> None:
    """A day of counts must not lengthen the collector's full passes, which stop every
    request: the counter's state holds strings, numbers and untracked cells only."""
    counter = LocalCounter(windows=counters._PyWindows) if windows == "python" else LocalCounter()
    start = T0.timestamp()
    counter.observe(share(0, "r0", 0), PLAN)  # the windows themselves
    gc.collect()
    before = len(gc.get_objects())
    for i in range(5_000):
        counter.observe(
            Share(f"e{i}", f"s{i % 50}", (f"r{i}",), f"https://a.top/{i % 700}", "jd", start + i),
            PLAN,
        )
    gc.collect()
    assert len(gc.get_objects()) - before < 50


@pytest.mark.parametrize("windows", ["compiled", "python"])
def test_past_the_memory_bound_the_longest_count_sheds_and_the_others_stay_exact(
    windows: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Over ``max_events`` live events the counts are not forgotten: the oldest events go,
    down to nine tenths of the bound, so the day's shares reach back less far while the
    ten-minute distinct count and the hour's forwards keep counting exactly."""
    plan = CountPlan.of([("link_recipients", W[0]), ("shares", timedelta(days=1))], F)
    made = counters._PyWindows if windows == "python" else None
    counter = LocalCounter(max_events=10_000, windows=made)
    exact = LocalCounter(max_events=10**9, windows=made)
    start = T0.timestamp()
    day = ("shares", timedelta(days=1))
    for i in range(12_000):  # one share a second to one of 40 recipients, over 200 minutes
        s = Share(f"e{i}", "s", (f"r{i % 40}",), f"l{i % 3}", "jd", start + i)
        got, want = counter.observe(s, plan), exact.observe(s, plan)
        assert got.get("link_recipients", W[0]) == want.get("link_recipients", W[0])
        assert got.forwards == want.forwards
        assert got.get(*day) <= want.get(*day) == i + 1
    # Checked every 1,024 shares (three events each): within the bound and a check's worth
    # of events. Shed to 9,000 events, of which the short windows hold 4,200: the day's
    # count reaches back about 4,800 s, and 1,023 s more until the next check.
    assert len(counter._windows) <= 10_000 + 3 * 1_024
    reach = counter.reach[day]
    assert 4_700 <= reach <= 4_900
    assert set(counter.reach) == {day}
    assert reach <= got.get(*day) <= reach + 1_100
    assert counter.shed_events == 12_000 - got.get(*day)
    assert "shares count over 86400 s dropped its oldest events" in caplog.text


def test_a_bound_below_one_event_or_past_the_limit_is_refused() -> None:
    for bad in (0, counters.MAX_EVENTS_LIMIT + 1):
        with pytest.raises(ValueError, match="max_events"):
            LocalCounter(max_events=bad)
    # The limit itself is taken: the compiled windows count a cell's references in 32 bits.
    assert LocalCounter(max_events=counters.MAX_EVENTS_LIMIT).shed_events == 0


def test_a_clock_that_steps_back_never_leaves_counts_behind() -> None:
    """Shares stamped out of order (a clock stepped back) are still each forgotten once."""
    plan = CountPlan.of([("link_recipients", W[0]), ("shares", W[0])], F)
    counter = LocalCounter()
    counter.observe(share(1, "r1", 5), plan)
    counter.observe(share(2, "r1", 2), plan)  # the same recipient, earlier
    counter.observe(share(3, "r2", 3), plan)
    later = counter.observe(share(4, "r3", 30), plan)
    assert later.get("link_recipients", W[0]) == 1
    assert later.get("shares", W[0]) == 1
    assert later.forwards[F[0]] == 4


@pytest.mark.parametrize("windows", ["compiled", "python"])
def test_queues_that_empty_at_a_block_boundary_go_on(windows: str) -> None:
    """Events queue in blocks of 4,096: a window that empties exactly at the end of a
    block, or a share after it, must count on from a fresh block."""
    plan = CountPlan.of([("shares", timedelta(seconds=10)), ("link_recipients", W[0])], ())
    counter = LocalCounter(windows=counters._PyWindows) if windows == "python" else LocalCounter()
    start = T0.timestamp()
    history: list[Share] = []
    at = start
    for burst, size in enumerate((4096, 4096 * 2, 1, 4095, 4097)):
        at += 1_000  # every earlier event leaves both windows
        for i in range(size):
            s = Share(f"e{burst}.{i}", "s", (f"r{i % 97}",), "l", "jd", at + i * 1e-4)
            history.append(s)
            got = counter.observe(s, plan)
            if i in (0, 1, size - 1):
                live = [h for h in history if h.at > s.at - W[0].total_seconds()]
                assert got == brute_counts(live, s, plan)


@pytest.mark.parametrize("windows", ["compiled", "python"])
def test_threads_sharing_one_counter_lose_no_share(windows: str) -> None:
    """Request threads count through one counter at once (the compiled windows without
    LocalCounter's lock): every share is counted exactly once."""
    plan = CountPlan.of([("link_recipients", timedelta(days=1))], (timedelta(days=1),))
    counter = LocalCounter(windows=counters._PyWindows) if windows == "python" else LocalCounter()
    start = T0.timestamp()
    threads, each = 4, 3_000
    counter.observe(Share("first", "s", ("r",), "l", "jd", start), plan)  # the plan is set

    def work(t: int) -> None:
        for i in range(each):
            counter.observe(Share(f"{t}.{i}", "s", (f"r{t}.{i}",), "l", "jd", start + 1), plan)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        running = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        for thread in running:
            thread.start()
        for thread in running:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    last = counter.observe(Share("last", "s", ("r",), "l", "jd", start + 2), plan)
    assert last.forwards[timedelta(days=1)] == threads * each + 2
    assert last.get("link_recipients", timedelta(days=1)) == threads * each + 1
