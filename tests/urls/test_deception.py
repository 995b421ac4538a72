"""DeceptionDetector: legitimate platform links raise nothing; each trick raises its signal."""

from __future__ import annotations

import ada_url
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from publicsuffixlist import PublicSuffixList

from linkgate.urls.deception import DANGEROUS_SCHEMES, SIGNALS, DeceptionDetector
from linkgate.urls.model import InvalidUrl, ParsedUrl
from linkgate.urls.parse import parse

PROTECTED = (
    "taobao.com",
    "tmall.com",
    "tb.cn",
    "jd.com",
    "3.cn",
    "douyin.com",
    "iesdouyin.com",
    "yangkeduo.com",
    "pinduoduo.com",
    "b23.tv",
    "bilibili.com",
    "zhihu.com",
    "weibo.com",
    "weibo.cn",
    "qq.com",
    "kuaishou.com",
    "xiaohongshu.com",
    "xhslink.com",
)

_PSL = PublicSuffixList()
DETECTOR = DeceptionDetector(PROTECTED)


def parsed_link(raw: str) -> ParsedUrl:
    parsed = parse(raw)
    assert isinstance(parsed, ParsedUrl), parsed
    return parsed


def host_facts(parsed: ParsedUrl) -> tuple[str, str | None]:
    """(host_unicode, registrable_domain) the way the link core computes them."""
    host = parsed.hostname.rstrip(".")
    if parsed.host_type in ("ipv4", "ipv6") or not host:
        return host, None
    unicode_host = ada_url.idna_to_unicode(host) if "xn--" in host else host
    return unicode_host, _PSL.privatesuffix(host)


def signals(raw: str, detector: DeceptionDetector = DETECTOR) -> tuple[str, ...]:
    parsed = parsed_link(raw)
    host_unicode, registrable = host_facts(parsed)
    return detector.detect(parsed, host_unicode=host_unicode, registrable_domain=registrable)


LEGITIMATE = [
    "https://item.taobao.com/item.htm?id=675938253511&spm=a21n57.1.0.0",
    "https://detail.tmall.com/item.htm?id=608385738416&spm=a230r.1.14.16.4c1a2e2dYkM1Tm"
    "&skuId=4524856239478",
    "https://h5.m.taobao.com/awp/core/detail.htm?id=675938253511",
    "https://s.taobao.com/search?q=%E8%BF%9E%E8%A1%A3%E8%A3%99",
    "https://item.taobao.com/item.htm?id=1&ali_refid=a3_430582_1006:1110022:N:abc",
    "https://m.tb.cn/h.5XYZabc?tk=AbCdEfGhIjK",
    "m.tb.cn/h.abc",
    "https://v.douyin.com/iJ8abc/",
    "v.douyin.com/iJ8abc/",
    "https://www.douyin.com/video/7234567890123456789?previous_page=app_code_link",
    "https://item.jd.com/100012043978.html",
    "https://item.m.jd.com/product/100012043978.html?gx=RnFhwmZdbTDezp0Ud4V3Xg&ad_od=share",
    "https://3.cn/1Xy-ZaBc",
    "www.jd.com",
    "HTTPS://ITEM.JD.COM/100012043978.HTML",
    "https://mobile.yangkeduo.com/goods.html?goods_id=123456789&page_from=23&share_uin=ABCDEF",
    "b23.tv/BV1xx",
    "https://b23.tv/BV1xx411c7mD",
    "https://www.bilibili.com/video/BV1GJ411x7h7?p=2",
    "https://www.bilibili.com/video/BV1GJ411x7h7/?share_source=copy_web&vd_source=5e3f0c1b2a",
    "https://www.zhihu.com/question/19550225/answer/1234567",
    "https://zhuanlan.zhihu.com/p/123456789",
    "https://weibo.com/1642634100/MzHn0aBcD",
    "https://m.weibo.cn/status/4912345678901234",
    "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv",
    "https://mp.weixin.qq.com/s?__biz=MzA3MjU2NjQ4MA==&mid=2650000001&idx=1"
    "&sn=0123456789abcdef0123456789abcdef&chksm=84a0b1c2d3e4#rd",
    "https://mp.weixin.qq.com/s/AbCd?scene=21#wechat_redirect",
    "https://v.kuaishou.com/1A2b3C",
    "https://www.kuaishou.com/short-video/3xabc123def?authorId=3xyz&streamSource=profile",
    "https://www.xiaohongshu.com/discovery/item/64f1a2b3c4d5e6f7a8b9c0d1?app_platform=ios"
    "&app_version=8.10&share_from_user_hidden=true&xhsshare=CopyLink&appuid=5a1b2c3d"
    "&apptime=1700000000",
    "http://xhslink.com/A1b2C3",
    "https://y.qq.com/n/ryqq/songDetail/0039MnYb0qxYhV",
    "https://www.taobao.com./",
    "https://tmall.com:443/",
    "  https://www.jd.com/\u200b  ",
    # Not platforms, not deceptive either.
    "https://github.com/python/cpython/blob/main/Lib/urllib/parse.py#L100",
    "https://zh.wikipedia.org/wiki/%E6%B7%98%E5%AE%9D%E7%BD%91",
    "https://www.baidu.com/s?wd=%E6%B7%98%E5%AE%9D",
    "https://docs.python.org/3/library/ipaddress.html",
    "https://www.example.org",
    "https://münchen.de/",
    "https://例え.jp/",
    "https://中文网.中国/",
    "weixin://dl/business/?t=abcDEF123",
    "mailto:service@jd.com",
    "https://[2001:4860:4860::8888]/",
]


