"""Reports, review, credit, blocks, overrides, appeals and rollout safety on a real store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from linkgate.casework import CaseError, Casework, RateLimited, ReportIntake, Stores
from linkgate.events import Pseudonymizer
from linkgate.gateway import Gateway, Snapshot
from linkgate.policy.decision import Decision
from linkgate.policy.evaluator import Evaluator, State
from linkgate.policy.loader import default_policy_path, parse_policy
from linkgate.policy.model import Policy
from linkgate.storage.audit import AuditLog
from linkgate.storage.blocks import BlockRecord
from linkgate.storage.events import EventStore
from tests.storage.conftest import FakeClock

JD = "https://item.jd.com/100012043978.html"
EVIL = "https://hongbao.evil-example.top/get/red.html"
GATEWAY = Gateway.default()


class Desk:
    """Casework over a store, and decisions that read its state."""

    def __init__(self, engine: Engine, clock: FakeClock, policy: Policy | None = None) -> None:
        self.clock = clock
        self.policy = policy or GATEWAY.snapshot.policy
        self.changes = 0
        self.audit = AuditLog(engine, clock=clock)
        self.cw = Casework(
            engine,
            Stores.on(engine, self.audit),
            policy=lambda: self.policy,
            registry=lambda: GATEWAY.snapshot.inspector.registry,
            inspect=GATEWAY.inspect,
            pseudonym=Pseudonymizer(b"k"),
            clock=clock,
            changed=self._changed,
        )

    def _changed(self) -> None:
        self.changes += 1

    def report(
        self, reporter: str, url: str = EVIL, category: str = "fake_red_envelope", **kw: object
    ) -> object:
        return self.cw.file_report(
            ReportIntake(url=url, category=category, reporter=reporter, **kw)
        )  # type: ignore[arg-type]

    def decide(self, url: str, channel: str = "private_chat") -> Decision:
        base = GATEWAY.snapshot
        platforms, domains = self.cw.credit_maps()
        state = State(blocks=self.cw.block_index(), credit=platforms, domain_credit=domains)
        evaluator = Evaluator(self.policy, self.cw.paused_phases())
        gateway = Gateway(Snapshot(self.policy, evaluator, base.inspector, state))
        return gateway.decide(url, channel=channel, at=self.clock.now)


@pytest.fixture
def desk(engine: Engine, clock: FakeClock) -> Desk:
    return Desk(engine, clock)


def test_a_report_is_stored_once_per_reporter_and_link(desk: Desk) -> None:
    first = desk.report("alice")
    again = desk.cw.file_report(
        ReportIntake(url=EVIL + "#frag", category="fraud", reporter="alice")
    )
    assert first.created and not again.created  # type: ignore[attr-defined]
    assert again.report.id == first.report.id  # type: ignore[attr-defined]
    case = desk.cw.link_case(first.report.url)  # type: ignore[attr-defined]
    assert case is not None and len(case.reports) == 1


def test_reporters_are_rate_limited_with_a_retry_time(desk: Desk) -> None:
    per_hour = desk.policy.reports.per_hour
    for i in range(per_hour):
        desk.report("spammy", url=f"https://site{i}.example.top/")
        desk.clock.advance(seconds=10)
    with pytest.raises(RateLimited) as info:
        desk.report("spammy", url="https://one-more.example.top/")
    assert 0 < info.value.retry_after <= 3600
    desk.clock.advance(seconds=info.value.retry_after + 1)
    desk.report("spammy", url="https://one-more.example.top/")


def test_weighted_reports_restrict_the_link_at_once_and_rejection_lifts_it(desk: Desk) -> None:
    assert desk.decide(EVIL).treatment == "plain_page"
    for name in ("a", "b"):
        assert desk.report(name).restricted is None  # type: ignore[attr-defined]
    receipt = desk.report("c")
    assert receipt.restricted is not None  # type: ignore[attr-defined]
    decision = desk.decide(EVIL)
    assert decision.treatment == "blocked"  # fake red envelopes restrict to blocked
    assert decision.reasons[0] == "fake_red_envelope"
    assert "虚假红包" in decision.reason_text["zh"]
    assert any("pending review" in c.detail for c in decision.trace)
    assert desk.changes == 1

    desk.cw.review(receipt.report.id, outcome="rejected", by="rev", note="a real promotion")  # type: ignore[attr-defined]
    assert desk.decide(EVIL).treatment == "plain_page"
    statuses = {r.status for r in desk.cw.stores.reports.page(url=receipt.report.url)}  # type: ignore[attr-defined]
    assert statuses == {"rejected"}


def test_induced_sharing_restriction_is_copy_only_with_the_users_text(desk: Desk) -> None:
    url = "https://share.evil-example.top/zhuli"
    for name in ("a", "b", "c"):
        desk.report(name, url=url, category="induced_sharing")
    decision = desk.decide(url)
    assert decision.treatment == "copy_only"
    assert decision.reason_text["zh"] == "网页包含诱导分享、关注等诱导行为内容，被多人投诉"


def test_a_brigade_of_linked_accounts_counts_about_one_reporter(desk: Desk) -> None:
    for i in range(6):
        receipt = desk.report(f"sock{i}", reporter_inviter="puppet-master")
    assert receipt.restricted is None  # type: ignore[attr-defined]
    case = desk.cw.link_case(receipt.report.url)  # type: ignore[attr-defined]
    assert case is not None and case.total == pytest.approx(1.0)
    why = case.reports[0].weight.factors[-1].why
    assert "same inviter" in why and "1/6" in why


def test_rejected_reporters_count_less_next_time(desk: Desk) -> None:
    receipt = desk.report("crank", url="https://fine.example.top/a")
    desk.cw.review(receipt.report.id, outcome="rejected", by="rev", note="")  # type: ignore[attr-defined]
    later = desk.report("crank", url="https://fine.example.top/b")
    assert later.report.base_weight == pytest.approx(2 * 1 / 3)  # type: ignore[attr-defined]


def test_uphold_creates_credit_events_a_ladder_block_and_a_lower_score(desk: Desk) -> None:
    for name in ("a", "b", "c"):
        receipt = desk.report(name)
    result = desk.cw.review(receipt.report.id, outcome="upheld", by="rev", note="fake")  # type: ignore[attr-defined]
    assert len(result["events"]) == 3
    block = result["block"]
    assert block["source"] == "violation" and block["expires_at"] is None and block["rung"] == 1
    decision = desk.decide(EVIL)
    assert decision.treatment == "blocked" and decision.category == "fake_red_envelope"
    enforcement = next(c for c in decision.trace if c.stage == "enforcement")
    assert enforcement.rule == f"block.{block['id']}" and "until lifted" in enforcement.detail
    domain = desk.cw.score(domain="evil-example.top")
    assert domain.score < 100 and domain.events == 3


def test_the_second_violation_on_a_domain_is_blocked_for_12_hours(desk: Desk) -> None:
    desk.cw.record_violation(EVIL, "fraud", by="op", note="")
    desk.clock.advance(hours=1)
    second = desk.cw.record_violation(
        "https://hongbao.evil-example.top/other", "marketing", by="op", note=""
    )
    expires = second["block"]["expires_at"]
    assert expires == (desk.clock.now + timedelta(hours=12)).isoformat()
    decision = desk.decide("https://hongbao.evil-example.top/other")
    assert decision.treatment == "blocked"
    assert decision.ttl_seconds <= 12 * 3600


def test_one_users_bad_link_never_blocks_a_whole_platform(desk: Desk) -> None:
    for _ in range(3):
        desk.cw.record_violation(JD, "fraud", by="op", note="")
        desk.clock.advance(days=2)
    view = desk.cw.credit_view("jd")
    assert view["score"] < 100
    assert view["effective_caps"]["applies"] is False
    assert "distinct links" in view["effective_caps"]["why_not"]
    other = desk.decide("https://item.jd.com/99999.html")
    assert other.treatment == "rich_page"
    assert desk.decide(JD).treatment == "blocked"


def test_an_upheld_appeal_lifts_the_block_and_restores_the_score(desk: Desk) -> None:
    before = desk.cw.score(platform="jd").score
    made = desk.cw.record_violation(JD, "fraud", by="op", note="")
    assert desk.cw.score(platform="jd").score < before
    appeal = desk.cw.file_appeal(
        platform="jd",
        target=made["block"]["id"],
        reason="page fixed",
        evidence_url=None,
        by="jd-key",
    )
    assert appeal.due_at == desk.clock.now + timedelta(hours=72)
    with pytest.raises(CaseError) as other:
        desk.cw.file_appeal(
            platform="pdd", target=made["block"]["id"], reason="x", evidence_url=None, by="k"
        )
    assert other.value.status == 403
    result = desk.cw.decide_appeal(appeal.id, outcome="granted", note="ok", by="rev")
    assert result["lifted"] == [made["block"]["id"]]
    assert result["voided"] == [made["event"]]
    assert desk.cw.score(platform="jd").score == before
    assert desk.decide(JD).treatment == "rich_page"
    with pytest.raises(CaseError) as twice:
        desk.cw.decide_appeal(appeal.id, outcome="denied", note="", by="rev")
    assert twice.value.status == 409


def test_overdue_appeals_are_listed(desk: Desk) -> None:
    made = desk.cw.record_violation(JD, "fraud", by="op", note="")
    desk.cw.file_appeal(
        platform="jd", target=made["block"]["id"], reason="x", evidence_url=None, by="k"
    )
    assert desk.cw.stores.appeals.page(overdue_at=desk.clock.now) == []
    desk.clock.advance(hours=73)
    assert len(desk.cw.stores.appeals.page(overdue_at=desk.clock.now)) == 1


def test_flipping_back_after_an_appeal_is_evasion(desk: Desk) -> None:
    made = desk.cw.record_violation(EVIL, "fraud", by="op", note="")
    appeal = desk.cw.file_appeal(
        platform=None, target=made["block"]["id"], reason="fixed", evidence_url=None, by="k"
    )
    desk.cw.decide_appeal(appeal.id, outcome="granted", note="", by="rev")
    desk.clock.advance(days=2)
    again = desk.cw.record_violation(EVIL, "fraud", by="op", note="")
    assert again["block"]["evasion"] is True
    assert again["block"]["scope"] == "domain"
    assert desk.decide("https://www.evil-example.top/anything").treatment == "blocked"


def test_an_allow_override_lifts_blocks_and_credit_for_its_target(desk: Desk) -> None:
    desk.cw.record_violation(EVIL, "fraud", by="op", note="")
    override = desk.cw.add_override(
        scope="domain",
        target="evil-example.top",
        expires_at=desk.clock.now + timedelta(days=1),
        note="verified by the legal team",
        by="op",
    )
    decision = desk.decide(EVIL)
    assert decision.treatment == "plain_page"
    assert any(c.rule == f"override.{override.id}" for c in decision.trace)
    desk.clock.advance(days=2)
    assert desk.decide(EVIL).treatment == "blocked"


def operator_block(desk: Desk, scope: str, target: str, note: str = "") -> BlockRecord:
    return desk.cw.create_block(
        scope=scope,
        target=target,
        treatment="copy_only",
        reason="enforcement_block",
        category=None,
        expires_at=None,
        note=note,
        by="op",
    )


def test_operator_blocks_by_scope_and_lifting(desk: Desk) -> None:
    block = operator_block(desk, "path", "https://item.jd.com/sale/1.html", "flash sale scam")
    assert block.target == "item.jd.com/sale/1.html"
    desk.cw.lift_block(block.id, by="op", reason="mistake")
    with pytest.raises(CaseError):
        desk.cw.lift_block(block.id, by="op", reason="again")
    path = operator_block(desk, "path", "https://item.jd.com/sale/")
    assert desk.decide("https://item.jd.com/sale/2.html").treatment == "copy_only"
    assert desk.decide(JD).treatment == "rich_page"
    desk.cw.lift_block(path.id, by="op", reason="done")


def test_a_phase_crossing_its_complaint_bound_pauses_and_resumes(
    engine: Engine, clock: FakeClock
) -> None:
    text = (
        default_policy_path()
        .read_text(encoding="utf-8")
        .replace(
            "      platforms: {tiers: [competitor]}\n      channels: [private_chat]\n",
            "      platforms: {tiers: [competitor]}\n      channels: [private_chat]\n"
            "      bounds: {complaint_rate: 0.01}\n",
            1,
        )
        .replace("rollout:\n  closed:", "rollout:\n  safety: {min_shares: 50}\n  closed:", 1)
    )
    desk = Desk(engine, clock, parse_policy(text, "bounded.yaml"))
    taobao = "https://item.taobao.com/item.htm?id=1"
    decision = desk.decide(taobao)
    assert decision.treatment == "plain_page"
    EventStore(engine).add_many(
        [
            {
                "decision_id": f"d{i}",
                "decided_at": clock.now,
                "kind": "share",
                "url": f"https://item.taobao.com/item.htm?id={i}",
                "platform": "alibaba",
                "domain": "taobao.com",
                "link_kind": "commerce",
                "channel": "private_chat",
                "treatment": "plain_page",
                "interstitial": "warn",
                "policy_revision": "r",
            }
            for i in range(100)
        ]
    )
    assert desk.cw.monitor() == []
    for i in range(2):
        desk.report(
            f"u{i}",
            url=f"https://item.taobao.com/item.htm?id={i}",
            category="fraud",
            channel="private_chat",
        )
    done = desk.cw.monitor()
    assert any("paused phase-1-private-chat" in line for line in done)
    assert desk.cw.monitor() == [] or all("paused" not in line for line in desk.cw.monitor())
    paused = desk.decide(taobao)
    assert paused.treatment == "copy_only" and "rollout_paused" in paused.reasons
    desk.cw.resume_phase("phase-1-private-chat", by="op")
    assert desk.decide(taobao).treatment == "plain_page"
    actions = [e.action for e in desk.audit.entries()]
    assert "phase.pause" in actions and "phase.resume" in actions


def test_every_state_change_is_audited_and_the_chain_verifies(desk: Desk) -> None:
    for name in ("a", "b", "c"):
        receipt = desk.report(name)
    desk.cw.review(receipt.report.id, outcome="upheld", by="rev", note="")  # type: ignore[attr-defined]
    made = desk.cw.record_violation(JD, "fraud", by="op", note="")
    appeal = desk.cw.file_appeal(
        platform="jd", target=made["block"]["id"], reason="x", evidence_url=None, by="k"
    )
    desk.cw.decide_appeal(appeal.id, outcome="granted", note="", by="rev")
    desk.cw.monitor()
    actions = {e.action for e in desk.audit.entries()}
    assert {
        "report.file",
        "block.restrict",
        "report.uphold",
        "block.lift",
        "block.create",
        "credit.score",
        "violation.record",
        "appeal.file",
        "appeal.grant",
        "credit.void",
        "credit.band",
    } <= actions
    assert desk.audit.verify() == []


def test_nothing_is_half_written_when_a_change_fails(desk: Desk) -> None:
    from linkgate.errors import RequestError

    before = desk.audit.head()
    with pytest.raises(RequestError):
        desk.cw.create_block(
            scope="platform",
            target="no-such-platform",
            treatment="blocked",
            reason="x",
            category=None,
            expires_at=None,
            note="",
            by="op",
        )
    assert desk.audit.head() == before


def test_bad_requests_name_the_field(desk: Desk) -> None:
    from linkgate.errors import RequestError

    with pytest.raises(RequestError) as info:
        desk.report("a", url="http://[::1")
    assert info.value.field == "url"
    with pytest.raises(RequestError) as info:
        desk.report("a", category="nope")
    assert info.value.field == "category"


def test_platform_credit_view(desk: Desk) -> None:
    desk.cw.record_violation(JD, "fraud", by="op", note="")
    view = desk.cw.credit_view("jd")
    assert view["events"]["total"] == 1 and view["band"] in {"normal", "reduced", "warned", "low"}
    assert view["blocks"][0]["url"] == view["events"]["items"][0]["url"]
    with pytest.raises(CaseError):
        desk.cw.credit_view("nope")


def test_replace_keeps_policy_parameters() -> None:
    policy = GATEWAY.snapshot.policy
    assert replace(policy.reports, restrict_weight=5).restrict_weight == 5
    assert policy.credit.prior_shares == 10_000


def test_an_operator_domain_block_must_name_a_domain(desk: Desk) -> None:
    from linkgate.errors import RequestError

    for target in ("*", "a..b"):
        with pytest.raises(RequestError) as info:
            operator_block(desk, "domain", target)
        assert info.value.field == "target"
