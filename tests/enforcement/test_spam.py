"""Sender thresholds and the action ladder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linkgate.enforcement.spam import Counts, PriorAction, SpamParams, Threshold, verdict

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
TEN = timedelta(minutes=10)
P = SpamParams(thresholds=(Threshold("blast", "link_recipients", TEN, 20),))


def counts(n: int) -> Counts:
    return Counts({("link_recipients", TEN): n})


def test_at_the_limit_nothing_happens_one_more_crosses() -> None:
    assert verdict(P, counts(20), [], NOW) is None
    first = verdict(P, counts(21), [], NOW)
    assert first is not None and first.action == "warn" and first.rung == 1
    assert "21 distinct recipients of one link in 10m (limit 20)" in first.reason
    assert first.expires_at is None


def test_the_ladder_climbs_after_each_cooldown() -> None:
    prior: list[PriorAction] = []
    seen = []
    at = NOW
    for _ in range(6):
        v = verdict(P, counts(50), prior, at)
        assert v is not None
        seen.append((v.action, v.expires_at - at if v.expires_at else None))
        prior.append(PriorAction(v.action, at))
        at += timedelta(hours=2)
    assert seen == [
        ("warn", None),
        ("restrict_links", timedelta(hours=24)),
        ("restrict_links", timedelta(days=7)),
        ("ban", timedelta(days=30)),
        ("permanent_ban", None),
        ("permanent_ban", None),
    ]


def test_no_new_action_within_the_cooldown() -> None:
    prior = [PriorAction("warn", NOW - timedelta(minutes=30))]
    assert verdict(P, counts(50), prior, NOW) is None


def test_lifted_and_old_actions_do_not_count() -> None:
    prior = [
        PriorAction("restrict_links", NOW - timedelta(days=2), lifted=True),
        PriorAction("warn", NOW - timedelta(days=400)),
    ]
    v = verdict(P, counts(50), prior, NOW)
    assert v is not None and v.action == "warn"


def test_upheld_reports_against_shared_links_count() -> None:
    v = verdict(P, counts(1), [], NOW, upheld_reports=3)
    assert v is not None and "3 upheld reports" in v.reason
    assert verdict(P, counts(1), [], NOW, upheld_reports=2) is None