@pytest.mark.parametrize("raw", LEGITIMATE)
def test_legitimate_links_raise_nothing(raw: str) -> None:
    expected: tuple[str, ...] = ("ip_host",) if "[2001:" in raw else ()
    assert signals(raw) == expected


DECEPTIVE = [
    # userinfo
    ("https://taobao.com@evil.top/", ("userinfo",)),
    ("https://www.jd.com:login@evil.top/item", ("userinfo",)),
    ("https://@evil.top/", ("userinfo",)),
    ("taobao.com@evil.top/x", ("userinfo",)),
    # ip_host / private_ip
    ("http://8.8.8.8/login", ("ip_host",)),
    ("http://0x7f.1/", ("ip_host", "private_ip")),
    ("http://3232235777/", ("ip_host", "private_ip")),
    ("http://0300.0250.0.1/", ("ip_host", "private_ip")),
    ("http://192.168.1.1:8080/admin", ("ip_host", "private_ip")),
    ("http://100.64.0.1/", ("ip_host", "private_ip")),
    ("http://169.254.169.254/latest/meta-data/", ("ip_host", "private_ip")),
    ("http://[fd00::1]/", ("ip_host", "private_ip")),
    ("http://[::ffff:10.0.0.1]/", ("ip_host", "private_ip")),
    ("http://[2002:c0a8:101::1]/", ("ip_host", "private_ip")),
    ("http://[64:ff9b::7f00:1]/", ("ip_host", "private_ip")),
    ("http://[::7f00:1]/", ("ip_host", "private_ip")),
    ("http://localhost:3000/", ("private_ip",)),
    ("http://admin.localhost/", ("private_ip",)),
    # dangerous_scheme
    ("javascript:alert(document.cookie)", ("dangerous_scheme",)),
    ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", ("dangerous_scheme",)),
    ("file:///etc/passwd", ("dangerous_scheme",)),
    ("vbscript:msgbox(1)", ("dangerous_scheme",)),
    ("blob:https://evil.top/1234-5678", ("dangerous_scheme", "embedded_url")),
    # invisible_chars
    ("https://tao\u200bbao.com/", ("invisible_chars",)),
    ("https://evil.top/\u202egpj.exe", ("invisible_chars",)),
    ("https://www.jd.com\u00ad.evil.top/", ("invisible_chars", "platform_in_subdomain")),
    # mixed_script / confusable
    ("https://аpple-store.com/", ("mixed_script",)),
    ("https://tаobao.com/", ("mixed_script", "confusable")),
    ("https://item.tаоbао.com/item.htm?id=1", ("mixed_script", "confusable")),
    ("https://xn--tobao-4ve.com/", ("mixed_script", "confusable")),
    ("https://taobaο.com/", ("mixed_script", "confusable")),
    ("https://ԛԛ.com/", ("confusable",)),
    ("https://ta0bao.com/", ("confusable",)),
    ("https://taobao.corn/", ("confusable",)),
    ("jd.corn", ("confusable",)),
    ("https://item.jd.c0m/", ("confusable",)),
    ("https://trnall.com/", ("confusable",)),
    ("https://trnall.net/", ("confusable",)),
    ("https://bi1ibi1i.com/video/BV1GJ411x7h7", ("confusable",)),
    ("https://weib0.com/", ("confusable",)),
    # platform_in_subdomain
    ("https://www.taobao.com.evil.top/", ("platform_in_subdomain",)),
    ("https://taobao.com-login.top/", ("platform_in_subdomain",)),
    ("https://www-jd-com.evil.top/", ("platform_in_subdomain",)),
    ("https://login.weibo.com.secure-check.xyz/", ("platform_in_subdomain",)),
    ("https://www.tаobao.com.evil.top/", ("mixed_script", "platform_in_subdomain")),
    # embedded_url
    ("https://evil.top/r?url=https%3A%2F%2Fx.top", ("embedded_url",)),
    ("https://evil.top/redirect?to=http://x.top/", ("embedded_url",)),
    ("https://evil.top/go/https://x.top", ("embedded_url",)),
    ("https://evil.top/?next=//x.top", ("embedded_url",)),
    ("https://evil.top/r?u=aHR0cHM6Ly94LnRvcA==", ("embedded_url",)),
    ("https://evil.top/r?u=https%253A%252F%252Fx.top", ("embedded_url",)),
    ("https://evil.top/#https://x.top", ("embedded_url",)),
    ("https://evil.top/r?target=javascript:alert(1)", ("embedded_url",)),
    # parser_differential
    ("https://evil.top\\@taobao.com/", ("parser_differential",)),
    ("https://taobao.com\\.evil.top/", ("parser_differential",)),
    ("http:evil.top", ("parser_differential",)),
    ("https:/\\evil.top/", ("parser_differential",)),
    ("http:///evil.top/", ("parser_differential",)),
    ("http://tao\tbao.com/", ("invisible_chars", "parser_differential")),
    # too_long
    ("https://evil.top/" + "a" * 2100, ("too_long",)),
    ("https://" + ("a" * 60 + ".") * 5 + "top/", ("too_long",)),
    ("https://" + "a" * 70 + ".top/", ("too_long",)),
    # several at once, in SIGNALS order
    (
        "http://taobao.com@192.168.0.1/r?u=https://x.top",
        ("userinfo", "ip_host", "private_ip", "embedded_url"),
    ),
]


