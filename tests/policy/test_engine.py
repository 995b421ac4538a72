"""Decisions beyond the scenario table: trace, counterfactuals, state-driven stages, TTL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkgate.domains.psl import PublicSuffix
from linkgate.enforcement.blocks import Block, BlockIndex
from linkgate.enforcement.senders import SenderState, SenderTable
from linkgate.errors import RequestError
from linkgate.facts import Inspector
from linkgate.gateway import Gateway, Snapshot
from linkgate.lists.threats import ListEntry, ThreatLists
from linkgate.policy.evaluator import ContentSignal, State
from linkgate.policy.loader import default_policy_path
from linkgate.urls.canonical import expressions, full_hashes

P1 = datetime(2021, 10, 1, 12, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
TAOBAO = "https://item.taobao.com/item.htm?id=6543210987"
JD = "https://item.jd.com/100012043978.html"
BILI = "https://www.bilibili.com/video/BV1GJ411x7h7"


@pytest.fixture(scope="module")
def gateway() -> Gateway:
    return Gateway.default()


def with_state(gateway: Gateway, **state: object) -> Gateway:
    return Gateway(gateway.snapshot.with_state(State(**state)))  # type: ignore[arg-type]


def test_trace_lists_every_constraint_not_only_the_binding_one(gateway: Gateway) -> None:
    d = gateway.decide(TAOBAO, channel="moments", at=P1)
    stages = [(c.stage, c.rule) for c in d.trace]
    assert ("rollout", "rollout.closed") in stages
    assert ("channel", "no-commerce-in-moments") in stages
    assert ("tier", "tiers.competitor") in stages
    assert d.treatment == "blocked"
    rule = next(c for c in d.trace if c.rule == "no-commerce-in-moments")
    assert rule.source is not None
    assert "default.yaml" in rule.source


def test_trace_sources_point_at_the_rule_in_the_policy_file(gateway: Gateway) -> None:
    d = gateway.decide(TAOBAO, channel="private_chat", at=P1)
    tier = next(c for c in d.trace if c.stage == "tier")
    file, line, _column = tier.source.rsplit(":", 2)  # type: ignore[union-attr]
    text = Path(file).read_text(encoding="utf-8").splitlines()
    assert "plain_page" in text[int(line) - 1]


def test_counterfactual_names_the_phase_that_opens_the_channel(gateway: Gateway) -> None:
    d = gateway.decide(TAOBAO, channel="group_chat", at=P1)
    assert d.treatment == "copy_only"
    (cf,) = [c for c in d.counterfactuals if c.stage == "rollout"]
    assert cf.treatment == "plain_page" and cf.interstitial == "warn"
    assert cf.at == datetime.fromisoformat("2021-11-29T00:00:00+08:00")
    assert "phase-2-group-commerce" in cf.change


def test_counterfactual_for_a_channel_no_phase_ever_opens(gateway: Gateway) -> None:
    d = gateway.decide("https://www.douyin.com/video/7012345678901234567", channel="moments", at=P1)
    assert d.treatment == "copy_only"
    assert not [c for c in d.counterfactuals if c.stage == "rollout"]


def test_counterfactual_for_group_setting(gateway: Gateway) -> None:
    d = gateway.decide(JD, channel="group_chat", group_setting="deny")
    (cf,) = d.counterfactuals
    assert cf.stage == "group" and cf.treatment == "rich_page"


def test_credit_bands_cap_and_strip(gateway: Gateway) -> None:
    def decide(score: float) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        d = with_state(gateway, credit={"jd": score}).decide(JD, channel="private_chat")
        return d.treatment, d.capabilities, d.reasons

    assert decide(95)[0] == "rich_page" and "open_app" in decide(95)[1]
    treatment, caps, reasons = decide(85)
    assert treatment == "rich_page"
    assert "open_app" not in caps and "payment" not in caps and "login" in caps
    assert reasons == ("credit_band",)
    assert decide(70)[0] == "plain_page"
    assert decide(30)[0] == "copy_only"


def test_credit_counterfactual_names_the_threshold(gateway: Gateway) -> None:
    d = with_state(gateway, credit={"jd": 70}).decide(JD, channel="private_chat")
    assert d.treatment == "plain_page" and d.interstitial == "warn"
    (cf,) = [c for c in d.counterfactuals if c.stage == "credit"]
    assert cf.threshold == 80 and cf.treatment == "rich_page"
    assert "≥ 80" in cf.change


def test_credit_of_another_platform_does_not_apply(gateway: Gateway) -> None:
    d = with_state(gateway, credit={"pinduoduo": 10}).decide(JD, channel="private_chat")
    assert d.treatment == "rich_page"


def test_threat_list_domain_blocks_with_its_category(gateway: Gateway) -> None:
    lists = ThreatLists()
    lists.add_domain("evil.top", ListEntry("openphish", "phishing"))
    g = with_state(gateway, threats=lists)
    d = g.decide("https://login.evil.top/x", channel="private_chat")
    assert d.treatment == "blocked" and d.category == "phishing"
    assert d.reasons == ("threat_list",)
    assert g.decide("https://notevil.top/", channel="private_chat").treatment == "plain_page"


def test_threat_list_url_prefix_and_full_hash(gateway: Gateway) -> None:
    lists = ThreatLists()
    lists.add_expression("example.org/phish/", ListEntry("feed", "phishing"))
    (digest,) = full_hashes(["example.net/malware.exe"])
    lists.add_full_hash(digest, ListEntry("urlhaus", "malware"))
    g = with_state(gateway, threats=lists)
    assert g.decide("http://a.example.org/phish/x.html", channel="private_chat").category == (
        "phishing"
    )
    assert g.decide("http://example.org/other", channel="private_chat").treatment == "plain_page"
    d = g.decide("http://www.example.net/malware.exe", channel="private_chat")
    assert d.treatment == "blocked" and d.category == "malware"
    assert "example.net/malware.exe" in expressions("http://www.example.net/malware.exe")


def test_expired_list_entries_and_blocks_do_not_apply(gateway: Gateway) -> None:
    past = NOW - timedelta(days=1)
    lists = ThreatLists()
    lists.add_domain("evil.top", ListEntry("feed", "phishing", expires_at=past))
    blocks = BlockIndex(
        [Block("b1", "domain", "example.org", "blocked", "enforcement_block", expires_at=past)]
    )
    g = with_state(gateway, threats=lists, blocks=blocks)
    assert g.decide("https://evil.top/", channel="private_chat", at=NOW).treatment == "plain_page"
    assert g.decide("https://example.org/", channel="private_chat", at=NOW).treatment == (
        "plain_page"
    )


def test_a_domain_block_on_a_host_no_suffix_index_holds_covers_that_host(
    gateway: Gateway,
) -> None:
    """Browsers accept hosts such as ``*``; a stored block on one must not break the index."""
    blocks = BlockIndex([Block("d1", "domain", "*", "blocked", "enforcement_block")])
    g = with_state(gateway, blocks=blocks)
    assert g.decide("http://*/x", channel="private_chat", at=NOW).treatment == "blocked"
    assert g.decide("https://example.org/", channel="private_chat", at=NOW).treatment == (
        "plain_page"
    )


def test_blocks_by_scope_and_expiry_in_trace_and_ttl(gateway: Gateway) -> None:
    expires = NOW + timedelta(hours=12)
    blocks = BlockIndex(
        [
            Block(
                "u1",
                "url",
                "https://www.bilibili.com/video/BV1GJ411x7h7",
                "blocked",
                "enforcement_block",
                "fraud",
                expires,
            ),
            Block("p1", "path", "item.jd.com/1000", "copy_only", "enforcement_block"),
            Block("pf", "platform", "pinduoduo", "copy_only", "enforcement_block"),
        ]
    )
    g = with_state(gateway, blocks=blocks)
    d = g.decide(BILI, channel="private_chat", at=NOW)
    assert d.treatment == "blocked" and d.category == "fraud"
    (c,) = [c for c in d.trace if c.stage == "enforcement"]
    assert c.expires_at == expires and c.rule == "block.u1"
    assert d.ttl_seconds <= 300
    assert g.decide(BILI + "?p=2", channel="private_chat", at=NOW).treatment == "rich_page"
    assert g.decide(JD, channel="private_chat", at=NOW).treatment == "copy_only"
    assert (
        g.decide("https://item.jd.com/2000.html", channel="private_chat", at=NOW).treatment
        == "rich_page"
    )
    assert (
        g.decide(
            "https://mobile.yangkeduo.com/goods.html?goods_id=1", channel="group_chat", at=NOW
        ).treatment
        == "copy_only"
    )
    soon = expires - timedelta(seconds=90)
    assert g.decide(BILI, channel="private_chat", at=soon).ttl_seconds == 90


def test_restricted_sender_is_blocked_until_expiry(gateway: Gateway) -> None:
    until = NOW + timedelta(days=1)
    g = with_state(
        gateway,
        senders=SenderTable([SenderState("spammer", "restrict_links", "10 recipients", until)]),
    )
    d = g.decide(JD, channel="private_chat", sender="spammer", at=NOW)
    assert d.treatment == "blocked" and d.reasons == ("sender_restricted",)
    (c,) = [c for c in d.trace if c.stage == "sender"]
    assert c.expires_at == until
    assert g.decide(JD, channel="private_chat", sender="someone", at=NOW).treatment == ("rich_page")
    later = until + timedelta(seconds=1)
    assert g.decide(JD, channel="private_chat", sender="spammer", at=later).treatment == (
        "rich_page"
    )
    warned = Gateway(
        gateway.snapshot.with_state(State(senders=SenderTable([SenderState("w", "warn", "x")])))
    )
    assert warned.decide(JD, channel="private_chat", sender="w").treatment == "rich_page"


def test_content_signals_above_the_threshold(gateway: Gateway) -> None:
    d = gateway.decide(
        JD, channel="group_chat", content=[ContentSignal("induced_sharing", 0.9, "集赞 matched")]
    )
    assert d.treatment == "copy_only" and d.category == "induced_sharing"
    assert d.reason_text["zh"] == "网页包含诱导分享、关注等诱导行为内容，被多人投诉"
    low = gateway.decide(JD, channel="group_chat", content=[ContentSignal("induced_sharing", 0.2)])
    assert low.treatment == "rich_page"
    red = gateway.decide(JD, channel="group_chat", content=[ContentSignal("fake_red_envelope", 1)])
    assert red.treatment == "blocked"


def test_deceptive_links_never_exceed_plain_page_with_warning(gateway: Gateway) -> None:
    d = gateway.decide(
        "https://item.jd.com/1.html?u=https%3A%2F%2Fevil.top", channel="private_chat"
    )
    assert "embedded_url" in d.signals
    assert d.treatment == "plain_page" and d.interstitial == "warn"
    assert d.capabilities == ()


def test_ttl_shrinks_before_a_phase_boundary(gateway: Gateway) -> None:
    boundary = datetime.fromisoformat("2021-11-29T00:00:00+08:00")
    d = gateway.decide(TAOBAO, channel="group_chat", at=boundary - timedelta(seconds=42))
    assert d.ttl_seconds == 42
    after = gateway.decide(TAOBAO, channel="group_chat", at=boundary)
    assert after.treatment == "plain_page"


def test_mini_program_link_expires_within_thirty_days() -> None:
    g = Gateway.default()
    d = g.decide("https://docs.qq.com/doc/DSGVsbG8xMjM", channel="private_chat", at=NOW)
    assert d.treatment == "mini_program" and d.mini_program is not None
    assert d.mini_program.app_id == "wxd45c635d754dbf59"
    assert "DSGVsbG8xMjM" in d.mini_program.path
    assert d.mini_program.expires_at - NOW <= timedelta(days=30)


def test_decision_ids_are_unique_and_carry_the_revision(gateway: Gateway) -> None:
    ids = {gateway.decide(JD, channel="private_chat").decision_id for _ in range(1000)}
    assert len(ids) == 1000
    d = gateway.decide(JD, channel="private_chat")
    assert d.policy_revision == gateway.snapshot.policy.revision and len(d.policy_revision) == 16


def test_to_dict_has_the_documented_fields(gateway: Gateway) -> None:
    out = gateway.decide(TAOBAO, channel="group_chat", at=P1).to_dict()
    for key in (
        "treatment",
        "capabilities",
        "interstitial",
        "reasons",
        "trace",
        "counterfactuals",
        "decision_id",
        "policy_revision",
        "ttl_seconds",
        "platform",
        "link_kind",
        "url",
    ):
        assert key in out
    assert out["platform"] == "alibaba" and out["link_kind"] == "commerce"
    assert out["url"] == TAOBAO


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "dm"}, "channel"),
        ({"channel": "private_chat", "at": "yesterday"}, "at"),
        ({"channel": "private_chat", "group_setting": "maybe"}, "group_setting"),
    ],
)
def test_bad_fields_are_named(gateway: Gateway, kwargs: dict[str, str], field: str) -> None:
    with pytest.raises(RequestError) as info:
        gateway.decide(JD, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize("url", ["", " ", "http://", "%%%", "http://[::1", "a" * 40000, "\ud800"])
def test_malformed_urls_are_blocked_never_raised(gateway: Gateway, url: str) -> None:
    d = gateway.decide(url, channel="private_chat")
    assert d.treatment == "blocked" and d.reasons == ("invalid_url",)


def test_decide_many_keeps_order_and_isolates_bad_items(gateway: Gateway) -> None:
    results = gateway.decide_many(
        [
            {"url": JD, "channel": "private_chat"},
            {"url": JD, "channel": "nowhere"},
            {"channel": "private_chat"},
            {"url": TAOBAO, "channel": "group_chat", "at": "2021-10-01T12:00:00+08:00"},
        ]
    )
    assert [getattr(r, "treatment", None) for r in results] == [
        "rich_page",
        None,
        None,
        "copy_only",
    ]
    assert isinstance(results[1], RequestError) and results[1].field == "channel"
    assert isinstance(results[2], RequestError) and results[2].field == "url"


def test_publishing_a_snapshot_swaps_the_policy(gateway: Gateway, tmp_path: Path) -> None:
    from linkgate.policy.loader import load_policy

    g = Gateway(gateway.snapshot)
    assert g.decide(TAOBAO, channel="private_chat", at=P1).treatment == "plain_page"
    text = (
        default_policy_path()
        .read_text(encoding="utf-8")
        .replace(
            "      channels: [private_chat]\n",
            "      channels: [private_chat]\n"
            "      effect: {treatment: copy_only, reason: paused}\n",
            1,
        )
    )
    path = tmp_path / "paused.yaml"
    path.write_text(text, encoding="utf-8")
    policy = load_policy(path)
    g.publish(g.snapshot.with_policy(policy))
    d = g.decide(TAOBAO, channel="private_chat", at=P1)
    assert d.treatment == "copy_only" and d.policy_revision == policy.revision


def test_forward_limits_apply_in_their_channels_only(gateway: Gateway, tmp_path: Path) -> None:
    hour = timedelta(hours=1)
    over = {hour: 501}
    limited = gateway.decide(JD, channel="group_chat", at=NOW, forwards=over)
    assert limited.treatment == "copy_only" and "forward_limit" in limited.reasons
    under = gateway.decide(JD, channel="group_chat", at=NOW, forwards={hour: 500})
    assert "forward_limit" not in under.reasons
    # The default limit is for groups: a one-to-one share of the same link is not limited.
    private = gateway.decide(JD, channel="private_chat", at=NOW, forwards=over)
    assert "forward_limit" not in private.reasons
    # A policy whose limit also covers one-to-one chats limits them.
    text = default_policy_path().read_text(encoding="utf-8")
    assert (
        "    channels: [group_chat]\n    effect: {treatment: copy_only, reason: forward_limit}"
        in text
    )
    widened = tmp_path / "forwards.yaml"
    widened.write_text(
        text.replace(
            "    channels: [group_chat]\n    effect: {treatment: copy_only, reason: forward_limit}",
            "    channels: [group_chat, private_chat]\n"
            "    effect: {treatment: copy_only, reason: forward_limit}",
        ),
        encoding="utf-8",
    )
    wide = Gateway.from_files(policy=widened)
    found = wide.decide(JD, channel="private_chat", at=NOW, forwards=over)
    assert found.treatment == "copy_only" and "forward_limit" in found.reasons


def test_facts_read_first_decide_as_the_link_itself(gateway: Gateway) -> None:
    # The share counters read a link's facts before it is decided; the decision then takes
    # them instead of inspecting the link again, and decides exactly as without them.
    for url in (JD, "taobao.com@evil.top", "https://www.ta0bao.com/", "not a url at all"):
        facts = gateway.inspect(url)
        given = gateway.decide(url, channel="group_chat", at=NOW, facts=facts).to_dict()
        own = gateway.decide(url, channel="group_chat", at=NOW).to_dict()
        assert {**given, "decision_id": None} == {**own, "decision_id": None}
    # The facts given are the ones decided with: the link is not inspected again.
    other = gateway.decide(JD, channel="group_chat", at=NOW, facts=gateway.inspect("http://"))
    assert other.treatment == "blocked" and other.reasons == ("invalid_url",)


def test_inspect_follows_the_published_snapshot() -> None:
    gateway = Gateway.default()
    old = gateway.snapshot
    facts = gateway.inspect(JD)
    assert facts is old.inspector.inspect(JD)  # the snapshot's own cache
    registry, psl = old.inspector.registry, PublicSuffix.load()
    new = Snapshot(old.policy, old.evaluator, Inspector(registry, psl), old.state)
    gateway.publish(new)
    again = gateway.inspect(JD)
    assert again is new.inspector.inspect(JD) and again is not facts and again == facts
