"""The compiled share windows keep exactly the counts of the Python reference windows."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Mapping
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate import records
from linkgate.enforcement import counters
from linkgate.enforcement.counters import CountPlan, Share
from linkgate.enforcement.spam import Counts
from tests.services import compiled_or_skip

WINDOWS = (timedelta(seconds=30), timedelta(minutes=10), timedelta(hours=1))
PLAN = CountPlan.of(
    [(m, w) for m in ("link_recipients", "platform_recipients", "shares") for w in WINDOWS],
    WINDOWS[:2],
)


def compiled() -> Any:
    compiled_or_skip(counters.COMPILED, "linkgate.enforcement._windows")
    from linkgate.enforcement._windows import Windows

    return Windows


def test_the_compiled_windows_are_what_counters_use() -> None:
    windows = compiled()
    assert counters.LocalCounter()._make is windows


def run_both(shares: list[Share], plan: CountPlan = PLAN, hash_bits: int = 64) -> None:
    """Feed both implementations the same shares; after each, the counts and every
    window's live state must be equal. Fewer ``hash_bits`` make distinct keys share
    hashes, so the compiled tables must tell them apart by their parts."""
    fast = compiled()(plan.steps, Counts, hash_bits=hash_bits)
    slow = counters._PyWindows(plan.steps, Counts)
    for s in shares:
        got, want = fast.observe(s), slow.observe(s)
        assert got == want
        assert type(got) is Counts
        assert fast.live() == slow.live()
        assert len(fast) == len(slow)


drawn_shares = st.lists(
    st.tuples(
        st.sampled_from(["s1", "s2", "s3", "宋"]),
        # Repeats within one share, and none at all.
        st.lists(st.sampled_from(["a", "b", "c", "d", "用户"]), max_size=4),
        st.sampled_from(["https://a.top/x", "https://a.top/y", "https://b.top/", "l"]),
        st.sampled_from(["jd", "pdd", None]),
        # Mostly forward, sometimes a clock that steps back, sometimes the same instant.
        st.one_of(
            st.floats(min_value=0, max_value=1200),
            st.floats(min_value=-900, max_value=0),
            st.just(0.0),
        ),
    ),
    max_size=80,
)


def drawn_to_shares(drawn: list[Any]) -> list[Share]:
    at = 1_780_000_000.0
    shares = []
    for i, (sender, recipients, link, platform, gap) in enumerate(drawn):
        at += gap
        shares.append(Share(f"e{i}", sender, tuple(recipients), link, platform, at))
    return shares


@settings(max_examples=300, deadline=None)
@given(drawn_shares)
def test_compiled_and_python_windows_agree(drawn: list[Any]) -> None:
    run_both(drawn_to_shares(drawn))


def test_an_event_of_a_forgotten_sighting_forgets_the_pairs_sighting_of_its_time() -> None:
    """A clock that steps back: a pair's sighting is forgotten by its first event while its
    second, of the same instant, waits behind a later event; the pair is then sighted
    again at that very instant. When the second event ends, it forgets the new sighting, as
    the Python windows (which look the pair up) do."""
    at = 1_780_000_000.0
    steps = [
        (0, "a"),  # the pair's sighting, event one
        (10, "b"),  # a later event
        (0, "a"),  # the pair again at the same instant: event two, behind the later one
        (30, "b"),  # the 30 s window forgets event one, and the sighting with it
        (0, "a"),  # the pair sighted again at that instant: a new sighting
        (40, "b"),  # event two ends: it forgets the new sighting
        (41, "a"),
    ]
    run_both([Share(f"e{i}", "s1", (r,), "l", "jd", at + t) for i, (t, r) in enumerate(steps)])


@settings(max_examples=150, deadline=None)
@given(drawn_shares, st.integers(min_value=1, max_value=3))
def test_keys_that_share_a_hash_are_counted_apart(drawn: list[Any], bits: int) -> None:
    """With two to eight hash values in all, nearly every key collides with another:
    lookups walk long runs of slots and deletions shift them back."""
    run_both(drawn_to_shares(drawn), hash_bits=bits)


@settings(max_examples=200, deadline=None)
@given(drawn_shares, st.lists(st.integers(min_value=1, max_value=12), max_size=80), st.booleans())
def test_shedding_agrees_and_counts_on(
    drawn: list[Any], sheds: list[int], forward_only: bool
) -> None:
    """Dropping the oldest events of all windows between shares (as the memory bound does)
    drops the same events in both implementations, which then count on alike: the same
    answer, the same live state, at least as many events dropped as asked, and nothing left
    older than the oldest that had to go."""
    fast = compiled()(PLAN.steps, Counts)
    slow = counters._PyWindows(PLAN.steps, Counts)
    if forward_only:
        drawn = [(*share[:4], abs(share[4])) for share in drawn]
    shares = drawn_to_shares(drawn)
    stepped_back = any(b.at < a.at for a, b in pairwise(shares))
    for s, n in zip(shares, [*sheds, *[0] * len(drawn)], strict=False):
        assert fast.observe(s) == slow.observe(s)
        if n:
            before = len(slow)
            oldest = sorted(
                w.when[e // counters._BLOCK][e] for w in slow.windows for e in range(w.head, w.tail)
            )
            got, want = fast.shed(n), slow.shed(n)
            assert got == want
            assert before - len(slow) >= min(n, before)
            if before and not stepped_back:
                # What is left is no older than the n-th oldest event was (with a clock that
                # stepped back, a window keeps what queued behind a later event).
                cut = oldest[min(n, before) - 1]
                assert all(
                    w.when[e // counters._BLOCK][e] >= cut
                    for w in slow.windows
                    for e in range(w.head, w.tail)
                )
        assert fast.live() == slow.live()
        assert len(fast) == len(slow)


def test_shedding_walks_across_blocks_of_events() -> None:
    """Events queue in blocks of 4,096: shedding more than a block (from a head part-way
    into one) finds the right times and leaves both implementations alike."""
    plan = CountPlan.of([("shares", timedelta(days=1)), ("link_recipients", WINDOWS[0])], ())
    fast = compiled()(plan.steps, Counts)
    slow = counters._PyWindows(plan.steps, Counts)
    for i in range(10_000):
        s = Share(f"e{i}", f"s{i % 17}", (f"r{i % 5}",), "l", None, 1_780_000_000.0 + i)
        assert fast.observe(s) == slow.observe(s)
    # The day's shares hold every event older than the 30 s window's.
    assert fast.shed(1_000) == slow.shed(1_000) == ((0, 1_780_000_000.0 + 999),)
    assert fast.shed(5_000) == slow.shed(5_000) == ((0, 1_780_000_000.0 + 5_999),)
    assert fast.live() == slow.live()
    assert len(fast) == len(slow) == 4_000 + 30
    # Past the day's 3,970 events older than the window's, both give events up, in turn.
    got = fast.shed(3_990)
    assert got == slow.shed(3_990)
    assert [i for i, _ in got] == [0, 1]
    assert fast.live() == slow.live()
    assert len(fast) == 40
    assert fast.shed(10_000) == slow.shed(10_000)  # more than there are: all of them
    assert len(fast) == len(slow) == 0
    with pytest.raises(ValueError, match="at least one"):
        fast.shed(0)
    with pytest.raises(ValueError, match="at least one"):
        slow.shed(0)


def test_nothing_to_shed_is_nothing_shed() -> None:
    assert compiled()(PLAN.steps, Counts).shed(5) == ()
    assert counters._PyWindows(PLAN.steps, Counts).shed(5) == ()


MANY_WINDOWS = tuple(timedelta(seconds=s) for s in (20, 30, 60, 300, 600, 3600, 86_400))
MANY = CountPlan.of(
    [(m, w) for m in ("link_recipients", "platform_recipients", "shares") for w in MANY_WINDOWS],
    MANY_WINDOWS,
)


@settings(max_examples=100, deadline=None)
@given(drawn_shares)
def test_plans_of_more_windows_than_hashed_ahead_agree(drawn: list[Any]) -> None:
    """A plan of 28 windows (more lookups a share than the compiled windows prefetch)
    counts as the Python does."""
    assert len(MANY.steps) == 28
    run_both(drawn_to_shares(drawn), MANY)
    run_both(drawn_to_shares(drawn), MANY, hash_bits=2)


@pytest.mark.parametrize("hash_bits", [64, 9])
def test_windows_grow_and_shrink_with_the_traffic(hash_bits: int) -> None:
    """20,000 live events, then a slow drain: the queues take on and give back blocks of
    events, the tables grow and shrink, and the counts stay equal throughout (also with
    512 hash values for thousands of keys)."""
    shares = [
        Share(f"e{i}", f"s{i % 7}", (f"r{i % 311}",), f"l{i % 13}", "jd", 1e9 + i * 0.01)
        for i in range(20_000)
    ]
    shares += [Share(f"d{i}", "s0", ("r0",), "l0", None, 1e9 + 200 + i * 40.0) for i in range(200)]
    fast = compiled()(PLAN.steps, Counts, hash_bits=hash_bits)
    slow = counters._PyWindows(PLAN.steps, Counts)
    most = 0
    for s in shares:
        assert fast.observe(s) == slow.observe(s)
        most = max(most, len(fast))
    assert most > 40_000
    assert fast.live() == slow.live()
    assert len(fast) == len(slow) < 1_000


def test_integer_times_count_as_their_float_values() -> None:
    shares = [Share(f"e{i}", "s", ("r",), "l", "jd", 1_000 + i * 20) for i in range(100)]
    run_both(shares)


def test_what_is_not_a_share_is_refused() -> None:
    windows = compiled()(PLAN.steps, Counts)
    with pytest.raises(TypeError):
        windows.observe(("s", ("r",), "l"))
    with pytest.raises(TypeError):
        windows.observe(Share("e", "s", ("r", 7), "l", "jd", 1.0))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        windows.observe(Share("e", "s", ["r"], "l", "jd", 1.0))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        windows.observe(Share("e", "s", ("r",), "l", "jd", "soon"))  # type: ignore[arg-type]
    ok = windows.observe(Share("e", "s", ("r",), "l", "jd", 2.0))
    assert ok.get("shares", WINDOWS[0]) >= 1


def test_unknown_steps_are_refused() -> None:
    windows = compiled()
    with pytest.raises(ValueError, match="unknown count kind"):
        windows(((9, "x", 1.0),), Counts)
    with pytest.raises(TypeError):
        windows(((0, "x", 1.0),), dict)
    with pytest.raises(ValueError, match="hash_bits"):
        windows(PLAN.steps, Counts, hash_bits=0)


def test_strings_of_every_width_and_str_subclasses_are_keys_by_their_text() -> None:
    """Keys are compared by their text whatever the strings' storage (one, two or four
    bytes a character) and whether or not they are str subclasses."""

    class Pseudonym(str):
        pass

    shares = []
    for i, (sender, recipient) in enumerate(
        [("s", "r"), (Pseudonym("s"), "r"), ("s", Pseudonym("r")), ("宋", "r"), ("s😀", "r")] * 3
    ):
        shares.append(Share(f"e{i}", sender, (recipient, "用户"), "l", "jd", 1e9 + i * 100.0))
    run_both(shares)


def test_a_sighting_is_forgotten_only_with_the_event_that_made_it() -> None:
    """A pair sighted again at an earlier time (a clock that stepped back) keeps that later
    sighting when the first event leaves the window: each event forgets only the sighting
    it made, even if an older one has queued behind a newer event."""
    t = 1_780_000_000.0
    shares = [
        Share("e1", "s1", ("a",), "https://a.top/x", "jd", t + 100),
        Share("e2", "s1", ("b",), "https://a.top/x", "jd", t + 120),
        Share("e3", "s1", ("a",), "https://a.top/x", "jd", t + 50),  # the clock stepped back
        # 30 s after the first event: it leaves the 30 s windows, the two after it stay.
        Share("e4", "s2", ("c",), "https://b.top/", "pdd", t + 131),
        Share("e5", "s1", (), "https://a.top/x", "jd", t + 131),
    ]
    run_both(shares)
    fast = compiled()(PLAN.steps, Counts)
    for share in shares[:-1]:
        fast.observe(share)
    counted = fast.observe(shares[-1]).by
    # a and b both still counted for s1's link in the 30 s window: a's latest sighting (e3)
    # has not left it.
    assert counted[("link_recipients", timedelta(seconds=30))] == 2


def test_a_counter_counts_through_its_gate_and_checks_memory_on_time() -> None:
    """Past its first share of a plan, a counter's ``observe`` is the compiled gate: shares of
    that plan go to the windows directly, with the same counts as the Python windows, and
    the locked path takes the share when the memory check is due and when the plan changes."""
    compiled()
    from linkgate.enforcement._windows import Gate

    fast, slow = counters.LocalCounter(), counters.LocalCounter(windows=counters._PyWindows)
    other = CountPlan.of([("shares", timedelta(minutes=10))], ())
    t = 1_780_000_000.0
    for i in range(3 * counters._CHECK_EVERY):
        plan = other if i in (5, 6, 2000) else PLAN
        share = Share(f"e{i}", f"s{i % 7}", (f"r{i % 13}",), f"l{i % 5}", "jd", t + i)
        assert fast.observe(share, plan) == slow.observe(share, plan)
        gate = fast.observe
        assert isinstance(gate, Gate) and gate.left >= 1
        if i in (5, 7, 2000, 2001):  # the plan changed: a new gate, its countdown full
            assert gate.left == counters._CHECK_EVERY
        elif i == 6:  # the same plan again: through the gate
            assert gate.left == counters._CHECK_EVERY - 1
    assert not isinstance(slow.observe, Gate)  # the Python windows count under the lock


def test_a_gate_counts_down_to_the_locked_path() -> None:
    compiled()
    counter = counters.LocalCounter()
    t = 1_780_000_000.0
    calls: list[int] = []
    counter.observe(Share("e", "s", ("r",), "l", "jd", t), PLAN)
    gate = counter.observe
    locked = counter._observe

    def counted_locked(share: Share, plan: CountPlan) -> Counts:
        calls.append(1)
        return locked(share, plan)

    from linkgate.enforcement._windows import Gate

    mine = Gate(counter._windows, PLAN, 3, counted_locked)
    for i in range(3):
        mine(Share(f"e{i}", "s", ("r",), "l", "jd", t + i), PLAN)
    assert (len(calls), mine.left) == (1, 0)  # two straight to the windows, the third locked
    mine(Share("x", "s", ("r",), "l", "jd", t + 9), other_plan := CountPlan.of([], ()))
    assert len(calls) == 2 and other_plan is not PLAN  # another plan is never counted here
    with pytest.raises(TypeError):
        Gate(counter._windows, PLAN, 3, "not callable")
    with pytest.raises(TypeError):
        Gate(object(), PLAN, 3, counted_locked)
    assert gate is not mine


def test_a_dropped_counter_is_collected_with_its_gate() -> None:
    """The gate refers to its counter's locked path, and the counter to its gate: a cycle
    the garbage collector frees."""
    compiled()
    counter = counters.LocalCounter()
    counter.observe(Share("e", "s", ("r",), "l", "jd", 1e9), PLAN)
    gone = weakref.ref(counter)
    del counter
    gc.collect()
    assert gone() is None


def test_shares_are_built_in_one_compiled_call() -> None:
    compiled_or_skip(records.COMPILED_BUILDERS, "linkgate._slots")
    from linkgate._slots import Builder

    made = counters.make_share("e", "s", ("r",), "l", None, 1.5)
    assert type(made) is Share and made == Share("e", "s", ("r",), "l", None, 1.5)
    assert made.platform is None and made.at == 1.5
    assert isinstance(counters.make_share, Builder)
    with pytest.raises(TypeError, match="6 positional arguments"):
        counters.make_share("e", "s", ("r",), "l", None)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        counters.make_share("e", "s", ("r",), "l", None, at=1.5)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Builder(tuple, ("a", "b"), ())  # a subclass of tuple, not tuple itself
    with pytest.raises(TypeError):
        Builder(Share, Share._fields, (("at", 1.0),))  # a tuple's items have no defaults


def test_compiled_answers_are_read_only_mappings_of_the_same_counts() -> None:
    """The compiled windows file their counts in Tallies: read-only mappings equal to the
    dicts the Python windows answer with, and read the same way by every consumer."""
    compiled()
    from linkgate.enforcement._windows import Tally

    share = Share("e", "s", ("a", "b"), "https://a.top/x", "jd", 1e9)
    got = compiled()(PLAN.steps, Counts).observe(share)
    want = counters._PyWindows(PLAN.steps, Counts).observe(share)
    by, forwards = got
    assert isinstance(by, Tally) and isinstance(by, Mapping) and not isinstance(by, dict)
    assert by == want.by and want.by == by
    assert (by != want.by) is False and (want.by != by) is False
    assert forwards == want.forwards and dict(forwards) == want.forwards
    assert list(by) == list(want.by) and list(by.items()) == list(want.by.items())
    assert list(by.keys()) == list(want.by.keys()) and list(by.values()) == list(want.by.values())
    assert len(by) == len(want.by) and by.copy() == want.by and type(by.copy()) is dict
    key = ("link_recipients", timedelta(seconds=30))
    assert by[key] == 2 and by[("link_recipients", timedelta(seconds=30))] == 2  # an equal key
    assert key in by and ("shares", timedelta(days=9)) not in by
    assert got.get("link_recipients", timedelta(seconds=30)) == 2
    assert by.get(("nothing", WINDOWS[0])) is None and by.get(("nothing", WINDOWS[0]), 0) == 0
    with pytest.raises(KeyError):
        by[("nothing", WINDOWS[0])]
    with pytest.raises(TypeError):
        by[{}]  # type: ignore[index]  # unhashable, as a dict says
    with pytest.raises(TypeError):
        [] in by  # noqa: B015
    with pytest.raises(TypeError):
        hash(by)
    with pytest.raises(TypeError):
        by[key] = 3  # type: ignore[index]
    assert by != {**want.by, key: 3} and by != {} and by != [] and bool(by)
    assert repr(by) == f"Tally({want.by!r})"
    # A link of no platform: no platform counts filed, as the Python windows file none.
    bare = Share("e", "s", ("a",), "https://a.top/x", None, 1e9)
    got_bare = compiled()(PLAN.steps, Counts).observe(bare)
    assert got_bare == counters._PyWindows(PLAN.steps, Counts).observe(bare)
    assert all(measure != "platform_recipients" for measure, _ in got_bare.by)
    # A plan of no counts answers empty mappings, which read as false.
    empty = compiled()((), Counts).observe(share)
    assert not empty.by and not empty.forwards and empty == Counts()


def test_a_key_filed_twice_keeps_one_entry_as_a_dict_does() -> None:
    steps = ((2, ("shares", WINDOWS[0]), 30.0), (2, ("shares", WINDOWS[0]), 600.0))
    share = Share("e", "s", ("a",), "l", "jd", 1e9)
    got = compiled()(steps, Counts).observe(share)
    assert got == counters._PyWindows(steps, Counts).observe(share)
    assert len(got.by) == 1


@settings(max_examples=150, deadline=None)
@given(drawn_shares, st.lists(st.sampled_from(["all", "by", "forwards", "none"]), min_size=1))
def test_an_answer_that_is_kept_never_changes(drawn: list[Any], keeps: list[str]) -> None:
    """The compiled windows give out again an answer nobody holds any more: one that is
    kept, whole or either half, stays as it was while later shares are counted, and every
    answer, new or given out again, holds only its own share's counts."""
    fast = compiled()(PLAN.steps, Counts)
    slow = counters._PyWindows(PLAN.steps, Counts)
    kept: list[tuple[Any, Any]] = []
    for i, share in enumerate(drawn_to_shares(drawn)):
        got, want = fast.observe(share), slow.observe(share)
        assert got == want
        keep = keeps[i % len(keeps)]
        if keep == "all":
            kept.append((got, want))
        elif keep == "by":
            kept.append((got.by, want.by))
        elif keep == "forwards":
            kept.append((got.forwards, want.forwards))
        del got
        for held, expected in kept:
            assert held == expected


def test_answers_are_given_out_again_only_when_nobody_holds_them() -> None:
    windows = compiled()(PLAN.steps, Counts)
    shares = [Share("e", "s", (f"r{i}",), "https://a.top/x", "jd", 1e9 + i) for i in range(40)]
    # Dropped at once: the same few objects serve every share.
    seen = {id(windows.observe(share)) for share in shares[:20]}
    assert len(seen) <= 4
    # Kept: every answer is its own object, and keeps its counts.
    held = [windows.observe(share) for share in shares[20:]]
    assert len({id(answer) for answer in held}) == len(held)
    shares_hour = ("shares", WINDOWS[2])
    assert [answer.by[shares_hour] for answer in held] == list(range(21, 41))