@pytest.mark.parametrize(("raw", "expected"), DECEPTIVE)
def test_deceptive_links_raise_their_signals(raw: str, expected: tuple[str, ...]) -> None:
    assert signals(raw) == expected


def test_every_signal_is_exercised() -> None:
    raised = {code for _, expected in DECEPTIVE for code in expected}
    assert raised == set(SIGNALS)
    assert len(DECEPTIVE) >= 30


def test_signals_are_stable_codes_in_fixed_order() -> None:
    assert len(set(SIGNALS)) == len(SIGNALS)
    for _, expected in DECEPTIVE:
        assert list(expected) == sorted(expected, key=SIGNALS.index)


def test_protected_domains_are_normalised() -> None:
    detector = DeceptionDetector([" TaoBao.COM. ", "", "xn--tobao-4ve.com", "例子.com"])
    assert detector.protected_domains == frozenset({"taobao.com", "xn--tobao-4ve.com"})
    # A domain that is itself protected is never its own lookalike.
    assert signals("https://xn--tobao-4ve.com/", detector) == ("mixed_script",)
    assert signals("https://taobao.com/", detector) == ()


def test_nothing_is_confusable_without_protected_domains() -> None:
    detector = DeceptionDetector([])
    assert signals("https://ta0bao.com/", detector) == ()
    assert signals("https://www.taobao.com.evil.top/", detector) == ()
    assert signals("https://tаobao.com/", detector) == ("mixed_script",)


