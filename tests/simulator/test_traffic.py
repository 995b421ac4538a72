"""Generated traffic: deterministic, and shaped like the share traffic it stands for."""

from __future__ import annotations

import hashlib
import io
import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest

from linkgate.facts import Inspector
from linkgate.simulator.links import LONG_TAIL, PLATFORM_MIX
from linkgate.simulator.rng import Zipf
from linkgate.simulator.schema import parse_line, write_traffic
from linkgate.simulator.traffic import (
    BAD_SHARE,
    CHANNEL_MIX,
    CST,
    SCHEMELESS_SHARE,
    SHARES_PER_LINK,
    SPAM_SHARE,
    ZIPF_S,
    Labeled,
    TrafficSpec,
    generate,
    generate_labeled,
    parse_start,
)

SPEC = TrafficSpec(days=2, shares_per_day=30_000, seed=5)


@pytest.fixture(scope="module")
def labeled() -> list[Labeled]:
    return list(generate_labeled(SPEC))


def digest(spec: TrafficSpec) -> str:
    out = io.StringIO()
    write_traffic(generate(spec), out)
    return hashlib.sha256(out.getvalue().encode("utf-8")).hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    spec = TrafficSpec(days=2, shares_per_day=3000, seed=42)
    assert digest(spec) == digest(TrafficSpec(days=2, shares_per_day=3000, seed=42))
    assert digest(spec) != digest(TrafficSpec(days=2, shares_per_day=3000, seed=43))


def test_every_line_reads_back_as_the_same_event() -> None:
    for event in generate(TrafficSpec(days=1, shares_per_day=2000, seed=3)):
        line = event.to_line()
        assert parse_line(line) == event
        assert "\n" not in line


def test_exact_count_per_day_in_time_order(labeled: list[Labeled]) -> None:
    times = [item.event.time for item in labeled]
    assert len(times) == SPEC.total
    assert times == sorted(times)
    per_day = Counter(t.date() for t in times)
    assert per_day == {
        (SPEC.start + timedelta(days=d)).date(): SPEC.shares_per_day for d in range(SPEC.days)
    }
    assert all(t.utcoffset() == timedelta(hours=8) for t in times)


def test_groups_only_in_group_chats(labeled: list[Labeled]) -> None:
    for item in labeled:
        assert (item.event.group is not None) == (item.event.channel == "group_chat")
        assert item.event.sender is not None
        assert item.event.title


def test_platform_mix_within_a_point_of_the_published_mix(labeled: list[Labeled]) -> None:
    ordinary = [i for i in labeled if i.sender_kind == "normal"]
    bad = sum(1 for i in ordinary if i.origin == "bad")
    assert abs(bad / len(ordinary) - BAD_SHARE) < 0.005
    families = Counter(i.link.family for i in ordinary if i.origin == "platform")
    total = sum(families.values())
    weights = sum(PLATFORM_MIX.values())
    for family, weight in PLATFORM_MIX.items():
        assert abs(families[family] / total - weight / weights) < 0.01, family


def test_channel_mix_within_a_point(labeled: list[Labeled]) -> None:
    ordinary = [i for i in labeled if i.sender_kind == "normal"]
    channels = Counter(i.event.channel for i in ordinary)
    for channel, share in CHANNEL_MIX.items():
        assert abs(channels[channel] / len(ordinary) - share) < 0.01, channel


def test_daily_rhythm_peaks_in_the_evening_and_sleeps_before_dawn(
    labeled: list[Labeled],
) -> None:
    hours = Counter(i.event.time.hour for i in labeled)
    peak = max(hours, key=lambda h: hours[h])
    trough = min(hours, key=lambda h: hours[h])
    assert peak in (20, 21, 22)
    assert trough in (2, 3, 4, 5)
    assert hours[peak] > 8 * hours[trough]
    evening = sum(hours[h] for h in range(19, 23))
    morning = sum(hours[h] for h in range(6, 10))
    assert evening > 2 * morning


