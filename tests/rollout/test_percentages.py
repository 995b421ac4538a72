"""Sticky percentages and ramps: who is admitted stays admitted as a phase ramps up."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from linkgate.gateway import Gateway
from linkgate.policy.loader import default_policy_path
from linkgate.rollout.bucket import BUCKETS, bucket, in_percentage

RAMPED = """\
    - id: phase-3-moments-content
      start: 2022-03-01T00:00:00+08:00
      platforms: {tiers: [competitor]}
      channels: [moments]
      link_kinds: [content]
      percent: 10
      ramp:
        - {at: 2022-03-08T00:00:00+08:00, percent: 50}
        - {at: 2022-03-15T00:00:00+08:00, percent: 100}
"""
DOUYIN = "https://www.douyin.com/video/7012345678901234567"
USERS = [f"user-{i}" for i in range(2000)]


def test_buckets_are_stable_and_spread() -> None:
    assert bucket("p", "alice") == bucket("p", "alice")
    values = [bucket("phase", u) for u in USERS]
    assert all(0 <= v < BUCKETS for v in values)
    inside = sum(v < BUCKETS // 2 for v in values)
    assert 850 < inside < 1150
    assert bucket("p1", "alice") != bucket("p2", "alice") or bucket("p1", "bob") != bucket(
        "p2", "bob"
    )


def test_percentage_bounds() -> None:
    assert in_percentage("p", None, 100)
    assert not in_percentage("p", None, 50)
    assert not in_percentage("p", "alice", 0)
    assert in_percentage("p", "alice", 100)


@pytest.fixture(scope="module")
def ramped(tmp_path_factory: pytest.TempPathFactory) -> Gateway:
    text = default_policy_path().read_text(encoding="utf-8")
    anchor = "\nchannel_rules:"
    text = text.replace(anchor, RAMPED + anchor, 1)
    path: Path = tmp_path_factory.mktemp("ramp") / "ramped.yaml"
    path.write_text(text, encoding="utf-8")
    return Gateway.from_files(policy=path)


def admitted(gateway: Gateway, at: str) -> set[str]:
    return {
        u
        for u in USERS
        if gateway.decide(DOUYIN, channel="moments", at=at, viewer=u).treatment == "plain_page"
    }


def test_ramp_admits_a_growing_sticky_share(ramped: Gateway) -> None:
    before = admitted(ramped, "2022-02-28T12:00:00+08:00")
    ten = admitted(ramped, "2022-03-02T12:00:00+08:00")
    fifty = admitted(ramped, "2022-03-09T12:00:00+08:00")
    full = admitted(ramped, "2022-03-16T12:00:00+08:00")
    assert before == set()
    assert 140 < len(ten) < 260
    assert 880 < len(fifty) < 1120
    assert full == set(USERS)
    assert ten <= fifty <= full


def test_held_back_users_see_why_and_when(ramped: Gateway) -> None:
    out = [
        ramped.decide(DOUYIN, channel="moments", at="2022-03-02T12:00:00+08:00", viewer=u)
        for u in USERS[:200]
    ]
    held = [d for d in out if d.treatment == "copy_only"]
    assert held and all(d.reasons == ("rollout_percentage",) for d in held)
    cf = held[0].counterfactuals[0]
    assert cf.stage == "rollout" and cf.treatment == "plain_page"
    assert cf.at is not None and cf.at <= datetime.fromisoformat("2022-03-15T00:00:00+08:00")


def test_without_a_user_only_full_rollout_admits(ramped: Gateway) -> None:
    partial = ramped.decide(DOUYIN, channel="moments", at="2022-03-09T12:00:00+08:00")
    assert partial.treatment == "copy_only"
    full = ramped.decide(DOUYIN, channel="moments", at="2022-03-16T12:00:00+08:00")
    assert full.treatment == "plain_page"


def test_the_sender_is_bucketed_when_there_is_no_viewer(ramped: Gateway) -> None:
    at = "2022-03-09T12:00:00+08:00"
    for u in USERS[:50]:
        by_viewer = ramped.decide(DOUYIN, channel="moments", at=at, viewer=u).treatment
        by_sender = ramped.decide(DOUYIN, channel="moments", at=at, sender=u).treatment
        assert by_viewer == by_sender