def test_short_brand_labels_are_not_matched_under_other_tlds() -> None:
    # jd and qq are too short for a label-only comparison: jd.net is not a lookalike.
    assert signals("https://jd.net/") == ()
    assert signals("https://qq.org/") == ()
    # Same spelling under another suffix is a different domain, not a homograph.
    assert signals("https://taobao.net/") == ()


def test_host_results_follow_the_registrable_domain_argument() -> None:
    parsed = parsed_link("https://www.taobao.com.evil.top/")
    assert DETECTOR.detect(
        parsed, host_unicode="www.taobao.com.evil.top", registrable_domain="evil.top"
    ) == ("platform_in_subdomain",)
    # The same host under a registrable domain that is protected is the platform's own.
    assert (
        DETECTOR.detect(
            parsed, host_unicode="www.taobao.com.evil.top", registrable_domain="taobao.com"
        )
        == ()
    )


def test_public_addresses_embedded_in_ipv6_are_not_private() -> None:
    assert signals("http://[::ffff:8.8.8.8]/") == ("ip_host",)
    assert signals("http://[64:ff9b::808:808]/") == ("ip_host",)


def test_dangerous_schemes_are_the_documented_set() -> None:
    assert {"javascript", "data", "file", "vbscript", "blob"} <= DANGEROUS_SCHEMES
    assert "about" not in DANGEROUS_SCHEMES
    assert "https" not in DANGEROUS_SCHEMES
    assert signals("about:blank") == ()


def test_trailing_copy_artefacts_are_not_invisible_chars() -> None:
    assert signals("\ufeffhttps://item.jd.com/1.html\u200b\n") == ()
    assert signals("https://item.jd.com/1.html\u202e") == ("invisible_chars",)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_detect_never_raises_on_parsed_text(text: str) -> None:
    parsed = parse(text)
    if isinstance(parsed, InvalidUrl):
        return
    host_unicode, registrable = host_facts(parsed)
    out = DETECTOR.detect(parsed, host_unicode=host_unicode, registrable_domain=registrable)
    assert list(out) == sorted(set(out), key=SIGNALS.index)


_URLISH = st.builds(
    lambda scheme, host, rest: f"{scheme}{host}{rest}",
    st.sampled_from(["http://", "https://", "", "weixin://", "http:", "https:\\\\", "//"]),
    st.text(alphabet="taobc0m.-@\\:[]1аο\u200b%2F", max_size=24),
    st.text(alphabet="/?#=&:%2F3Ahtps.x@\\\t", max_size=24),
)


@settings(max_examples=300, deadline=None)
@given(_URLISH, st.text(max_size=20), st.one_of(st.none(), st.text(max_size=20)))
def test_detect_never_raises_on_odd_arguments(
    raw: str, host_unicode: str, registrable: str | None
) -> None:
    parsed = parse(raw)
    if isinstance(parsed, InvalidUrl):
        return
    out = DETECTOR.detect(parsed, host_unicode=host_unicode, registrable_domain=registrable)
    assert set(out) <= set(SIGNALS)
