"""The platform registry: resolving real-looking links, pass-codes, the bundled data."""

from __future__ import annotations

import re

import ada_url
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import (
    MiniProgramMatch,
    Platform,
    PlatformNames,
    Registry,
    Resolution,
)
from linkgate.vocabulary import CAPABILITIES, TIERS

PSL = PublicSuffix.bundled()
REGISTRY = Registry.default()


def resolve(url: str, registry: Registry = REGISTRY) -> Resolution:
    parsed = ada_url.URL(url)
    host = parsed.hostname
    return registry.resolve(host, PSL.registrable_domain(host), parsed.pathname, parsed.search)


# (link as shared, platform id, link kind)
RESOLUTIONS = [
    # first party
    ("https://mp.weixin.qq.com/s/Ab3dEfGh1jKlMnOpQrStUv", "tencent", "content"),
    (
        "https://mp.weixin.qq.com/s?__biz=MzA5NjYwNDQzMA==&mid=2650&idx=1&sn=abc#rd",
        "tencent",
        "content",
    ),
    ("https://v.qq.com/x/cover/mzc00200abcdef/a0045xyz.html", "tencent", "content"),
    ("https://docs.qq.com/doc/DWVh6VlNFa2ZvZUNX", "tencent", "content"),
    (
        "https://dldir1.qq.com/weixin/android/weixin8049android2600_arm64.apk",
        "tencent",
        "app_download",
    ),
    ("https://im.qq.com/download/", "tencent", "app_download"),
    ("http://url.cn/5abcDEF", "tencent", "short_link"),
    ("https://weixin.qq.com/", "tencent", "other"),
    # partners
    ("https://item.jd.com/100012043978.html", "jd", "commerce"),
    ("https://item.m.jd.com/product/100012043978.html?sid=abc", "jd", "commerce"),
    ("https://mall.jd.com/index-1000000127.html", "jd", "commerce"),
    ("https://3.cn/10-abcdEF", "jd", "short_link"),
    ("https://u.jd.com/tFDejq", "jd", "short_link"),
    ("https://www.jd.com/", "jd", "other"),
    (
        "https://mobile.yangkeduo.com/goods.html?goods_id=123456789&page_from=23",
        "pinduoduo",
        "commerce",
    ),
    ("https://mobile.pinduoduo.com/goods2.html?goods_id=123456", "pinduoduo", "commerce"),
    ("https://mobile.yangkeduo.com/goods.html?ps=abc", "pinduoduo", "other"),
    ("https://p.pinduoduo.com/aBcDeF12", "pinduoduo", "short_link"),
    ("https://www.dianping.com/shop/H7abcDEF12", "meituan", "commerce"),
    ("https://m.dianping.com/shopshare/k9XyZ", "meituan", "commerce"),
    ("https://www.dianping.com/review/712345678", "meituan", "content"),
    ("https://dpurl.cn/aBc12Def", "meituan", "short_link"),
    ("https://v.kuaishou.com/JZwy3g3t", "kuaishou", "short_link"),
    ("http://www.gifshow.com/s/yvEcB84Z", "kuaishou", "short_link"),
    ("https://www.kuaishou.com/short-video/3xabc123def", "kuaishou", "content"),
    ("https://v.m.chenzhongtech.com/fw/photo/3x5abcdefg?fid=1", "kuaishou", "content"),
    ("https://www.bilibili.com/video/BV1GJ411x7h7", "bilibili", "content"),
    ("https://m.bilibili.com/video/av170001", "bilibili", "content"),
    ("https://b23.tv/Zm7mYo0", "bilibili", "short_link"),
    ("https://mall.bilibili.com/detail.html?itemsId=10001", "bilibili", "commerce"),
    ("https://app.bilibili.com/", "bilibili", "app_download"),
    ("https://space.bilibili.com/486906719", "bilibili", "other"),
    # competitors
    ("https://item.taobao.com/item.htm?id=567873872517", "alibaba", "commerce"),
    ("https://item.taobao.com/item.htm?spm=a1z10", "alibaba", "other"),
    ("https://detail.tmall.com/item.htm?id=600000000001&skuId=1", "alibaba", "commerce"),
    ("https://s.click.taobao.com/t?e=m%3D2%26s%3Dabc", "alibaba", "commerce"),
    ("https://a.m.taobao.com/i557979174414.htm?price=0.94", "alibaba", "commerce"),
    ("https://detail.1688.com/offer/612345678901.html", "alibaba", "commerce"),
    ("https://m.tb.cn/h.3n52vLA", "alibaba", "short_link"),
    ("https://www.taobao.com/", "alibaba", "other"),
    ("https://www.douyin.com/video/7635649097567539306", "bytedance", "content"),
    ("https://v.douyin.com/iRNBho6u/", "bytedance", "short_link"),
    (
        "https://www.iesdouyin.com/share/video/7234567890123456789/?region=CN",
        "bytedance",
        "content",
    ),
    ("https://m.toutiao.com/is/iJabcDEF/", "bytedance", "short_link"),
    ("https://www.toutiao.com/article/7123456789012345678/", "bytedance", "content"),
    ("https://haohuo.jinritemai.com/views/product/item2?id=3456789", "bytedance", "commerce"),
    ("https://www.douyin.com/downloadpage", "bytedance", "app_download"),
    ("https://qr.alipay.com/fkx12345abcdefgh", "alipay", "short_link"),
    ("https://www.alipay.com/", "alipay", "other"),
    # neutral
    ("https://zhuanlan.zhihu.com/p/123456789", "zhihu", "content"),
    ("https://www.zhihu.com/question/19550256/answer/123456789", "zhihu", "content"),
    ("https://link.zhihu.com/?target=https%3A//example.com/", "zhihu", "short_link"),
    ("https://m.weibo.cn/status/4567890123456789", "weibo", "content"),
    ("https://weibo.com/1234567890/LxYz12345", "weibo", "content"),
    ("http://t.cn/A6abcDEF", "weibo", "short_link"),
    ("https://pan.baidu.com/s/1AbCdEfGhIjKlMn?pwd=1234", "baidu", "content"),
    ("https://baijiahao.baidu.com/s?id=1712345678901234567&wfr=spider", "baidu", "content"),
    ("https://mobile.baidu.com/item?pid=123456", "baidu", "app_download"),
    ("https://www.baidu.com/s?wd=linkgate", "baidu", "other"),
    ("https://www.xiaohongshu.com/explore/64a1b2c3d4e5f60718293a4b", "xiaohongshu", "content"),
    ("http://xhslink.com/a/wf5NMyBgULveb", "xiaohongshu", "short_link"),
    # nobody's
    ("https://example.com/item.htm?id=1", None, "other"),
    ("https://taobao.com.evil.top/item.htm?id=1", None, "other"),
    ("https://nottaobao.com/item.htm?id=1", None, "other"),
    ("http://1.2.3.4/download.apk", None, "other"),
    ("http://[2001:db8::1]/", None, "other"),
]


