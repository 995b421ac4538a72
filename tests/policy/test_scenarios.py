"""The decision table: platform × channel × date × link kind × group setting × preset.

Each row states the treatment, the capabilities and the reason codes a
person would expect from the default policy (the 2021 story) under a preset.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from linkgate.gateway import Gateway

PRE = "2021-09-01T12:00:00+08:00"  # before any competitor interconnection
P1 = "2021-10-01T12:00:00+08:00"  # 1:1 chats open competitor links behind a warning
P2 = "2021-12-15T12:00:00+08:00"  # groups open competitor commerce links too

TAOBAO = "https://item.taobao.com/item.htm?id=6543210987&spm=a21n57.1.0.0"
TMALL = "https://detail.tmall.com/item.htm?id=675432109876"
DOUYIN = "https://www.douyin.com/video/7012345678901234567"
DOUYIN_SHORT = "https://v.douyin.com/iJ8abc/"
JD = "https://item.jd.com/100012043978.html"
PDD = "https://mobile.yangkeduo.com/goods.html?goods_id=123456789"
BILI = "https://www.bilibili.com/video/BV1GJ411x7h7"
ZHIHU = "https://www.zhihu.com/question/123456"
WX = "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv"
DOCS = "https://docs.qq.com/doc/DSGVsbG8xMjM"
UNKNOWN = "https://www.example.com/page"

JD_CAPS = (
    "login",
    "share",
    "like",
    "add_to_cart",
    "open_app",
    "payment",
    "qr_code",
    "mini_program",
    "mall",
)
BILI_CAPS = ("login", "share", "like", "open_app", "qr_code", "mall")
ZHIHU_CAPS = ("login", "share", "like")
TENCENT_CAPS = (
    "login",
    "social_graph",
    "share",
    "like",
    "add_to_cart",
    "open_app",
    "payment",
    "qr_code",
    "mini_program",
    "mall",
)


@dataclass(frozen=True)
class Row:
    name: str
    url: str
    channel: str
    treatment: str
    capabilities: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    at: str = P2
    preset: str = "compromise"
    group_setting: str | None = None
    viewer_opt_out: bool = False
    interstitial: str | None = None


ROWS = [
    # -- competitors through the 2021 phases (compromise) ----------------------------
    Row(
        "taobao 1:1 before phase 1",
        TAOBAO,
        "private_chat",
        "copy_only",
        reasons=("rollout_closed",),
        at=PRE,
    ),
    Row(
        "taobao group before phase 1",
        TAOBAO,
        "group_chat",
        "copy_only",
        reasons=("rollout_closed",),
        at=PRE,
    ),
    Row(
        "taobao 1:1 in phase 1",
        TAOBAO,
        "private_chat",
        "plain_page",
        reasons=("competitor_platform",),
        at=P1,
        interstitial="warn",
    ),
    Row(
        "tmall 1:1 in phase 1",
        TMALL,
        "private_chat",
        "plain_page",
        reasons=("competitor_platform",),
        at=P1,
        interstitial="warn",
    ),
    Row(
        "taobao group in phase 1",
        TAOBAO,
        "group_chat",
        "copy_only",
        reasons=("rollout_closed",),
        at=P1,
    ),
    Row(
        "taobao group in phase 2",
        TAOBAO,
        "group_chat",
        "plain_page",
        reasons=("competitor_platform",),
        at=P2,
        interstitial="warn",
    ),
    Row(
        "douyin video group in phase 2 (content stays closed)",
        DOUYIN,
        "group_chat",
        "copy_only",
        reasons=("rollout_closed",),
        at=P2,
    ),
    Row(
        "douyin video 1:1 in phase 1",
        DOUYIN,
        "private_chat",
        "plain_page",
        reasons=("competitor_platform",),
        at=P1,
        interstitial="warn",
    ),
    Row(
        "douyin short link 1:1 before",
        DOUYIN_SHORT,
        "private_chat",
        "copy_only",
        reasons=("rollout_closed",),
        at=PRE,
    ),
    Row(
        "douyin short link 1:1 in phase 2",
        DOUYIN_SHORT,
        "private_chat",
        "plain_page",
        reasons=("competitor_platform",),
        at=P2,
        interstitial="warn",
    ),
    Row(
        "taobao moments in phase 2 (commerce never in moments)",
        TAOBAO,
        "moments",
        "blocked",
        reasons=("moments_commerce",),
        at=P2,
    ),
    Row(
        "douyin video moments in phase 2",
        DOUYIN,
        "moments",
        "copy_only",
        reasons=("rollout_closed",),
        at=P2,
    ),
    Row(
        "taobao official account",
        TAOBAO,
        "official_account",
        "copy_only",
        reasons=("rollout_closed",),
        at=P2,
    ),
    Row("taobao qr scan", TAOBAO, "qr_scan", "copy_only", reasons=("rollout_closed",), at=P2),
    # -- partners ---------------------------------------------------------------------
    Row("jd 1:1", JD, "private_chat", "rich_page", JD_CAPS),
    Row("jd 1:1 before 2021 too", JD, "private_chat", "rich_page", JD_CAPS, at=PRE),
    Row("jd group", JD, "group_chat", "rich_page", JD_CAPS),
    Row(
        "jd moments (no product links in moments, even partners)",
        JD,
        "moments",
        "blocked",
        reasons=("moments_commerce",),
    ),
    Row("pinduoduo moments", PDD, "moments", "blocked", reasons=("moments_commerce",)),
    Row(
        "pinduoduo 1:1",
        PDD,
        "private_chat",
        "rich_page",
        (
            "login",
            "share",
            "add_to_cart",
            "open_app",
            "payment",
            "qr_code",
            "mini_program",
            "mall",
        ),
    ),
    Row("bilibili moments (content is fine)", BILI, "moments", "rich_page", BILI_CAPS),
    Row("bilibili group", BILI, "group_chat", "rich_page", BILI_CAPS),
    Row("jd official account", JD, "official_account", "rich_page", JD_CAPS),
    Row("jd qr scan", JD, "qr_scan", "rich_page", JD_CAPS),
    # -- neutral, first party, unknown ----------------------------------------------
    Row("zhihu 1:1", ZHIHU, "private_chat", "rich_page", ZHIHU_CAPS),
    Row("zhihu moments", ZHIHU, "moments", "rich_page", ZHIHU_CAPS),
    Row(
        "zhihu official account is browse-only",
        ZHIHU,
        "official_account",
        "plain_page",
        reasons=("official_account_browse_only",),
    ),
    Row("wechat article", WX, "moments", "rich_page", TENCENT_CAPS),
    Row("tencent docs opens as mini-program", DOCS, "private_chat", "mini_program", TENCENT_CAPS),
    Row("unknown site 1:1", UNKNOWN, "private_chat", "plain_page", interstitial="none"),
    Row("unknown site moments", UNKNOWN, "moments", "plain_page"),
    Row(
        "unknown site official account",
        UNKNOWN,
        "official_account",
        "plain_page",
        reasons=("official_account_browse_only",),
    ),
    # -- group permission and opt-out ------------------------------------------------
    Row(
        "group deny blocks partner links",
        JD,
        "group_chat",
        "copy_only",
        reasons=("group_denied",),
        group_setting="deny",
    ),
    Row(
        "group allow keeps partner links",
        JD,
        "group_chat",
        "rich_page",
        JD_CAPS,
        group_setting="allow",
    ),
    Row(
        "group commerce_only admits commerce",
        JD,
        "group_chat",
        "rich_page",
        JD_CAPS,
        group_setting="commerce_only",
    ),
    Row(
        "group commerce_only refuses content",
        BILI,
        "group_chat",
        "copy_only",
        reasons=("group_denied",),
        group_setting="commerce_only",
    ),
    Row(
        "group content_only admits content",
        BILI,
        "group_chat",
        "rich_page",
        BILI_CAPS,
        group_setting="content_only",
    ),
    Row(
        "group content_only refuses commerce",
        PDD,
        "group_chat",
        "copy_only",
        reasons=("group_denied",),
        group_setting="content_only",
    ),
    Row(
        "group deny leaves first-party links",
        WX,
        "group_chat",
        "rich_page",
        TENCENT_CAPS,
        group_setting="deny",
    ),
    Row(
        "group allow cannot loosen a closed competitor",
        DOUYIN,
        "group_chat",
        "copy_only",
        reasons=("rollout_closed",),
        group_setting="allow",
    ),
    Row(
        "group setting does not apply to 1:1",
        JD,
        "private_chat",
        "rich_page",
        JD_CAPS,
        group_setting="deny",
    ),
    Row(
        "viewer opt-out in a group",
        JD,
        "group_chat",
        "copy_only",
        reasons=("viewer_opt_out",),
        viewer_opt_out=True,
    ),
    Row(
        "viewer opt-out keeps first party",
        WX,
        "group_chat",
        "rich_page",
        TENCENT_CAPS,
        viewer_opt_out=True,
    ),
    Row(
        "group deny on competitor in phase 2",
        TAOBAO,
        "group_chat",
        "copy_only",
        reasons=("group_denied",),
        group_setting="deny",
    ),
    # -- deception and bad input -----------------------------------------------------
    Row(
        "userinfo trick",
        "https://taobao.com@evil.top/",
        "private_chat",
        "blocked",
        reasons=("userinfo",),
    ),
    Row(
        "private IP", "http://192.168.1.1/admin", "private_chat", "blocked", reasons=("private_ip",)
    ),
    Row(
        "public IP host is warned",
        "http://8.8.8.8/x",
        "private_chat",
        "plain_page",
        reasons=("ip_host",),
        interstitial="warn",
    ),
    Row(
        "platform in subdomain",
        "https://www.taobao.com.evil.top/",
        "private_chat",
        "plain_page",
        reasons=("platform_in_subdomain",),
        interstitial="warn",
    ),
    Row(
        "cyrillic lookalike",
        "https://item.tаobao.com/item.htm?id=1",
        "private_chat",
        "blocked",
        reasons=("confusable",),
    ),
    Row(
        "javascript scheme",
        "javascript:alert(1)",
        "private_chat",
        "blocked",
        reasons=("dangerous_scheme",),
    ),
    Row(
        "app scheme is copy-only",
        "weixin://dl/moments",
        "private_chat",
        "copy_only",
        reasons=("non_web_scheme",),
    ),
    Row("empty input", "", "private_chat", "blocked", reasons=("invalid_url",)),
    Row("bare scheme", "http://", "private_chat", "blocked", reasons=("invalid_url",)),
    Row(
        "space in host",
        "https://exa mple.com/",
        "private_chat",
        "blocked",
        reasons=("invalid_url",),
    ),
    # -- presets ---------------------------------------------------------------------
    Row(
        "open: taobao 1:1 opens rich, payment not yet connected",
        TAOBAO,
        "private_chat",
        "rich_page",
        ("login", "share", "add_to_cart", "open_app"),
        reasons=("capability_not_connected",),
        at=P1,
        preset="open",
    ),
    Row(
        "open: taobao group before phase 1 still closed",
        TAOBAO,
        "group_chat",
        "copy_only",
        reasons=("rollout_closed",),
        at=PRE,
        preset="open",
    ),
    Row("open: jd 1:1", JD, "private_chat", "rich_page", JD_CAPS, preset="open"),
    Row(
        "open: zhihu gets all it registered",
        ZHIHU,
        "private_chat",
        "rich_page",
        ("login", "share", "like", "open_app"),
        preset="open",
    ),
    Row("open: unknown stays plain", UNKNOWN, "private_chat", "plain_page", preset="open"),
    Row(
        "open: jd moments still blocked",
        JD,
        "moments",
        "blocked",
        reasons=("moments_commerce",),
        preset="open",
    ),
    Row(
        "selective: jd item opens as mini-program",
        JD,
        "private_chat",
        "mini_program",
        ("login", "share", "add_to_cart", "payment", "mini_program"),
        preset="selective",
    ),
    Row(
        "selective: bilibili without mini-program browses",
        BILI,
        "private_chat",
        "plain_page",
        preset="selective",
    ),
    Row(
        "selective: taobao 1:1 phase 1 warned",
        TAOBAO,
        "private_chat",
        "plain_page",
        reasons=("competitor_platform",),
        at=P1,
        preset="selective",
        interstitial="warn",
    ),
    Row("selective: zhihu browses", ZHIHU, "private_chat", "plain_page", preset="selective"),
    Row(
        "selective: tencent docs mini-program",
        DOCS,
        "group_chat",
        "mini_program",
        TENCENT_CAPS,
        preset="selective",
    ),
    Row(
        "selective: group deny still applies",
        JD,
        "group_chat",
        "copy_only",
        reasons=("group_denied",),
        preset="selective",
        group_setting="deny",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_scenario(row: Row, gateways: dict[str, Gateway]) -> None:
    decision = gateways[row.preset].decide(
        row.url,
        channel=row.channel,
        at=row.at,
        group_setting=row.group_setting,
        viewer_opt_out=row.viewer_opt_out,
    )
    assert decision.treatment == row.treatment
    assert decision.capabilities == row.capabilities
    assert decision.reasons == row.reasons
    if row.interstitial is not None:
        assert decision.interstitial == row.interstitial


def test_there_are_at_least_sixty_scenarios() -> None:
    assert len(ROWS) >= 60
    assert len({r.name for r in ROWS}) == len(ROWS)
