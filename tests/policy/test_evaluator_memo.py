"""The evaluator's memos (static part, link constraints, explained outcomes, last epoch)
give every decision exactly what a gateway deciding it for the first time gives."""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta, timezone
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus import generate
from linkgate.enforcement.blocks import Block, BlockIndex
from linkgate.enforcement.senders import SenderState, SenderTable
from linkgate.gateway import Gateway
from linkgate.lists.threats import ListEntry, ThreatLists
from linkgate.policy.decision import Decision
from linkgate.policy.evaluator import State, whole_seconds_between
from linkgate.policy.loader import default_policy_path
from linkgate.vocabulary import CHANNELS
from tests.rollout.test_percentages import DOUYIN, RAMPED

TIMES = ("2021-09-01T12:00:00+08:00", "2021-10-01T12:00:00+08:00", "2021-12-01T12:00:00Z")
UNTIL = datetime(2021, 11, 25, tzinfo=UTC)


def as_seen(decision: Decision) -> dict[str, Any]:
    out = decision.to_dict()
    out.pop("decision_id")
    return out


def first_time(gateway: Gateway) -> Gateway:
    """The same policy, links and state, with an evaluator that has decided nothing yet."""
    snap = gateway.snapshot
    return Gateway(snap.with_policy(snap.policy))


def listed_state() -> State:
    threats = ThreatLists()
    threats.add_domain("evil.top", ListEntry("t1", "phishing"))
    threats.add_domain("taobao.com", ListEntry("t1", "malware", UNTIL))
    threats.add_full_hash(sha256(b"tmall.com/").digest(), ListEntry("t2", "phishing"))
    blocks = BlockIndex([Block("b1", "domain", "douyin.com", "blocked", "fraud", "fraud", UNTIL)])
    senders = SenderTable([SenderState("s1", "restrict_links", "spam")])
    return State(threats, blocks, {"jd": 10.0, "pinduoduo": 65.0}, senders)


def requests() -> list[tuple[str, str, str, str | None]]:
    links = [*generate(400, seed=11), "https://taobao.com@evil.top/x", "javascript:alert(1)"]
    return [
        (url, CHANNELS[i % len(CHANNELS)], TIMES[i % len(TIMES)], "s1" if i % 9 == 0 else None)
        for i, url in enumerate(links)
    ]


@pytest.mark.parametrize("state", [State(), listed_state()], ids=["empty", "listed"])
def test_warm_decisions_equal_first_decisions(state: State) -> None:
    warm = Gateway(Gateway.default().snapshot.with_state(state))
    for _ in range(2):  # the second round runs on filled memos
        for url, channel, at, sender in requests():
            fresh = first_time(warm)
            got = warm.decide(url, channel=channel, at=at, sender=sender)
            expected = fresh.decide(url, channel=channel, at=at, sender=sender)
            assert as_seen(got) == as_seen(expected), (url, channel, at)


def test_memos_are_shared_across_states_without_leaking() -> None:
    base = Gateway.default()
    listed = Gateway(base.snapshot.with_state(listed_state()))
    url = "https://taobao.com@evil.top/x"
    clean = base.decide(url, channel="private_chat", at=TIMES[2])
    hit = listed.decide(url, channel="private_chat", at=TIMES[2])
    again = base.decide(url, channel="private_chat", at=TIMES[2])
    assert "threat_list" not in clean.reasons and "threat_list" in hit.reasons
    assert as_seen(again) == as_seen(clean)


def test_counterfactuals_follow_each_user_when_a_later_phase_ramps(tmp_path: Path) -> None:
    text = default_policy_path().read_text(encoding="utf-8")
    anchor = "\nchannel_rules:"
    path = tmp_path / "ramped.yaml"
    path.write_text(text.replace(anchor, RAMPED + anchor, 1), encoding="utf-8")
    warm = Gateway.from_files(policy=path)
    at = "2022-02-20T12:00:00+08:00"
    whens = set()
    for i in range(120):
        viewer = f"user-{i}"
        got = warm.decide(DOUYIN, channel="moments", at=at, viewer=viewer)
        expected = first_time(warm).decide(DOUYIN, channel="moments", at=at, viewer=viewer)
        assert as_seen(got) == as_seen(expected), viewer
        whens.update(c.at for c in got.counterfactuals if c.stage == "rollout")
    assert len(whens) == 3  # admitted at 10 %, at 50 % or at 100 %: one date each


def test_epoch_of_any_time_in_any_order() -> None:
    evaluator = Gateway.default().snapshot.evaluator
    stamps = [t.timestamp() for t in evaluator._boundaries]
    start = datetime(2021, 9, 16, 23, 59, 58, tzinfo=UTC) - timedelta(hours=8)
    times = [start + timedelta(seconds=s) for s in (0, 1, 2, 3, 1, 2, 0)] + [
        datetime(1999, 1, 1, tzinfo=UTC),
        datetime(2030, 1, 1, tzinfo=UTC),
    ]
    for t in times + times[::-1]:
        assert evaluator.epoch(t) == bisect_right(stamps, t.timestamp())
        assert evaluator.epoch(t) == evaluator.epoch(datetime.fromisoformat(t.isoformat()))


_EVALUATOR = Gateway.default().snapshot.evaluator


@settings(max_examples=500, deadline=None)
@given(
    boundary=st.integers(min_value=0, max_value=1_000_000),
    offset_us=st.one_of(
        st.integers(min_value=-3_000_000, max_value=3_000_000),
        st.integers(min_value=-(10**12), max_value=10**12),
    ),
    zone_minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_seconds_to_the_next_boundary_are_those_of_the_exact_difference(
    boundary: int, offset_us: int, zone_minutes: int
) -> None:
    """Read from timestamps, yet the same whole seconds as subtracting the aware times,
    also within microseconds of a whole second, where rounded timestamps could cross it."""
    evaluator = _EVALUATOR
    edges = evaluator._boundaries
    edge = edges[boundary % len(edges)]
    zone = timezone(timedelta(minutes=zone_minutes))
    at = (edge + timedelta(microseconds=offset_us)).astimezone(zone)
    following = evaluator.next_boundary(at)
    expected = None if following is None else int((following - at).total_seconds())
    assert evaluator.seconds_to_boundary(at) == expected
    again = datetime.fromisoformat(at.isoformat())  # a new object: no kept timestamp
    assert evaluator.seconds_to_boundary(again) == expected


@settings(max_examples=2000, deadline=None)
@given(
    at=st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=5))]
        ),
    ),
    seconds=st.integers(min_value=-(10**10), max_value=10**10),
    micros=st.sampled_from([0, 1, 999_999, 500_000]),
    shift=st.integers(min_value=-3, max_value=3),
)
def test_whole_seconds_from_timestamps_are_those_of_the_aware_times(
    at: datetime, seconds: int, micros: int, shift: int
) -> None:
    """Also where the difference is a whole second give or take a microsecond, and where
    the two timestamps are of different magnitudes (rounded to different steps)."""
    try:
        later = at + timedelta(seconds=seconds, microseconds=shift) + timedelta(microseconds=micros)
    except OverflowError:
        return
    expected = int((later - at).total_seconds())
    assert whole_seconds_between(later, later.timestamp(), at, at.timestamp()) == expected