@pytest.mark.parametrize(("url", "platform", "kind"), RESOLUTIONS, ids=[r[0] for r in RESOLUTIONS])
def test_resolution_table(url: str, platform: str | None, kind: str) -> None:
    resolution = resolve(url)
    assert (resolution.platform_id, resolution.link_kind) == (platform, kind)


def test_table_covers_every_platform_and_kind() -> None:
    assert len(RESOLUTIONS) >= 30
    assert {p for _, p, _ in RESOLUTIONS} >= {p.id for p in REGISTRY} | {None}
    assert {k for _, _, k in RESOLUTIONS} == {
        "commerce",
        "content",
        "short_link",
        "app_download",
        "other",
    }


def test_resolution_is_stable_across_repeats_and_case() -> None:
    first = resolve("https://item.jd.com/100012043978.html")
    again = REGISTRY.resolve("ITEM.JD.COM.", "jd.com", "/100012043978.html", "")
    assert first == again
    assert REGISTRY.resolve("item.jd.com", "jd.com", "/1.html", "") == REGISTRY.resolve(
        "item.jd.com", "jd.com", "/1.html", ""
    )


def test_mini_program_pages() -> None:
    jd = resolve("https://item.m.jd.com/product/100012043978.html")
    assert jd.mini_program == MiniProgramMatch(
        "wx91d27dbf599dff74", "京东购物", "pages/item/detail/detail?sku=100012043978"
    )
    docs = resolve("https://docs.qq.com/sheet/DRVRrVFZpZllsWU9k")
    assert docs.mini_program is not None
    assert docs.mini_program.app_id == "wxd45c635d754dbf59"
    assert docs.mini_program.path == (
        "pages/detail/detail?url=https%3A%2F%2Fdocs.qq.com%2Fsheet%2FDRVRrVFZpZllsWU9k"
    )
    assert resolve("https://www.jd.com/").mini_program is None
    assert resolve("https://item.jd.com/abc.html").mini_program is None


def test_registrable_none_and_unknown() -> None:
    assert REGISTRY.resolve("1.2.3.4", None, "/", "") == Resolution(None, "other", None)
    assert REGISTRY.resolve("jd.com", None, "/", "").platform is None
    assert REGISTRY.resolve("", "jd.com", "/", "").platform is None


def test_public_suffix_entries_never_capture_other_owners() -> None:
    registry = Registry(
        [
            Platform(
                id="careless",
                names=PlatformNames("粗心", "Careless"),
                tier="neutral",
                priority_rank=None,
                domains=("com.cn", "careless.com.cn"),
            )
        ]
    )
    assert registry.resolve("shop.example.com.cn", "example.com.cn", "/", "").platform is None
    found = registry.resolve("www.careless.com.cn", "careless.com.cn", "/", "").platform
    assert found is not None and found.id == "careless"