def test_link_popularity_has_a_zipf_head(labeled: list[Labeled]) -> None:
    urls = Counter(
        i.link.url for i in labeled if i.origin == "platform" and i.link.family == "alibaba"
    )
    draws = sum(urls.values())
    share = PLATFORM_MIX["alibaba"] / sum(PLATFORM_MIX.values())
    pool = max(20, round(SPEC.total * share / SHARES_PER_LINK))
    zipf = Zipf(pool, ZIPF_S)
    ranked = [n for _, n in urls.most_common()]
    assert ranked[0] / draws == pytest.approx(zipf.head_share(1), rel=0.15)
    assert sum(ranked[:10]) / draws == pytest.approx(zipf.head_share(10), rel=0.10)
    # Frequency falls like 1/k over the head: log-log slope near -1.
    ks = range(1, 31)
    xs = [math.log(k) for k in ks]
    ys = [math.log(ranked[k - 1]) for k in ks]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    assert -1.3 < slope < -0.7


def test_spammers_blast_one_link_to_many_recipients(labeled: list[Labeled]) -> None:
    spam = [i for i in labeled if i.sender_kind == "spammer"]
    assert len(spam) == SPEC.days * round(SPEC.shares_per_day * SPAM_SHARE)
    spammers = {i.event.sender for i in spam}
    normal = {i.event.sender for i in labeled if i.sender_kind == "normal"}
    assert not spammers & normal
    assert len(spammers) < 0.01 * len(normal)
    bursts: dict[tuple[str | None, str], list[datetime]] = defaultdict(list)
    for i in spam:
        bursts[(i.event.sender, i.event.url)].append(i.event.time)
    sizes = [len(times) for times in bursts.values()]
    assert sum(1 for n in sizes if n >= 8) >= 0.9 * len(sizes)
    assert sum(1 for i in spam if i.origin == "bad") > 0.5 * len(spam)
    assert {i.event.channel for i in spam} == {"private_chat", "group_chat"}


def test_platform_links_resolve_to_their_platform_and_kind(
    labeled: list[Labeled], inspector: Inspector
) -> None:
    seen: set[str] = set()
    wrong = []
    for i in labeled:
        if i.origin != "platform" or i.link.url in seen:
            continue
        seen.add(i.link.url)
        facts = inspector.inspect(i.event.url)
        family = facts.platform_id or LONG_TAIL
        if (family, facts.link_kind) != (i.link.family, i.link.kind) or facts.signals:
            wrong.append((i.event.url, family, facts.link_kind, facts.signals))
    assert len(seen) > 5000
    assert wrong == []


def test_bad_links_are_caught_by_the_link_core(
    labeled: list[Labeled], inspector: Inspector
) -> None:
    kinds: Counter[str] = Counter()
    for i in labeled:
        if i.origin != "bad":
            continue
        facts = inspector.inspect(i.event.url)
        assert facts.platform is None, i.event.url
        if i.link.bad == "malformed":
            assert not facts.valid, i.event.url
        elif i.link.bad is not None:
            assert facts.signals, i.event.url
        else:
            assert i.link.content in ("fake_red_envelope", "induced_sharing")
        kinds[i.link.bad or i.link.content or ""] += 1
    assert set(kinds) >= {
        "userinfo",
        "lookalike",
        "platform_in_subdomain",
        "ip_host",
        "embedded_url",
        "malformed",
        "fake_red_envelope",
        "induced_sharing",
    }


def test_some_links_are_typed_without_a_scheme(labeled: list[Labeled]) -> None:
    platform = [i for i in labeled if i.origin == "platform"]
    bare = sum(1 for i in platform if "://" not in i.event.url)
    assert abs(bare / len(platform) - SCHEMELESS_SHARE) < 0.005


def test_spec_and_start_are_checked() -> None:
    with pytest.raises(ValueError, match="days"):
        TrafficSpec(days=0)
    with pytest.raises(ValueError, match="shares per day"):
        TrafficSpec(shares_per_day=0)
    with pytest.raises(ValueError, match="UTC offset"):
        TrafficSpec(start=datetime(2021, 9, 15))
    assert parse_start("2021-09-17") == datetime(2021, 9, 17, tzinfo=CST)
    assert parse_start("2021-09-17T00:00:00Z").utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_start("2021-09-17T08:00:00")
    with pytest.raises(ValueError, match="not an ISO 8601"):
        parse_start("yesterday")
