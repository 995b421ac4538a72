"""The transparency report counts exactly what Casework, Accounts and the gateway stored.

Three days (2025-03-01..03) of decisions, reports, reviews, blocks, appeals
and account actions are made through the real components on SQLite and on
PostgreSQL, with a few before and after the period; the report (from the
store, and from ``linkgate report transparency``) must count each exactly.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from linkgate.accounts import Accounts, Counting
from linkgate.casework import Casework, ReportIntake, Stores
from linkgate.events import Pseudonymizer, event_record
from linkgate.gateway import Gateway, Snapshot
from linkgate.periods import parse_period
from linkgate.policy.evaluator import Evaluator, State
from linkgate.storage.audit import AuditLog
from linkgate.storage.events import EventStore
from linkgate.storage.transparency import read_transparency
from linkgate.transparency.report import build_report
from tests.storage.conftest import FakeClock

GATEWAY = Gateway.default()
EVIL = "https://hongbao.evil-example.top/get/red.html"
SPAM = "https://promo.deals-example.top/buy"
JD = "https://item.jd.com/100012043978.html"
#: Links shared every day: a registered partner page, a competitor page (warned at the
#: time), a userinfo trick, an app download link in Moments, a red-envelope page.
SHARES = (
    (JD, "private_chat"),
    ("https://item.taobao.com/item.htm?id=6543210987", "private_chat"),
    ("https://item.taobao.com@refund-center.top/pay", "group_chat"),
    ("https://www.pinduoduo.com/download.html", "moments"),
    (EVIL, "group_chat"),
    ("https://v.douyin.com/AbCdEf/", "group_chat"),
)


class Desk:
    def __init__(self, engine: Engine, clock: FakeClock) -> None:
        self.engine = engine
        self.clock = clock
        self.policy = GATEWAY.snapshot.policy
        pseudonym = Pseudonymizer(b"k")
        self.pseudonym = pseudonym
        self.cw = Casework(
            engine,
            Stores.on(engine, AuditLog(engine, clock=clock)),
            policy=lambda: self.policy,
            registry=lambda: GATEWAY.snapshot.inspector.registry,
            inspect=GATEWAY.inspect,
            pseudonym=pseudonym,
            clock=clock,
        )
        self.accounts = Accounts(
            self.cw,
            self.cw.stores.accounts,
            counting=Counting(None),
            policy=lambda: self.policy,
            pseudonym=pseudonym,
            clock=clock,
        )
        self.events = EventStore(engine)

    def share_all(self) -> list[Any]:
        """Decide every link of SHARES now, with the store's blocks and credit, and log it."""
        platforms, domains = self.cw.credit_maps()
        state = State(blocks=self.cw.block_index(), credit=platforms, domain_credit=domains)
        gateway = Gateway(
            Snapshot(self.policy, Evaluator(self.policy), GATEWAY.snapshot.inspector, state)
        )
        decisions = [gateway.decide(u, channel=c, at=self.clock.now) for u, c in SHARES]
        self.events.add_records(
            [event_record(d, "share", self.pseudonym, sender="s1") for d in decisions]
        )
        return decisions

    def report(self, reporter: str, url: str, category: str) -> Any:
        return self.cw.file_report(ReportIntake(url=url, category=category, reporter=reporter))

    def blast(self, sender: str) -> Any:
        """One link sent to 31 chats within seconds: over the link-blast threshold."""
        _, action = self.accounts.observe(
            event=f"e{self.clock.now.timestamp()}",
            sender=sender,
            recipients=[f"r{i}" for i in range(31)],
            link=SPAM,
            platform=None,
        )
        return action


def hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def test_transparency_counts_exactly(engine: Engine, clock: FakeClock, tmp_path: Path) -> None:
    desk = Desk(engine, clock)
    # 2025-02-28: before the period. A report filed, shares decided.
    clock.now = datetime(2025, 2, 28, 20, 0, tzinfo=UTC)
    early = desk.report("old", "https://scam.example-bad.top/x", "fraud")
    desk.share_all()
    # Day 0 (03-01).
    clock.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    day0 = desk.share_all()
    filed = []
    for name in ("a", "b", "c"):
        filed.append(desk.report(name, EVIL, "fake_red_envelope"))
        clock.advance(minutes=10)
    warned = desk.blast("spammer")
    clock.advance(hours=2)
    restricted = desk.blast("spammer")
    # Day 1 (03-02): the red-envelope reports upheld (the old one too), a marketing report.
    clock.now = datetime(2025, 3, 2, 14, 0, tzinfo=UTC)
    upheld = desk.cw.review(filed[0].report.id, outcome="upheld", by="rev", note="lure")
    clock.advance(minutes=30)
    desk.cw.review(early.report.id, outcome="upheld", by="rev", note="scam")
    clock.advance(hours=1)
    marketing = desk.report("d", "https://ads.example-promo.top/a", "marketing")
    domain_block = desk.cw.create_block(
        scope="domain",
        target="evil-example.top",
        treatment="blocked",
        reason="enforcement_block",
        category="fake_red_envelope",
        expires_at=None,
        note="lure domain",
        by="op",
    )
    violation = desk.cw.record_violation(JD, "fraud", by="op", note="fake item")
    appeal = desk.cw.file_appeal(
        platform="jd",
        target=violation["block"]["id"],
        reason="page fixed",
        evidence_url=None,
        by="jd-key",
    )
    appeal_filed_at = clock.now
    day1 = desk.share_all()
    restricted_again = desk.blast("spammer")
    clock.advance(hours=2)
    banned = desk.blast("spammer")
    # Day 2 (03-03): the marketing report rejected, the appeal granted, another denied.
    clock.now = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    desk.cw.review(marketing.report.id, outcome="rejected", by="rev", note="fine")
    desk.cw.decide_appeal(appeal.id, outcome="granted", note="ok", by="rev")
    granted_after = clock.now - appeal_filed_at
    second = desk.cw.record_violation(
        "https://item.jd.com/555.html", "fraud", by="op", note="again"
    )
    clock.advance(hours=3)
    other = desk.cw.file_appeal(
        platform="jd", target=second["block"]["id"], reason="no", evidence_url=None, by="k"
    )
    clock.advance(hours=1)
    desk.cw.decide_appeal(other.id, outcome="denied", note="no", by="rev")
    permanent = desk.blast("spammer")
    warned_other = desk.blast("another")
    day2 = desk.share_all()
    # 03-04: after the period.
    clock.now = datetime(2025, 3, 4, 1, 0, tzinfo=UTC)
    desk.share_all()
    desk.report("late", EVIL + "?late", "fraud")
    desk.blast("late-sender")

    actions = [warned, restricted, restricted_again, banned, permanent, warned_other]
    assert [a.action for a in actions] == [
        "warn",
        "restrict_links",
        "restrict_links",
        "ban",
        "permanent_ban",
        "warn",
    ]
    assert domain_block.scope == "domain"

    period = parse_period("2025-03-01", "2025-03-03")
    report = build_report(read_transparency(engine, period.day_edges()), period)

    # Links handled, from the decisions as they were made.
    def handled(decisions: list[Any]) -> Counter[tuple[str, str]]:
        found: Counter[tuple[str, str]] = Counter()
        for d in decisions:
            action = (
                d.treatment
                if d.treatment in ("blocked", "copy_only")
                else ("warned" if d.interstitial == "warn" else None)
            )
            if action is not None:
                found[(d.category or "uncategorised", action)] += 1
        return found

    per_day = [handled(day0), handled(day1), handled(day2)]
    everything = per_day[0] + per_day[1] + per_day[2]
    assert {action for _, action in everything} == {"blocked", "copy_only", "warned"}
    assert len({category for category, _ in everything}) >= 2
    for action in ("blocked", "copy_only", "warned"):
        decisions = sum(n for (_, a), n in everything.items() if a == action)
        links = len(
            {
                d.url
                for d in day0 + day1 + day2
                if (d.treatment == action)
                or (
                    action == "warned"
                    and d.interstitial == "warn"
                    and d.treatment not in ("blocked", "copy_only")
                )
            }
        )
        assert report["links"][action] == {"decisions": decisions, "links": links}
    for row in report["categories"]:
        for action in ("blocked", "copy_only", "warned"):
            assert row[f"links_{action}"] == everything[(row["category"], action)]
    for index, found in enumerate(per_day):
        row = report["daily"][index]
        for action in ("blocked", "copy_only", "warned"):
            assert row[f"links_{action}"] == sum(n for (_, a), n in found.items() if a == action)
    # The block from the upheld reports and the JD violations are not domain blocks.
    assert report["domains_blocked"] == {"count": 1, "domains": ["evil-example.top"]}
    assert [d["domains_blocked"] for d in report["daily"]] == [0, 1, 0]
    assert report["accounts"] == {
        "warned": {"accounts": 2, "actions": 2},
        "restricted": {"accounts": 1, "actions": 2},
        "banned": {"accounts": 1, "actions": 1},
        "permanently_banned": {"accounts": 1, "actions": 1},
    }
    assert [
        (d["accounts_warned"], d["accounts_restricted"], d["accounts_banned"])
        for d in report["daily"]
    ] == [(1, 1, 0), (0, 1, 1), (1, 0, 0)]
    assert [d["accounts_permanently_banned"] for d in report["daily"]] == [0, 0, 1]
    # Reports: three red-envelope reports and one marketing report received; the three
    # and the old fraud report upheld (by review day); the marketing one rejected.
    assert report["reports"]["received"] == 4
    assert report["reports"]["upheld"] == 4
    assert report["reports"]["rejected"] == 1
    assert report["reports"]["reviewed"] == 5
    assert len(upheld["events"]) == 3
    assert [d["reports_received"] for d in report["daily"]] == [3, 1, 0]
    assert [d["reports_upheld"] for d in report["daily"]] == [0, 4, 0]
    categories = {row["category"]: row for row in report["categories"]}
    assert categories["fake_red_envelope"]["reports_received"] == 3
    assert categories["fake_red_envelope"]["reports_upheld"] == 3
    assert categories["fake_red_envelope"]["domains_blocked"] == 1
    assert categories["fraud"]["reports_received"] == 0
    assert categories["fraud"]["reports_upheld"] == 1
    assert categories["marketing"]["reports_received"] == 1
    assert categories["marketing"]["reports_upheld"] == 0
    review_day1 = [
        hours(datetime(2025, 3, 2, 14, 0, tzinfo=UTC) - f.report.created_at) for f in filed
    ] + [hours(datetime(2025, 3, 2, 14, 30, tzinfo=UTC) - early.report.created_at)]
    review_day2 = [hours(datetime(2025, 3, 3, 8, 0, tzinfo=UTC) - marketing.report.created_at)]
    assert report["reports"]["median_hours_to_review"] == round(
        statistics.median(review_day1 + review_day2), 4
    )
    assert [d["median_hours_to_review"] for d in report["daily"]] == [
        None,
        round(statistics.median(review_day1), 4),
        round(review_day2[0], 4),
    ]
    assert report["appeals"] == {
        "filed": 2,
        "granted": 1,
        "denied": 1,
        "median_hours_to_decision": round(statistics.median([hours(granted_after), 1.0]), 4),
    }
    assert [(d["appeals_filed"], d["appeals_granted"]) for d in report["daily"]] == [
        (0, 0),
        (1, 0),
        (1, 1),
    ]
    assert report["period"]["days"] == 3

    # The command line writes the same report as HTML, JSON and CSV.
    out = tmp_path / "published"
    url = engine.url.render_as_string(hide_password=False)
    _cli_report(url, out)
    written = json.loads((out / "transparency.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(report))
    with (out / "transparency-daily.csv").open(encoding="utf-8") as handle:
        daily = list(csv.DictReader(handle))
    assert [row["day"] for row in daily] == ["2025-03-01", "2025-03-02", "2025-03-03"]
    assert [int(row["reports_received"]) for row in daily] == [3, 1, 0]
    assert daily[0]["median_hours_to_review"] == ""
    with (out / "transparency-categories.csv").open(encoding="utf-8") as handle:
        rows = {row["category"]: row for row in csv.DictReader(handle)}
    assert int(rows["fake_red_envelope"]["reports_upheld"]) == 3
    page = (out / "transparency.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 6
    assert "http://" not in page and "https://" not in page
    assert 'id="accounts-permanently-banned">1<' in page
    assert 'id="domains-blocked">1<' in page


def _cli_report(url: str, out: Path) -> None:
    from linkgate.cli.main import main

    main(["report", "transparency", "--from", "2025-03-01", "--to", "2025-03-03",
          "--database", url, "--out", str(out)])  # fmt: skip