def test_constructor_rejects_duplicates() -> None:
    platform = Platform("a", PlatformNames("甲", "A"), "neutral", None, ("a.com",))
    other = Platform("b", PlatformNames("乙", "B"), "neutral", None, ("A.com",))
    with pytest.raises(ValueError, match="registered by 'a' and 'b'"):
        Registry([platform, other])
    with pytest.raises(ValueError, match="registered twice"):
        Registry([platform, platform])


def test_protected_domains() -> None:
    protected = REGISTRY.protected_domains()
    assert protected == tuple(sorted(protected))
    assert {"taobao.com", "tmall.com", "tb.cn", "jd.com", "b23.tv", "v.douyin.com"} <= set(
        protected
    )
    assert all(d == d.lower() and d.isascii() for d in protected)


@pytest.mark.parametrize(
    ("text", "platform", "code"),
    [
        ("復·制这段描述￥anzcbFYCKxj￥后咑閞👉淘♂寳♀👈", "alibaba", "￥anzcbFYCKxj￥"),
        ("【女装】，復·制这段描述€08skb3DzfQC€后到👉淘♂寳♀👈", "alibaba", "€08skb3DzfQC€"),
        (
            "7.94 复制打开抖音，看看 https://v.douyin.com/iRNBho6u/ :9pm z@A.gb",
            "bytedance",
            "z@A.gb",
        ),
        (
            "7.66 GVL:/   https://v.douyin.com/NjQAh2A/ 复制此链接，打开Dou音搜索",
            "bytedance",
            "GVL:/",
        ),
        (
            "快来看吧！ 😆 VTv5KAZSWVDwqi1 😆 http://xhslink.com/a/wf5NMyBgULveb",
            "xiaohongshu",
            None,
        ),
    ],
)
def test_passcode_rules(text: str, platform: str, code: str | None) -> None:
    found = [
        (pid, m.group(0))
        for pid, pattern, _ in REGISTRY.passcode_rules()
        if pattern is not None
        for m in pattern.finditer(text)
    ]
    assert found, text
    assert {pid for pid, _ in found} == {platform}
    if code is not None:
        assert code in {c for _, c in found}


@pytest.mark.parametrize(
    "text",
    [
        "mail me at bob@example.com",
        "see https://www.taobao.com/ now",
        "price ￥100.00￥ today",
        "ratio 3:4 and time 12:30",
    ],
)
def test_passcode_rules_leave_ordinary_text_alone(text: str) -> None:
    assert not [p for _, p, _ in REGISTRY.passcode_rules() if p is not None and p.search(text)]


def test_passcode_rules_carry_app_names() -> None:
    rules = REGISTRY.passcode_rules()
    alibaba = [names for pid, _, names in rules if pid == "alibaba"]
    assert alibaba and "手机淘宝" in alibaba[0]
    assert all(p is None or isinstance(p, re.Pattern) for _, p, _ in rules)
    jd = [(p, names) for pid, p, names in rules if pid == "jd"]
    assert jd == [(None, REGISTRY.get("jd").app_names)]  # type: ignore[union-attr]


def test_bundled_registry_shape() -> None:
    assert REGISTRY is Registry.default()
    tiers = {p.id: p.tier for p in REGISTRY}
    assert tiers["tencent"] == "first_party"
    assert {pid for pid, tier in tiers.items() if tier == "competitor"} == {
        "alibaba",
        "bytedance",
        "alipay",
    }
    partners = sorted(
        (p.priority_rank, p.id) for p in REGISTRY if p.tier == "partner" and p.priority_rank
    )
    assert partners == [
        (1, "jd"),
        (2, "pinduoduo"),
        (3, "meituan"),
        (4, "kuaishou"),
        (5, "bilibili"),
    ]
    for platform in REGISTRY:
        assert platform.tier in TIERS
        assert set(platform.capabilities) <= set(CAPABILITIES)
        assert len(platform.jsapi_safe_domains) <= 3
        assert platform.names.zh and platform.names.en
        assert platform.source is not None and platform.source.startswith("linkgate/data/")
    assert REGISTRY.get("jd") is not None and REGISTRY.get("nobody") is None


HOSTS = st.sampled_from(
    ["item.jd.com", "m.tb.cn", "www.example.com", "docs.qq.com", "", ".", "JD.COM.", "a..jd.com"]
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(HOSTS, st.text(max_size=40)),
    st.one_of(st.none(), st.sampled_from(["jd.com", "tb.cn", "qq.com", ""]), st.text(max_size=20)),
    st.text(max_size=60),
    st.text(max_size=60),
)
def test_resolve_never_raises(host: str, registrable: str | None, path: str, query: str) -> None:
    resolution = REGISTRY.resolve(host, registrable, path, query)
    assert resolution.link_kind in {"commerce", "content", "short_link", "app_download", "other"}
    if registrable is None:
        assert resolution.platform is None
