"""LinkExtractor on real-world share texts and chat messages."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate.urls.extract import FoundLink, LinkExtractor, PasscodeRule
from linkgate.urls.model import ParsedUrl
from linkgate.urls.parse import parse

RULES = (
    PasscodeRule(
        "taobao",
        r"(?<![A-Za-z0-9])(?:CZ|MF|HU|CA)[0-9]{4}(?![A-Za-z0-9])",
        ("淘宝", "手机淘宝", "淘寳", "淘♂寳♀", "闲鱼"),
    ),
    PasscodeRule("tmall", None, ("天猫",)),
    PasscodeRule("douyin", r"(?<![A-Za-z0-9])[A-Za-z]{3}:/(?=\s)", ("抖音", "Dou音")),
    PasscodeRule("kuaishou", r"快手口令：(?P<code>[A-Za-z0-9]{10})", ("快手", "快手极速版")),
    PasscodeRule("jd", None, ("京东", "京东APP")),
    PasscodeRule("pinduoduo", None, ("拼多多",)),
    PasscodeRule("xiaohongshu", None, ("小红书",)),
)
EXTRACTOR = LinkExtractor(RULES)

U = "url"
P = "passcode"

# (message, [(kind, text, platform)]) -- every expected text occurs once in its message.
MESSAGES: list[tuple[str, list[tuple[str, str, str | None]]]] = [
    # Taobao
    (
        "【淘宝】https://m.tb.cn/h.5Ewsg5g?tk=iCvLdVYQ1Vr CZ3457 「2023新款女装连衣裙」\n"
        "点击链接直接打开 或者 淘宝搜索直接打开",
        [(U, "https://m.tb.cn/h.5Ewsg5g?tk=iCvLdVYQ1Vr", None), (P, "CZ3457", "taobao")],
    ),
    (
        "9￥mEsd2ZGq0Xv￥ https://m.tb.cn/h.U8A1F0V HU9196 「小米手环8 NFC版」"
        "点击链接直接打开 或者 淘宝搜索直接打开",
        [
            (P, "￥mEsd2ZGq0Xv￥", "taobao"),
            (U, "https://m.tb.cn/h.U8A1F0V", None),
            (P, "HU9196", "taobao"),
        ],
    ),
    ("复制这条信息€9vGk5bX2XwJ€，到【手机淘宝】即可查看", [(P, "€9vGk5bX2XwJ€", "taobao")]),
    (
        "【买它】https://m.tb.cn/h.f5AbCdE?sm=58cbd8 点击链接，再选择浏览器打开；"
        "或复制这段描述￥OXa8Y1Zq0K7￥后到👉淘♂寳♀👈",
        [(U, "https://m.tb.cn/h.f5AbCdE?sm=58cbd8", None), (P, "￥OXa8Y1Zq0K7￥", "taobao")],
    ),
    (
        "复制这条信息，$AbC123dEf45$，打开👉手机淘宝👈，即可查看此商品",
        [(P, "$AbC123dEf45$", "taobao")],
    ),
    ("【天猫】₤Ab12Cd34Ef5₤ 复制这段内容后打开天猫APP", [(P, "₤Ab12Cd34Ef5₤", "tmall")]),
    (
        "【闲鱼】https://m.tb.cn/h.6AbCdEf?tk=XyZ12345678 MF6563「九成新相机」\n点击链接直接打开",
        [(U, "https://m.tb.cn/h.6AbCdEf?tk=XyZ12345678", None), (P, "MF6563", "taobao")],
    ),
    (
        "天猫双11：https://s.click.taobao.com/t?e=m%3D2%26s%3DAbCd&pvid=10_1.2.3.4 快抢",
        [(U, "https://s.click.taobao.com/t?e=m%3D2%26s%3DAbCd&pvid=10_1.2.3.4", None)],
    ),
    (
        "<https://item.taobao.com/item.htm?id=675938253511>",
        [(U, "https://item.taobao.com/item.htm?id=675938253511", None)],
    ),
    # Douyin
    (
        "4.30 aBc:/ 复制打开抖音，看看【央视新闻的作品】# 晚霞 # 日常 https://v.douyin.com/iJ8abcD/",
        [(P, "aBc:/", "douyin"), (U, "https://v.douyin.com/iJ8abcD/", None)],
    ),
    (
        "7.94 GiV:/ 03/12 复制这段内容打开「抖音」，看看【小明的作品】"
        "https://v.douyin.com/iRNBho6u/ 复制此链接，打开Dou音搜索，直接观看视频！",
        [(P, "GiV:/", "douyin"), (U, "https://v.douyin.com/iRNBho6u/", None)],
    ),
    (
        "8- 长按复制此条消息，打开抖音搜索，查看TA的更多作品。 https://v.douyin.com/iJ8abc/",
        [(U, "https://v.douyin.com/iJ8abc/", None)],
    ),
    (
        "'https://www.douyin.com/video/7234567890123456789'",
        [(U, "https://www.douyin.com/video/7234567890123456789", None)],
    ),
    # Kuaishou
    (
        'https://v.kuaishou.com/Ak3x9P 今天的日落 "摄影师小王" 该作品在快手被播放过5.2万次，'
        "点击链接，打开【快手极速版】直接观看！",
        [(U, "https://v.kuaishou.com/Ak3x9P", None)],
    ),
    (
        "复制此消息，打开【快手】直接观看！https://v.kuaishou.com/1A2b3C",
        [(U, "https://v.kuaishou.com/1A2b3C", None)],
    ),
    ("快手口令：ks8Hq2ZxW9 打开快手即可", [(P, "ks8Hq2ZxW9", "kuaishou")]),
    # JD
    (
        "【京东】https://3.cn/1Xy-ZaBc「Apple iPhone 15 (A3092) 128GB 黑色」\n点击链接直接打开",
        [(U, "https://3.cn/1Xy-ZaBc", None)],
    ),
    (
        "京东这款不错 https://item.jd.com/100012043978.html，才5999",
        [(U, "https://item.jd.com/100012043978.html", None)],
    ),
    (
        "看看这个item.m.jd.com/product/100012043978.html?gx=RnFhwmZdbTDezp0Ud4V3Xg。",
        [(U, "item.m.jd.com/product/100012043978.html?gx=RnFhwmZdbTDezp0Ud4V3Xg", None)],
    ),
    ("【京东】￥N5Ab7Cd9Ef2￥，复制后打开京东APP查看", [(P, "￥N5Ab7Cd9Ef2￥", "jd")]),
    (
        "官网www.jd.com，客服电话400-606-5500，京东618大促",
        [(U, "www.jd.com", None)],
    ),
    # Pinduoduo
    (
        "https://mobile.yangkeduo.com/goods.html?goods_id=123456789&page_from=23&share_uin=ABCDEF"
        "&refer_share_channel=copy_link 复制这条信息，打开👉拼多多👈",
        [
            (
                U,
                "https://mobile.yangkeduo.com/goods.html?goods_id=123456789&page_from=23"
                "&share_uin=ABCDEF&refer_share_channel=copy_link",
                None,
            )
        ],
    ),
    (
        "【拼多多】￥kd8X2mAbc9Q￥ 复制这条信息，打开拼多多查看",
        [(P, "￥kd8X2mAbc9Q￥", "pinduoduo")],
    ),
    (
        "帮我砍一刀！mobile.yangkeduo.com/goods2.html?goods_id=987654321 谢谢",
        [(U, "mobile.yangkeduo.com/goods2.html?goods_id=987654321", None)],
    ),
    # Xiaohongshu
    (
        "64 小红书博主发布了一篇小红书笔记，快来看吧！ 😆 Bc4xY5Za9Lq 😆 http://xhslink.com/a/AbCdE，"
        "复制本条信息，打开【小红书】App查看精彩内容！",
        [(P, "😆 Bc4xY5Za9Lq 😆", "xiaohongshu"), (U, "http://xhslink.com/a/AbCdE", None)],
    ),
    (
        "【好物分享 - 小红书】 https://www.xiaohongshu.com/discovery/item/64f1a2b3c4d5e6f7a8b9c0d1"
        "?xhsshare=CopyLink&appuid=5a1b2c3d",
        [
            (
                U,
                "https://www.xiaohongshu.com/discovery/item/64f1a2b3c4d5e6f7a8b9c0d1"
                "?xhsshare=CopyLink&appuid=5a1b2c3d",
                None,
            )
        ],
    ),
    # Bilibili, Zhihu, Weibo, WeChat
    ("B站这个视频绝了b23.tv/BV1xx（强烈推荐）", [(U, "b23.tv/BV1xx", None)]),
    ("【【4K】祖国山河-哔哩哔哩】 https://b23.tv/ZtR3Ab9", [(U, "https://b23.tv/ZtR3Ab9", None)]),
    (
        "视频地址：https://www.bilibili.com/video/BV1GJ411x7h7?p=2&t=42.5，从第二集开始看",
        [(U, "https://www.bilibili.com/video/BV1GJ411x7h7?p=2&t=42.5", None)],
    ),
    (
        "知乎上这个回答很好(https://www.zhihu.com/question/19550225/answer/1234567)",
        [(U, "https://www.zhihu.com/question/19550225/answer/1234567", None)],
    ),
    (
        "微博：weibo.com/1642634100/MzHn0aBcD 原文在这",
        [(U, "weibo.com/1642634100/MzHn0aBcD", None)],
    ),
    (
        "公众号文章“https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv”值得一读",
        [(U, "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv", None)],
    ),
    (
        "打开微信 weixin://dl/business/?t=abcDEF123 即可",
        [(U, "weixin://dl/business/?t=abcDEF123", None)],
    ),
    (
        "两个链接：m.tb.cn/h.abc 和 v.douyin.com/iJ8abc/ 都看看",
        [(U, "m.tb.cn/h.abc", None), (U, "v.douyin.com/iJ8abc/", None)],
    ),
    # Deceptive links are found whole, so the detector sees them.
    (
        "别点！https://taobao.com@evil.top/login 这是钓鱼",
        [(U, "https://taobao.com@evil.top/login", None)],
    ),
    ("淘宝客服说登录这个tаobao.com/verify", [(U, "tаobao.com/verify", None)]),
    (
        "官方活动https://www.taobao.com.evil.top/act?id=1！！",
        [(U, "https://www.taobao.com.evil.top/act?id=1", None)],
    ),
    # Nothing to find.
    (
        "版本v2.0发布，速度提升1.5倍，详见file.txt和main.py，有问题发邮件到service@jd.com，Mr.Li说好",
        [],
    ),
    ("￥AbC123dEf45￥ 自己看", []),
    ("淘宝价$19.99，原价$29.99；$12345678$ 不是口令", []),
]


@pytest.mark.parametrize(("message", "expected"), MESSAGES)
def test_share_texts(message: str, expected: list[tuple[str, str, str | None]]) -> None:
    found = EXTRACTOR.extract(message)
    assert [(f.kind, f.text, f.platform) for f in found] == expected
    for f in found:
        assert f.start == message.index(f.text)
        assert f.end == f.start + len(f.text)


def test_enough_share_texts() -> None:
    assert len(MESSAGES) >= 30


def test_url_field_is_the_parsed_link() -> None:
    found = EXTRACTOR.extract("看这个m.tb.cn/h.abc，还有www.jd.com。淘宝客服tаobao.com/verify")
    assert [f.url for f in found] == [
        "http://m.tb.cn/h.abc",
        "http://www.jd.com/",
        "http://xn--tobao-4ve.com/verify",
    ]
    assert EXTRACTOR.extract("Https://Item.JD.com/1.html")[0].url == "https://item.jd.com/1.html"


@pytest.mark.parametrize(
    "left, right",
    [
        (a, b)
        for a, b in ("【】", "「」", "『』", "（）", "《》", "“”", "‘’", "''", '""', "<>", "[]")
    ],
)
def test_brackets_and_quotes_are_boundaries(left: str, right: str) -> None:
    message = f"看{left}https://item.jd.com/1.html{right}吧"
    assert [f.text for f in EXTRACTOR.extract(message)] == ["https://item.jd.com/1.html"]


@pytest.mark.parametrize("mark", [*"，。！？；：、", "…", "～", " ", "\u3000", "\n", "👍"])
def test_full_width_punctuation_ends_a_link(mark: str) -> None:
    message = f"https://b23.tv/BV1xx{mark}后面"
    assert [f.text for f in EXTRACTOR.extract(message)] == ["https://b23.tv/BV1xx"]


@pytest.mark.parametrize(
    ("message", "link"),
    [
        ("see https://x.com/a.", "https://x.com/a"),
        ("see https://x.com/a?!", "https://x.com/a"),
        ("see https://x.com/a,b, ok", "https://x.com/a,b"),
        ("(https://x.com/a)", "https://x.com/a"),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("(https://en.wikipedia.org/wiki/Foo_(bar)).", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("https://x.com/a\u200b", "https://x.com/a"),
        ("taobao.com:8080/x;", "taobao.com:8080/x"),
        ("http://[::1]:8080/x] ok", "http://[::1]:8080/x"),
        ("WWW.JD.COM!", "WWW.JD.COM"),
        ("github.com/org/repo/README.md", "github.com/org/repo/README.md"),
        ("www.example.py", "www.example.py"),
        ("linkhttps://x.com/a", "https://x.com/a"),
        ("git+https://x.com/r.git", "git+https://x.com/r.git"),
        ("ru.wikipedia.org/wiki/Москва，", "ru.wikipedia.org/wiki/Москва"),
    ],
)
def test_link_edges(message: str, link: str) -> None:
    assert [f.text for f in EXTRACTOR.extract(message)] == [link]


@pytest.mark.parametrize(
    "message",
    [
        "1.5倍",
        "v2.0",
        "3.14159",
        "file.txt",
        "main.py",
        "README.md",
        "service@jd.com",
        "first.last@qq.com",
        "Mr.Li",
        "e.g. this",
        "https://",
        "mailto:a@b.cn",
        "javascript:alert(1)",
        "localhost:3000",
        "192.168.1.1",
        "a.b",
        "No.1",
    ],
)
def test_not_links(message: str) -> None:
    assert EXTRACTOR.extract(message) == []


def test_wrapped_code_needs_an_app_name_nearby() -> None:
    far = "￥AbC123dEf45￥" + "。" * 200 + "打开淘宝"
    assert EXTRACTOR.extract(far) == []
    near = "￥AbC123dEf45￥" + "。" * 100 + "打开淘宝"
    assert [(f.kind, f.platform) for f in EXTRACTOR.extract(near)] == [("passcode", "taobao")]
    # The nearest app name wins.
    both = "打开淘宝" + "。" * 30 + "￥AbC123dEf45￥ 打开天猫"
    assert EXTRACTOR.extract(both)[0].platform == "tmall"


def test_app_named_near_a_rule_match_decides_its_platform() -> None:
    # A Taobao-style rule for every currency-wrapped code, as a registry may define it.
    rules = [
        PasscodeRule("taobao", r"([￥$€])[A-Za-z0-9]{11}\1", ("淘宝", "手机淘宝")),
        PasscodeRule("jd", None, ("京东",)),
        PasscodeRule("pinduoduo", None, ("拼多多",)),
    ]
    extractor = LinkExtractor(rules)
    cases = {
        "【京东】￥N5Ab7Cd9Ef2￥，复制后打开京东APP查看": "jd",
        "【拼多多】￥N5Ab7Cd9Ef2￥ 复制这条信息": "pinduoduo",
        "京东和淘宝都有：￥N5Ab7Cd9Ef2￥ 打开手机淘宝": "taobao",
        "￥N5Ab7Cd9Ef2￥ 没有说是哪个应用": "taobao",
    }
    for message, platform in cases.items():
        found = extractor.extract(message)
        assert [(f.text, f.platform) for f in found] == [("￥N5Ab7Cd9Ef2￥", platform)], message


def test_without_rules_only_links_are_found() -> None:
    message = "【淘宝】￥AbC123dEf45￥ https://m.tb.cn/h.abc CZ3457"
    assert [f.kind for f in LinkExtractor().extract(message)] == ["url"]


def test_passcodes_inside_links_are_dropped() -> None:
    rules = [PasscodeRule("x", r"h\.abc", ())]
    found = LinkExtractor(rules).extract("https://m.tb.cn/h.abc h.abc")
    assert [(f.kind, f.text, f.start) for f in found] == [
        ("url", "https://m.tb.cn/h.abc", 0),
        ("passcode", "h.abc", 22),
    ]


def test_rules_accept_compiled_patterns() -> None:
    rules = [PasscodeRule("taobao", re.compile(r"CZ[0-9]{4}"), ("淘宝",))]
    found = LinkExtractor(rules).extract("淘宝 CZ3457")
    assert [(f.text, f.platform) for f in found] == [("CZ3457", "taobao")]


def test_invalid_rule_pattern_is_reported_at_construction() -> None:
    with pytest.raises(ValueError, match="taobao"):
        LinkExtractor([PasscodeRule("taobao", "(", ())])


def test_empty_pattern_matches_are_ignored() -> None:
    assert LinkExtractor([PasscodeRule("x", "a*", ())]).extract("bbb") == []


def test_found_link_is_frozen() -> None:
    link = FoundLink("url", "x.cn", 0, 4, "http://x.cn/", None)
    with pytest.raises(AttributeError):
        link.start = 1  # type: ignore[misc]


def _check(message: str, found: list[FoundLink]) -> None:
    last_end = 0
    for f in found:
        assert 0 <= f.start < f.end <= len(message)
        assert f.start >= last_end
        last_end = f.end
        assert message[f.start : f.end] == f.text
        if f.kind == "url":
            parsed = parse(f.text)
            assert isinstance(parsed, ParsedUrl)
            assert parsed.href == f.url
        else:
            assert f.url is None


_PIECES = st.sampled_from(
    [
        "https://",
        "http://",
        "www.",
        "m.tb.cn/h.abc",
        "jd.com",
        ".cn",
        ".com",
        "/",
        "?a=1&b=2",
        "#x",
        "(",
        ")",
        ".",
        ",",
        "@",
        ":",
        "[::1]",
        "￥AbC123dEf45￥",
        "😆 Bc4xY5Za9Lq 😆",
        "淘宝",
        "抖音",
        "aBc:/ ",
        "CZ3457",
        "，",
        "。",
        "【",
        "】",
        " ",
        "\u200b",
        "а",
        "1.5",
        "\\",
        "%2F",
        "weixin://",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=20).map("".join))
def test_extract_properties_on_link_like_text(message: str) -> None:
    _check(message, EXTRACTOR.extract(message))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_extract_properties_on_any_text(message: str) -> None:
    _check(message, EXTRACTOR.extract(message))


def test_long_inputs_stay_fast() -> None:
    hostile = [
        "a." * 16000,
        "a-" * 16000,
        "https://x.com/" + ")" * 30000,
        "https://" * 4000,
        "淘宝￥AbC123dEf45￥" * 2000,
        "x" * 32000,
    ]
    for message in hostile:
        began = time.perf_counter()
        _check(message, EXTRACTOR.extract(message))
        assert time.perf_counter() - began < 2.0, message[:20]
