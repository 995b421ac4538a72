"""Deciders (embedded gateway, real linkgate server) and what a message's decisions lead to."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from linkgate.gateway import Gateway
from linkgate.matrix.deciders import (
    DecisionUnavailable,
    InProcessDecider,
    RemoteDecider,
    Share,
    Verdict,
)
from linkgate.matrix.messages import MessageLink
from linkgate.matrix.outcome import (
    copy_only_notices,
    plan,
    refusal_details,
    refusal_message,
    unavailable_message,
)
from linkgate.opening.keys import ShimKeys
from linkgate.opening.shim import verify
from linkgate.storage.engine import make_engine
from linkgate.storage.repos import KeyStore
from tests.service.servers import SECRET_KEYS, Server, start_server

JD_ITEM = "https://item.jd.com/100012043978.html"
TAOBAO_ITEM = "https://item.taobao.com/item.htm?id=1"
ZHIHU = "https://www.zhihu.com/question/1"


def share(channel: str, **kwargs: object) -> Share:
    return Share(channel, "@alice:example.org", group="room-pseudonym", **kwargs)  # type: ignore[arg-type]


def test_in_process_decider_signs_shim_urls_the_server_accepts() -> None:
    keys = ShimKeys.from_env_value(SECRET_KEYS)
    decider = InProcessDecider(Gateway.default(), keys, "https://l.example")
    verdicts = asyncio.run(
        decider.decide([ZHIHU, JD_ITEM, "https://www.taobao.com/"], share("moments"))
    )
    opened, blocked, copy = verdicts
    assert opened.treatment == "rich_page" and opened.shim_url is not None
    claims = verify(
        opened.shim_url.removeprefix("https://l.example/l/"), keys, now=2**31, max_age=2**31
    )
    assert (claims.url, claims.channel, claims.group) == (ZHIHU, "moments", "room-pseudonym")
    assert claims.decision_id == opened.decision_id
    assert blocked.treatment == "blocked" and blocked.shim_url is None
    assert blocked.reasons == ("moments_commerce",)
    assert copy.treatment == "copy_only" and copy.shim_url is None
    assert copy.reasons == ("rollout_closed",)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    home: Path = tmp_path_factory.mktemp("linkgate")
    database = f"sqlite:///{home}/linkgate.sqlite"
    running = start_server(home, database)
    try:
        _, key = KeyStore(make_engine(database)).create("integrator", None, "test")
        yield running, key
    finally:
        running.stop()


def remote(server: Server, key: str) -> RemoteDecider:
    return RemoteDecider(server.url, key, 5.0, asyncio.to_thread)


def test_remote_decider_passes_the_share_and_gets_shim_urls(server: tuple[Server, str]) -> None:
    running, key = server
    decider = remote(running, key)
    try:
        group = asyncio.run(
            decider.decide(
                [ZHIHU, JD_ITEM],
                share("group_chat", group_setting="content_only", viewer_opt_out=False),
            )
        )
        assert [v.treatment for v in group] == ["rich_page", "copy_only"]
        assert group[1].reasons == ("group_denied",)
        assert group[0].shim_url is not None and group[0].shim_url.startswith(running.url + "/l/")
        opted_out = asyncio.run(decider.decide([ZHIHU], share("group_chat", viewer_opt_out=True)))
        assert opted_out[0].reasons == ("viewer_opt_out",)
        direct = asyncio.run(
            decider.decide(
                [TAOBAO_ITEM],
                share("private_chat", recipients=("@bob:example.org",), at=_time("2021-09-10")),
            )
        )
        assert direct[0].treatment == "copy_only" and direct[0].reasons == ("rollout_closed",)
        assert asyncio.run(decider.decide([], share("moments"))) == []
    finally:
        decider.close()


def test_remote_decider_refused_key_and_bad_items_are_unavailable(
    server: tuple[Server, str],
) -> None:
    running, key = server
    wrong = remote(running, "lgk_not-a-key")
    with pytest.raises(DecisionUnavailable, match="answered 401: unknown or revoked API key"):
        asyncio.run(wrong.decide([ZHIHU], share("moments")))
    wrong.close()
    decider = remote(running, key)
    with pytest.raises(DecisionUnavailable, match="an item was refused"):
        asyncio.run(decider.decide(["https://x.top/" + "a" * 9000], share("moments")))
    decider.close()


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text + "T12:00:00+08:00")


def verdict(treatment: str, reasons: tuple[str, ...] = (), **kwargs: object) -> Verdict:
    fields: dict[str, object] = {
        "url": "https://x.example/",
        "treatment": treatment,
        "interstitial": {"blocked": "blocked", "copy_only": "copy_only"}.get(treatment, "none"),
        "reasons": reasons,
        "category": None,
        "reason_text": {},
        "decision_id": "d1",
        "policy_revision": "r1",
        "shim_url": None,
    }
    fields.update(kwargs)
    return Verdict(**fields)  # type: ignore[arg-type]


def test_plan_refuses_blocked_and_listed_reasons_and_renders_the_rest() -> None:
    blocked = MessageLink("url", "evil.top", "http://evil.top/")
    denied = MessageLink("url", ZHIHU, ZHIHU)
    opened = MessageLink("href", JD_ITEM, JD_ITEM)
    copy = MessageLink("url", TAOBAO_ITEM, TAOBAO_ITEM)
    code = MessageLink("passcode", "￥AbC123dEf45￥", None, "alibaba")
    decided = {
        opened: verdict("rich_page", shim_url="https://l/l/t"),
        copy: verdict("copy_only", ("rollout_closed",)),
        code: verdict("copy_only", ("rollout_closed",)),
    }
    fine = plan([opened, copy, code], decided, {"group_denied"})
    assert not fine.refused and fine.changes_content
    assert dict(fine.renderings) == {
        opened.key: type(fine.renderings[opened.key])("open", "https://l/l/t"),
        copy.key: type(fine.renderings[copy.key])("copy_only", None),
    }
    assert [link for link, _ in fine.copy_only] == [copy]

    decided[blocked] = verdict("blocked", ("threat_list",), category="phishing")
    decided[denied] = verdict("copy_only", ("group_denied",))
    refused = plan([blocked, denied, opened], decided, {"group_denied"})
    assert [link for link, _ in refused.refused] == [blocked, denied]
    assert plan([denied], decided, set()).refused == ()
    # An openable link without a shim URL is shown as text rather than opened unchecked.
    assert plan([opened], {opened: verdict("plain_page")}, ()).renderings[opened.key].action == (
        "copy_only"
    )


def test_refusal_and_notice_texts_in_both_languages() -> None:
    link = MessageLink("url", "evil.top", "http://evil.top/")
    blocked = verdict(
        "blocked",
        ("threat_list",),
        category="phishing",
        reason_text={
            "zh": "该网页含有恶意内容，已停止访问",
            "en": "This page is known to be harmful",
        },
    )
    bare = verdict("blocked", ("enforcement_block",))
    assert refusal_message([(link, blocked), (link, bare)], "zh") == (
        "消息未发送：evil.top — 该网页含有恶意内容，已停止访问（违规类型：网络钓鱼）"
        "；evil.top — 已停止访问该网页"
    )
    assert refusal_message([(link, blocked)], "en") == (
        "Message not sent: evil.top — This page is known to be harmful (Category: Phishing)"
    )
    assert refusal_details([(link, blocked)])[0]["reasons"] == ["threat_list"]
    assert unavailable_message("en").startswith("Message not sent: the links")

    closed = verdict(
        "copy_only", ("rollout_closed",), reason_text={"zh": "暂未开放", "en": "Not open"}
    )
    plain = verdict("copy_only", ("non_web_scheme",))
    notices = copy_only_notices([(link, closed), (link, closed), (link, plain)], "zh")
    assert notices == [
        "如需浏览，请长按网址复制后使用浏览器访问（暂未开放）",
        "如需浏览，请长按网址复制后使用浏览器访问",
    ]
    assert copy_only_notices([(link, closed)], "en") == [
        "To view it, copy the address and open it in a browser (Not open)"
    ]
