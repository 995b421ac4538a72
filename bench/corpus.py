"""Deterministic corpus of URL strings as they arrive in share traffic.

``generate(n, seed=...)`` returns ``n`` URL strings drawn from a fixed mix. Category counts
are exact quotas (``mix_counts``): ``floor(n * share)`` for every category except
``platform``, which takes the remainder; the order is then shuffled. The mix:

============  =====  ==========================================================================
category      share  what the entries look like
============  =====  ==========================================================================
platform      62 %   Chinese platform share links with their tracking parameters: Taobao/Tmall
                     items and searches, ``m.tb.cn`` short links, Douyin, JD, Pinduoduo,
                     Meituan/Dianping, Kuaishou, Bilibili, Xiaohongshu, Zhihu, Weibo, Baidu,
                     WeChat articles (family weights in ``_PLATFORM_FAMILIES``). Some carry
                     percent-encoded or raw Chinese query values and paths. On top of that,
                     10 % lose their scheme (typed in chat: ``m.tb.cn/h.abc123``), 5 % get a
                     mixed-case host (sometimes a capitalised scheme), 5 % get a fragment
                     (WeChat article links may carry ``#rd`` already).
long_tail     20 %   Other sites on varied TLDs (.com .cn .net .top .xyz .shop .vip .club .com.cn
                     .org.cn .co.uk .io .site .online .ru .de .jp ...), random paths, queries,
                     ports; 4 % scheme-less, 2 % mixed-case host.
deceptive      8 %   Tricks aimed at a platform's name: userinfo (``https://taobao.com@evil.top/``,
                     25 %), platform name inside another site's host
                     (``https://www.taobao.com.login-verify.top/``, 30 %), redirectors with an
                     embedded URL (25 %), backslashes (10 %), full-width letters and ideographic
                     dots that fold to the platform's host (10 %).
idn            5 %   Internationalised hosts: Chinese names (``http://例子.中国/``, 45 %), other
                     scripts (20 %), and Cyrillic/Greek lookalikes of platform domains
                     (``tаobao.com``, 35 %); about a third of them written as punycode ``xn--``.
ip_host        4 %   IP-literal hosts: dotted (private ranges and public), hex (``0x7f000001``,
                     ``0x7f.0.0.1``), octal (``0177.0.0.1``), dword (``2130706433``), short
                     (``127.1``), IPv6 (``[::1]``, ``[::ffff:127.0.0.1]``).
malformed      1 %   Strings a URL parser must reject: ``http://``, ``https://exa mple.com``,
                     ``http://[::1``, ``:::``, empty or blank, control characters in the host, very
                     long junk, a lone ``%``, ``http://a b/``, bad ports and IPv4 numbers.
============  =====  ==========================================================================

Strictness contract (what the tests check): normalise a string by prefixing ``http://`` when
it does not start with ``scheme://``; then ``ada_url.check_url`` rejects every ``malformed``
entry and accepts every other one. No entry contains a line separator (``str.splitlines``
would keep it whole) or a lone surrogate, so the corpus round-trips through a UTF-8 file with
one URL per line.

Determinism: every random decision is taken from ``random.Random(seed).random()``, whose
sequence for an integer seed is stable across Python versions and machines; nothing depends
on hash order or the network. ``zipf`` draws repeat traffic over a fixed shuffle of a URL
list so that rank ``k`` is drawn with probability proportional to ``1 / k**s``.

Command line: ``python -m bench.corpus --n N --out FILE [--zipf]`` writes one URL per line.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar
from urllib.parse import quote

T = TypeVar("T")

DEFAULT_N = 200_000
DEFAULT_SEED = 20210917
DEFAULT_ZIPF_SEED = 20211015
DEFAULT_ZIPF_S = 1.1

PLATFORM = "platform"
LONG_TAIL = "long_tail"
DECEPTIVE = "deceptive"
IDN = "idn"
IP_HOST = "ip_host"
MALFORMED = "malformed"

CATEGORIES: tuple[str, ...] = (PLATFORM, LONG_TAIL, DECEPTIVE, IDN, IP_HOST, MALFORMED)
MIX: dict[str, float] = {
    PLATFORM: 0.62,
    LONG_TAIL: 0.20,
    DECEPTIVE: 0.08,
    IDN: 0.05,
    IP_HOST: 0.04,
    MALFORMED: 0.01,
}


class Sample(NamedTuple):
    """One corpus entry with the category it was generated as."""

    category: str
    url: str


# --------------------------------------------------------------------------- randomness


class _Rng:
    """Every draw derives from ``Random.random()`` alone, so output is stable across versions."""

    __slots__ = ("random",)

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed).random

    def below(self, n: int) -> int:
        i = int(self.random() * n)
        return i if i < n else n - 1

    def between(self, lo: int, hi: int) -> int:
        return lo + self.below(hi - lo + 1)

    def chance(self, p: float) -> bool:
        return self.random() < p

    def pick(self, seq: Sequence[T]) -> T:
        return seq[self.below(len(seq))]

    def text(self, alphabet: str, k: int) -> str:
        """``k`` characters drawn uniformly from ``alphabet``, several per ``random()`` call."""
        if k <= 0:
            return ""
        rnd = self.random
        if alphabet == _DIGITS:
            return "".join([f"{int(rnd() * 1e15):015d}" for _ in range(-(-k // 15))])[:k]
        if alphabet == _HEX:
            return "".join([f"{int(rnd() * 0x10000000000000):013x}" for _ in range(-(-k // 13))])[
                :k
            ]
        pairs, q, q2, q3, span = _pair_table(alphabet)
        out = ""
        while len(out) < k:  # one draw spans m**8 values: eight characters
            x = int(rnd() * span)
            out += pairs[x % q] + pairs[x // q % q] + pairs[x // q2 % q] + pairs[x // q3]
        return out[:k]

    def number(self, k: int) -> str:
        """``k`` decimal digits without a leading zero."""
        return "123456789"[self.below(9)] + self.text(_DIGITS, k - 1)

    def shuffle(self, items: list[T]) -> None:
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]


_PAIR_TABLES: dict[str, tuple[tuple[str, ...], int, int, int, int]] = {}


def _pair_table(alphabet: str) -> tuple[tuple[str, ...], int, int, int, int]:
    """All two-character strings over ``alphabet`` with the powers of their count up to the 4th.

    One ``random()`` draw (53 bits) covers ``m**8`` values for alphabets of up to 90 symbols.
    """
    table = _PAIR_TABLES.get(alphabet)
    if table is None:
        if not 2 <= len(alphabet) <= 90:
            raise ValueError("alphabet must have between 2 and 90 symbols")
        pairs = tuple(a + b for a in alphabet for b in alphabet)
        q = len(pairs)
        table = _PAIR_TABLES[alphabet] = (pairs, q, q**2, q**3, q**4)
    return table


class _Weighted(Generic[T]):
    """A fixed weighted choice table."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self._items = [item for item, _ in pairs]
        self._cum = list(accumulate(weight for _, weight in pairs))
        self._total = self._cum[-1]

    def draw(self, g: _Rng) -> T:
        i = bisect_right(self._cum, g.random() * self._total)
        return self._items[min(i, len(self._items) - 1)]


_DIGITS = "0123456789"
_HEX = "0123456789abcdef"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_B36 = _DIGITS + _LOWER
_B62 = _DIGITS + _LOWER + _LOWER.upper()
_B64URL = _B62 + "-_"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

# --------------------------------------------------------------------------- shared vocabularies

_GOODS = (
    "手机", "连衣裙", "蓝牙耳机", "零食大礼包", "口红", "运动鞋", "笔记本电脑", "猫粮",
    "羽绒服", "茶叶", "月饼", "奶粉", "充电宝", "面膜", "电动牙刷", "行李箱", "空气炸锅",
    "洗衣液", "儿童玩具", "机械键盘",
)  # fmt: skip
_TOPICS = (
    "今日热点", "国庆假期", "外链开放", "互联互通", "高考志愿", "中秋节", "双十一", "考研",
    "减肥食谱", "租房攻略", "旅游攻略", "新能源汽车",
)  # fmt: skip
_BAIKE = (
    "互联网", "淘宝网", "微信", "抖音", "长城", "故宫", "人工智能", "电子商务", "二维码",
    "短视频", "小程序", "红包",
)  # fmt: skip
_HANZI = (
    "中华网络商城在线购物优惠淘宝天猫京东美团快手小红书知乎微博百度例子测试新闻科技金融游戏视频音乐"
)
_CN_TLDS = ("中国", "公司", "网络", "在线", "商城", "我爱你", "网址", "手机", "集团", "中文网")
_WORDS = (
    "shop", "mall", "deal", "best", "cheap", "daily", "news", "tech", "cloud", "data", "game",
    "play", "love", "happy", "lucky", "gold", "star", "king", "home", "life", "food", "tea",
    "wine", "car", "auto", "bank", "coin", "hot", "sale", "buy", "go", "link", "hub", "zone",
    "world", "city", "china", "asia", "global", "smart", "fast", "easy", "free", "one", "max",
    "pro", "jia", "hao", "kuai", "le", "xin", "tian", "hua", "long", "feng", "yun", "shang",
    "hai", "jing", "nan", "dong", "mei", "ren", "min", "wang", "zhang", "chen", "sheng",
    "huo", "yi", "san", "fa", "cai", "fu", "gui", "xing", "yuan", "ming", "club", "studio",
    "lab", "press", "media", "travel", "photo", "design", "health", "edu", "learn",
)  # fmt: skip
_SEGMENTS = (
    "index", "home", "about", "news", "article", "detail", "product", "item", "p", "post",
    "blog", "static", "assets", "images", "js", "api", "v1", "v2", "user", "login", "search",
    "cart", "order", "download", "app", "h5", "m", "page", "list", "category", "tag", "2021",
    "09", "17", "share", "s", "view", "docs", "help", "event", "promo",
)  # fmt: skip
_EXTS = (".html", ".htm", ".php", ".aspx", ".jsp", ".shtml")
_QUERY_KEYS = (
    "id", "page", "ref", "from", "utm_source", "utm_medium", "utm_campaign", "s", "lang",
    "uid", "token", "v", "t", "source", "share", "code", "channel", "type", "sort", "cat", "ts",
)  # fmt: skip
_TLDS = _Weighted(
    [
        ("com", 30), ("cn", 12), ("net", 6), ("top", 6), ("xyz", 4), ("shop", 3), ("vip", 3),
        ("club", 2), ("com.cn", 5), ("org.cn", 1), ("co.uk", 2), ("io", 2), ("site", 2),
        ("online", 2), ("ru", 2), ("de", 2), ("jp", 2), ("org", 3), ("info", 1), ("cc", 2),
        ("me", 1), ("tv", 1), ("app", 1), ("fr", 1), ("com.br", 1), ("co.jp", 1), ("com.au", 1),
        ("net.cn", 1), ("edu.cn", 1), ("gov.cn", 1), ("wang", 1), ("icu", 1), ("ltd", 1),
        ("store", 1), ("tech", 1), ("fun", 1), ("live", 1), ("work", 1), ("link", 1), ("in", 1),
        ("us", 1),
    ]
)  # fmt: skip
_CHEAP_TLDS = (
    "top", "xyz", "vip", "club", "shop", "site", "online", "icu", "cc", "live", "work", "fun",
    "cn", "com", "net", "wang", "ltd", "link",
)  # fmt: skip
_LURES = (
    "login-verify", "secure", "account-check", "safe-pay", "refund", "kefu", "service-center",
    "verify", "auth", "cn-pay", "hongbao", "lingqu", "youhui", "prize", "gift", "update",
    "support", "notice", "jiesuan",
)  # fmt: skip
# Substrings that mark a host as borrowing a platform's name; long-tail hosts never contain them.
BRAND_TOKENS: tuple[str, ...] = (
    "taobao", "tmall", "douyin", "jd.com", "pinduoduo", "yangkeduo", "meituan", "dianping",
    "kuaishou", "bilibili", "xiaohongshu", "zhihu", "weibo", "baidu", "weixin", "qq.com",
    "alipay", "jd-com", "qq-com",
)  # fmt: skip
_BRAND_RE = re.compile("|".join(re.escape(token) for token in BRAND_TOKENS))
_PLATFORM_HOSTS = (
    "taobao.com", "www.taobao.com", "item.taobao.com", "login.taobao.com", "tmall.com",
    "detail.tmall.com", "jd.com", "item.jd.com", "passport.jd.com", "douyin.com",
    "www.douyin.com", "pinduoduo.com", "mobile.yangkeduo.com", "meituan.com", "kuaishou.com",
    "www.bilibili.com", "xiaohongshu.com", "www.zhihu.com", "weibo.com", "www.baidu.com",
    "mp.weixin.qq.com", "pay.weixin.qq.com", "www.alipay.com",
)  # fmt: skip
_BRANDS = (
    ("taobao", "com"), ("tmall", "com"), ("douyin", "com"), ("jd", "com"), ("pinduoduo", "com"),
    ("yangkeduo", "com"), ("meituan", "com"), ("kuaishou", "com"), ("bilibili", "com"),
    ("xiaohongshu", "com"), ("zhihu", "com"), ("weibo", "com"), ("baidu", "com"),
    ("weixin", "qq.com"), ("alipay", "com"),
)  # fmt: skip
_HOMOGLYPHS = {
    "a": ("а",),  # Cyrillic a
    "o": ("о", "ο"),  # Cyrillic o, Greek omicron
    "e": ("е",),
    "c": ("с",),
    "p": ("р",),
    "x": ("х",),
    "y": ("у",),
    "i": ("і",),  # Cyrillic-Ukrainian i
    "j": ("ј",),
    "h": ("һ",),
    "k": ("κ",),  # Greek kappa
}


def _uuid(g: _Rng) -> str:
    t = g.text(_HEX, 32)
    return f"{t[:8]}-{t[8:12]}-{t[12:16]}-{t[16:20]}-{t[20:]}"


def _word_host_name(g: _Rng) -> str:
    """A site name of one to three words that borrows no platform name."""
    while True:
        parts = [g.pick(_WORDS) for _ in range(g.pick((1, 1, 2, 2, 2, 3)))]
        name = g.pick(("", "", "", "-")).join(parts)
        if g.chance(0.12):
            name += str(g.between(1, 999))
        if not _BRAND_RE.search(name):
            return name


def _long_tail_host(g: _Rng) -> str:
    while True:
        sub = g.random()
        name = _word_host_name(g)
        tld = _TLDS.draw(g)
        if sub < 0.40:
            host = f"{name}.{tld}"
        elif sub < 0.75:
            host = f"www.{name}.{tld}"
        else:
            prefix = g.pick(("m", "shop", "mall", "blog", "api", "cdn", "static", "news", "h5"))
            host = f"{prefix}.{name}.{tld}"
        if not _BRAND_RE.search(host):
            return host


def _evil_host(g: _Rng) -> str:
    if g.chance(0.5):
        return _long_tail_host(g)
    return f"{g.pick(_LURES)}-{_word_host_name(g)}.{g.pick(_CHEAP_TLDS)}"


def _path(g: _Rng) -> str:
    segments = [g.pick(_SEGMENTS) for _ in range(g.below(4))]
    if g.chance(0.25):
        segments.append(g.text(_B36, g.between(4, 12)))
    path = "/" + "/".join(segments)
    if segments and g.chance(0.35):
        path += g.pick(_EXTS)
    elif segments and g.chance(0.3):
        path += "/"
    return path


def _query(g: _Rng, count: int) -> str:
    pairs = []
    for _ in range(count):
        key = g.pick(_QUERY_KEYS)
        value = g.number(g.between(1, 8)) if g.chance(0.5) else g.text(_B62, g.between(2, 16))
        pairs.append(f"{key}={value}")
    return "?" + "&".join(pairs) if pairs else ""


def _cn(g: _Rng, words: Sequence[str], raw_share: float = 0.0) -> str:
    """A Chinese word, raw or percent-encoded (UTF-8) as browsers put it into queries."""
    word = g.pick(words)
    return word if g.chance(raw_share) else quote(word, safe="")


# --------------------------------------------------------------------------- platform families


_TAOBAO_EXTRAS: tuple[Callable[[_Rng], str], ...] = (
    lambda g: "ns=1",
    lambda g: f"abbucket={g.between(1, 20)}",
    lambda g: (
        f"ali_trackid=2:mm_{g.number(9)}_{g.number(8)}_{g.number(11)}"
        f":{g.number(13)}_{g.number(3)}_{g.number(10)}"
    ),
    lambda g: f"sku_properties=1627207:{g.number(8)}",
    lambda g: f"un={g.text(_HEX, 32)}",
    lambda g: "share_crt_v=1",
    lambda g: f"sp_tk={g.text(_B62, 11)}",
    lambda g: "tbSocialPopKey=shareItem",
    lambda g: f"cpp=1&shareurl=true&short_name=h.{g.text(_B62, 7)}",
    lambda g: "app=chrome",
)


def _taobao_item(g: _Rng) -> str:
    params = [
        f"id={g.number(g.pick((11, 12, 12)))}",
        f"spm={g.pick(('a21n57.1.0.0', 'a230r.1.14.16', 'a1z10.3-c-s.w4002-21223910208.9', 'a2141.7631564.0.0', 'a21bo.jianhua.201876.1'))}",  # noqa: E501
        f"scm=1007.{g.number(5)}.{g.number(6)}.0",
        f"pvid={_uuid(g)}",
    ]
    params.extend(extra(g) for extra in _TAOBAO_EXTRAS if g.chance(0.3))
    if g.chance(0.25):
        return f"https://a.m.taobao.com/i{g.number(12)}.htm?" + "&".join(params[1:])
    return "https://item.taobao.com/item.htm?" + "&".join(params)


def _tmall_item(g: _Rng) -> str:
    params = [f"id={g.number(12)}"]
    if g.chance(0.8):
        params.append(f"skuId={g.number(13)}")
    params.append(f"spm={g.pick(('a230r.1.14.1', 'a220m.1000858.1000725.1', 'a1z10.1-b-s'))}")
    if g.chance(0.5):
        params.append(f"ali_refid=a3_430583_1006:{g.number(10)}:N:{g.text(_B62, 24)}")
    if g.chance(0.4):
        params.append(f"user_id={g.number(10)}&cat_id=2")
    if g.chance(0.3):
        params.append(f"pvid={_uuid(g)}")
    host = g.pick(("detail.tmall.com", "detail.tmall.com", "detail.m.tmall.com"))
    return f"https://{host}/item.htm?" + "&".join(params)


def _taobao_short(g: _Rng) -> str:
    url = f"https://m.tb.cn/h.{g.text(_B62, g.pick((6, 7, 7)))}"
    if g.chance(0.8):
        url += f"?tk={g.text(_B62, 11)}"
        if g.chance(0.3):
            url += g.pick(("&sm=1", "&from=copy", f"&sm={g.text(_HEX, 6)}"))
    return url


def _taobao_search(g: _Rng) -> str:
    roll = g.random()
    if roll < 0.6:
        url = f"https://s.taobao.com/search?q={_cn(g, _GOODS, 0.3)}"
        if g.chance(0.6):
            url += "&imgfile=&commend=all&ssid=s5-e&search_type=item&sourceId=tb.index&ie=utf8"
        return url
    if roll < 0.85:
        return f"https://shop{g.number(9)}.taobao.com/?spm=a230r.7195193.1997079397.2.{g.text(_B36, 8)}"  # noqa: E501
    return f"https://uland.taobao.com/coupon/edetail?e={g.text(_B64URL, 40)}&traceId={g.text(_HEX, 26)}&union_lens=lensId:{g.text(_B36, 20)}"  # noqa: E501


def _douyin_short(g: _Rng) -> str:
    return f"https://v.douyin.com/{g.text(_B62, 7)}/"


def _douyin_video(g: _Rng) -> str:
    vid = "7" + g.text(_DIGITS, 18)
    roll = g.random()
    if roll < 0.6:
        url = f"https://www.douyin.com/video/{vid}"
        if g.chance(0.5):
            url += g.pick(
                ("?previous_page=app_code_link", "?modeFrom=userPost&secUid=MS4wLjABAAAA")
            )
            if url.endswith("AAAA"):
                url += g.text(_B64URL, 43)
        return url
    if roll < 0.8:
        return f"https://www.douyin.com/user/MS4wLjABAAAA{g.text(_B64URL, 43)}?modal_id={vid}"
    return (
        f"https://www.iesdouyin.com/share/video/{vid}/?region=CN&mid=7{g.text(_DIGITS, 18)}"
        f"&u_code={g.text(_B36, 12)}&did=MS4wLjABAAAA{g.text(_B64URL, 20)}&titleType=title"
        f"&share_sign={g.text(_B64URL, 24)}&share_version=170400&ts={g.number(10)}&from_ssr=1"
    )


def _jd_item(g: _Rng) -> str:
    sku = g.number(g.pick((11, 12, 12)))
    if g.chance(0.65):
        url = f"https://item.jd.com/{sku}.html"
        if g.chance(0.3):
            url += f"?spm={g.text(_B36, 6)}"
        return url
    return (
        f"https://item.m.jd.com/product/{sku}.html?gx={g.text(_B64URL, 30)}&ad_od=share"
        f"&utm_source=androidapp&utm_medium=appshare&utm_campaign=t_335139774"
        f"&utm_term={g.pick(('Wxfriends', 'CopyURL', 'QQfriends', 'Wxfriends_shareid'))}"
    )


def _jd_short(g: _Rng) -> str:
    if g.chance(0.7):
        return f"https://u.jd.com/{g.text(_B62, g.pick((6, 6, 7)))}"
    return f"https://3.cn/{g.text(_B62, 3)}-{g.text(_B62, 4)}"


def _pinduoduo(g: _Rng) -> str:
    if g.chance(0.2):
        return f"https://p.pinduoduo.com/{g.text(_B62, 8)}"
    params = [
        f"goods_id={g.number(g.pick((9, 11, 12)))}",
        f"page_from={g.pick((23, 35, 39, 401, 0))}",
        f"share_uin={g.text(_B32, 26)}",
        f"refer_share_id={g.text(_HEX, 32)}",
        f"refer_share_uid={g.number(10)}",
        f"refer_share_channel={g.pick(('message', 'copy_url', 'qq', 'wechat'))}",
    ]
    if g.chance(0.5):
        params.append("refer_share_form=card")
    page = g.pick(("goods.html", "goods.html", "goods1.html", "goods2.html"))
    return f"https://mobile.yangkeduo.com/{page}?" + "&".join(params)


def _meituan(g: _Rng) -> str:
    roll = g.random()
    if roll < 0.3:
        return f"https://i.meituan.com/poi/{g.number(9)}"
    if roll < 0.5:
        return f"https://www.meituan.com/meishi/{g.number(9)}/"
    if roll < 0.7:
        return (
            f"https://h5.waimai.meituan.com/waimai/mindex/menu?dpShopId=&mtShopId={g.number(15)}"
            f"&utm_source={g.pick(('wx', 'qq', '60376'))}&source=shanghai"
            f"&initialLat=31.{g.text(_DIGITS, 6)}&initialLng=121.{g.text(_DIGITS, 6)}"
        )
    if roll < 0.85:
        return f"https://dpurl.cn/{g.text(_B62, 7)}"
    return (
        f"https://m.dianping.com/shopshare/{g.text(_B62, 16)}"
        f"?msource=Appshare2021&utm_source=shop_share&shoptype=10&shopcategoryid=1"
    )


def _kuaishou(g: _Rng) -> str:
    roll = g.random()
    if roll < 0.6:
        return f"https://v.kuaishou.com/{g.text(_B62, 6)}"
    if roll < 0.85:
        return (
            f"https://www.kuaishou.com/short-video/3x{g.text(_B36, 13)}"
            f"?authorId=3x{g.text(_B36, 13)}&streamSource=find&area=homexxbrilliant"
        )
    return f"https://www.kuaishou.com/f/X{g.text(_B62, 14)}"


def _bilibili_video(g: _Rng) -> str:
    host = g.pick(("www.bilibili.com", "www.bilibili.com", "m.bilibili.com"))
    roll = g.random()
    if roll < 0.75:
        url = (
            f"https://{host}/video/BV1{g.text(_B58, 9)}?p={g.between(1, 12)}&share_source=copy_web"
        )
        if g.chance(0.5):
            url += f"&vd_source={g.text(_HEX, 32)}"
        if g.chance(0.3):
            url += (
                f"&share_medium=android&share_plat=android&share_session_id={_uuid(g)}"
                f"&share_tag=s_i&timestamp={g.number(10)}&unique_k={g.text(_B62, 7)}"
            )
        return url
    if roll < 0.9:
        return f"https://live.bilibili.com/{g.number(g.between(5, 8))}"
    return f"https://space.bilibili.com/{g.number(g.between(6, 10))}"


def _b23(g: _Rng) -> str:
    return f"https://b23.tv/{g.text(_B62, 7)}"


def _xiaohongshu(g: _Rng) -> str:
    roll = g.random()
    if roll < 0.55:
        return f"http://xhslink.com/{g.text(_B62, 6)}"
    if roll < 0.7:
        return f"http://xhslink.com/a/{g.text(_B62, 12)}"
    if roll < 0.85:
        return (
            f"https://www.xiaohongshu.com/explore/{g.text(_HEX, 24)}"
            f"?xsec_token=AB{g.text(_B64URL, 44)}=&xsec_source=pc_share"
        )
    return (
        f"https://www.xiaohongshu.com/discovery/item/{g.text(_HEX, 24)}"
        f"?app_platform={g.pick(('ios', 'android'))}&app_version=8.{g.between(1, 60)}.0"
        f"&share_from_user_hidden=true&type=normal&author_share=1&xhsshare=WeixinSession"
        f"&appuid={g.text(_HEX, 24)}&apptime={g.number(10)}"
    )


def _zhihu(g: _Rng) -> str:
    roll = g.random()
    if roll < 0.45:
        return (
            f"https://www.zhihu.com/question/{g.number(9)}/answer/{g.number(10)}"
            f"?utm_source={g.pick(('wechat_session', 'wechat_timeline', 'qq', 'com.tencent.tim'))}"
            f"&utm_medium=social&utm_oi={g.number(18)}"
        )
    if roll < 0.8:
        url = f"https://zhuanlan.zhihu.com/p/{g.number(9)}"
        return url + "?utm_id=0" if g.chance(0.4) else url
    return f"https://www.zhihu.com/search?type=content&q={_cn(g, _TOPICS, 0.25)}"


def _weibo(g: _Rng) -> str:
    roll = g.random()
    if roll < 0.3:
        return f"https://weibo.com/{g.number(10)}/{g.text(_B62, 9)}"
    if roll < 0.55:
        return f"https://m.weibo.cn/{g.pick(('status', 'detail'))}/4{g.text(_DIGITS, 15)}"
    if roll < 0.8:
        return f"http://t.cn/{g.text(_B62, g.pick((7, 8)))}"
    tag = quote("#" + g.pick(_TOPICS) + "#", safe="")
    return f"https://s.weibo.com/weibo?q={tag}&from=default"


def _baidu(g: _Rng) -> str:
    roll = g.random()
    if roll < 0.35:
        return (
            f"https://www.baidu.com/s?wd={_cn(g, _GOODS + _TOPICS, 0.3)}&rsv_spt=1"
            f"&rsv_iqid=0x{g.text(_HEX, 16)}&issp=1&f=8&ie=utf-8&tn=baiduhome_pg"
        )
    if roll < 0.55:
        url = f"https://baike.baidu.com/item/{_cn(g, _BAIKE, 0.6)}"
        if g.chance(0.5):
            url += f"/{g.number(g.between(5, 8))}"
        return url + "?fr=aladdin" if g.chance(0.5) else url
    if roll < 0.75:
        return f"https://pan.baidu.com/s/1{g.text(_B64URL, 22)}?pwd={g.text(_B36, 4)}"
    if roll < 0.9:
        return f"https://tieba.baidu.com/p/{g.number(10)}?share=9105&fr=sharewise"
    return (
        "https://mbd.baidu.com/newspage/data/landingsuper?context=%7B%22nid%22%3A%22news_"
        f"{g.number(19)}%22%7D&n_type=-1&p_from=-1"
    )


def _wechat(g: _Rng) -> str:
    if g.chance(0.65):
        return f"https://mp.weixin.qq.com/s/{g.text(_B64URL, 22)}"
    return (
        f"https://mp.weixin.qq.com/s?__biz=Mz{g.text(_B62, 10)}==&mid={g.number(10)}"
        f"&idx={g.between(1, 8)}&sn={g.text(_HEX, 32)}&chksm={g.text(_HEX, 48)}"
        f"&scene={g.pick((1, 21, 27, 126, 178))}#rd"
    )


_PLATFORM_FAMILIES: _Weighted[Callable[[_Rng], str]] = _Weighted(
    [
        (_taobao_item, 12), (_tmall_item, 7), (_taobao_short, 9), (_taobao_search, 3),
        (_douyin_short, 9), (_douyin_video, 5), (_jd_item, 6), (_jd_short, 3), (_pinduoduo, 6),
        (_meituan, 4), (_kuaishou, 5), (_bilibili_video, 5), (_b23, 4), (_xiaohongshu, 5),
        (_zhihu, 3), (_weibo, 3), (_baidu, 3), (_wechat, 8),
    ]
)  # fmt: skip


def _host_span(url: str) -> tuple[int, int]:
    sep = url.find("://")
    start = sep + 3 if sep >= 0 else 0
    end = len(url)
    for ch in "/?#":
        i = url.find(ch, start)
        if 0 <= i < end:
            end = i
    return start, end


def _mix_case(g: _Rng, url: str) -> str:
    start, end = _host_span(url)
    host = url[start:end]
    style = g.random()
    if style < 0.3:
        mixed = host.upper()
    elif style < 0.6:
        mixed = ".".join(label[:1].upper() + label[1:] for label in host.split("."))
    else:
        mixed = "".join(c.upper() if g.chance(0.4) else c for c in host)
    if mixed == host:
        mixed = host[:1].upper() + host[1:]
    scheme = url[:start]
    if scheme and g.chance(0.3):
        scheme = scheme[:1].upper() + scheme[1:]
    return scheme + mixed + url[end:]


def _strip_scheme(url: str) -> str:
    sep = url.find("://")
    return url[sep + 3 :] if sep >= 0 else url


_FRAGMENTS = ("rd", "/", "comment", "reply", "top", "share", "wechat_redirect", "page=2", "review")


def _platform(g: _Rng) -> str:
    url = _PLATFORM_FAMILIES.draw(g)(g)
    if g.chance(0.05) and "#" not in url:
        url += "#" + g.pick(_FRAGMENTS)
    if g.chance(0.05):
        url = _mix_case(g, url)
    if g.chance(0.10):
        url = _strip_scheme(url)
    return url


# --------------------------------------------------------------------------- other categories


def _long_tail(g: _Rng) -> str:
    scheme = "https" if g.chance(0.7) else "http"
    host = _long_tail_host(g)
    port = f":{g.pick((8080, 8443, 8888, 81, 3000, 9000))}" if g.chance(0.05) else ""
    url = f"{scheme}://{host}{port}{_path(g)}"
    if g.chance(0.4):
        url += _query(g, g.between(1, 4))
    if g.chance(0.05):
        url += "#" + g.pick(("top", "main", "section-2", "comments", "/home"))
    if g.chance(0.02):
        url = _mix_case(g, url)
    if g.chance(0.04):
        url = _strip_scheme(url)
    return url


def _punycode_host(host: str) -> str:
    labels = []
    for label in host.split("."):
        if label.isascii():
            labels.append(label)
        else:
            labels.append("xn--" + label.encode("punycode").decode("ascii"))
    return ".".join(labels)


_OTHER_SCRIPT_HOSTS = (
    ("münchen", "de"), ("bücher", "de"), ("straße", "de"), ("köln", "de"), ("zürich", "ch"),
    ("пример", "рф"), ("магазин", "рф"), ("новости", "рф"), ("почта", "рф"), ("例え", "jp"),
    ("ドメイン", "jp"), ("日本語", "jp"), ("한국", "kr"), ("도메인", "한국"),
    ("παράδειγμα", "gr"), ("españa", "es"), ("façade", "fr"), ("ñandú", "com"),
)  # fmt: skip


def _lookalike(g: _Rng) -> str:
    brand, suffix = g.pick(_BRANDS)
    positions = [i for i, c in enumerate(brand) if c in _HOMOGLYPHS]
    chars = list(brand)
    for i in sorted({g.pick(positions) for _ in range(g.pick((1, 1, 2)))}):
        chars[i] = g.pick(_HOMOGLYPHS[chars[i]])
    host = "".join(chars) + "." + suffix
    if g.chance(0.4):
        host = g.pick(("www.", "item.", "m.", "login.")) + host
    return host


def _idn(g: _Rng) -> str:
    roll = g.random()
    if roll < 0.45:
        label = g.text(_HANZI, g.between(2, 4))
        tld = g.pick(_CN_TLDS) if g.chance(0.6) else g.pick(("com", "cn", "net", "com.cn"))
        host = f"{label}.{tld}"
        if g.chance(0.15):
            host = "www." + host
    elif roll < 0.65:
        label, tld = g.pick(_OTHER_SCRIPT_HOSTS)
        host = f"{label}.{tld}"
    else:
        host = _lookalike(g)
    if g.chance(0.33):
        host = _punycode_host(host)
    scheme = "https" if g.chance(0.6) else "http"
    tail = g.pick(("/", "/", "", "/item.htm?id=" + g.number(12), "/login", _path(g)))
    return f"{scheme}://{host}{tail}"


def _octet(g: _Rng) -> int:
    return g.below(256)


def _dotted(octets: tuple[int, int, int, int]) -> str:
    return ".".join(str(o) for o in octets)


def _private_ipv4(g: _Rng) -> tuple[int, int, int, int]:
    roll = g.random()
    if roll < 0.3:
        return (10, _octet(g), _octet(g), g.between(1, 254))
    if roll < 0.5:
        return (172, g.between(16, 31), _octet(g), g.between(1, 254))
    if roll < 0.8:
        return (192, 168, g.pick((0, 1, 1, 2, 10, 31, 100)), g.between(1, 254))
    if roll < 0.9:
        return (127, 0, 0, 1)
    return (169, 254, _octet(g), g.between(1, 254))


def _any_ipv4(g: _Rng) -> tuple[int, int, int, int]:
    if g.chance(0.6):
        return _private_ipv4(g)
    return (g.between(1, 223), _octet(g), _octet(g), g.between(1, 254))


def _ip_literal(g: _Rng) -> str:
    roll = g.random()
    if roll < 0.30:
        return _dotted(_private_ipv4(g))
    if roll < 0.42:
        return _dotted((g.between(1, 223), _octet(g), _octet(g), g.between(1, 254)))
    a, b, c, d = _any_ipv4(g)
    dword = (a << 24) | (b << 16) | (c << 8) | d
    if roll < 0.52:
        return f"0x{dword:08x}" if g.chance(0.7) else f"0x{dword:08X}"
    if roll < 0.57:
        return f"0x{a:x}.0x{b:x}.0x{c:x}.0x{d:x}" if g.chance(0.5) else f"0x{a:x}.{b}.{c}.{d}"
    if roll < 0.65:
        return f"0{a:o}.0{b:o}.0{c:o}.0{d:o}" if g.chance(0.7) else f"0{dword:o}"
    if roll < 0.73:
        return str(dword)
    if roll < 0.77:
        return g.pick((f"{a}.{(b << 16) | (c << 8) | d}", f"{a}.{b}.{(c << 8) | d}"))
    v6 = (
        "::1",
        "fe80::1",
        f"fe80::{g.text(_HEX, 4)}:{g.text(_HEX, 4)}",
        f"::ffff:{a}.{b}.{c}.{d}",
        f"2001:db8::{g.text(_HEX, 4)}",
        f"fd00::{g.text(_HEX, 3)}",
        f"2408:{g.text(_HEX, 4)}:{g.text(_HEX, 4)}::{g.text(_HEX, 2)}",
        "::",
        "0:0:0:0:0:0:0:1",
    )
    return f"[{g.pick(v6)}]"


_IP_PATHS = (
    "/", "", "/admin", "/login.php", "/index.html", "/api/v1/status", "/phpmyadmin/",
    "/download/app.apk", "/wp-login.php", "/cgi-bin/luci", "/hb/lingqu.html", "/m/item.htm",
)  # fmt: skip


def _ip_host(g: _Rng) -> str:
    scheme = "http" if g.chance(0.8) else "https"
    port = f":{g.pick((80, 8080, 8000, 8888, 443, 3000, 9000))}" if g.chance(0.3) else ""
    url = f"{scheme}://{_ip_literal(g)}{port}{g.pick(_IP_PATHS)}"
    if g.chance(0.2):
        url += f"?id={g.number(g.between(3, 9))}"
    return url


def _evil_target(g: _Rng) -> str:
    roll = g.random()
    if roll < 0.4:
        brand = g.pick(_PLATFORM_HOSTS)
        host = f"{brand}.{g.pick(_LURES)}.{g.pick(_CHEAP_TLDS)}"
    elif roll < 0.8:
        host = _evil_host(g)
    else:
        host = _dotted(_any_ipv4(g))
    return f"{g.pick(('https', 'http'))}://{host}{g.pick(('/', '/login', '/item.htm', _path(g)))}"


def _deceptive(g: _Rng) -> str:
    roll = g.random()
    brand = g.pick(_PLATFORM_HOSTS)
    if roll < 0.25:  # userinfo
        evil = _evil_host(g) if g.chance(0.8) else _dotted(_any_ipv4(g))
        user = brand if g.chance(0.7) else f"{brand}:{g.text(_B62, 8)}"
        return f"https://{user}@{evil}{g.pick(('/', '/item.htm?id=' + g.number(12), _path(g)))}"
    if roll < 0.55:  # platform name inside another site's host
        lure = g.pick(_LURES)
        tld = g.pick(_CHEAP_TLDS)
        token = next(t for t in BRAND_TOKENS if t in brand)
        host = g.pick(
            (
                f"{brand}.{lure}.{tld}",
                f"{brand}-{lure}.{tld}",
                f"{brand.replace('.', '-')}.{_word_host_name(g)}.{tld}",
                f"{token}-{lure}.{tld}",
                f"{lure}-{token}.{tld}",
                f"www.{token}{g.between(1, 999)}.{tld}",
            )
        )
        return f"https://{host}{g.pick(('/', '/item.htm?id=' + g.number(12), _path(g)))}"
    if roll < 0.80:  # redirector carrying another URL
        target = _evil_target(g)
        roll2 = g.random()
        if roll2 < 0.2:
            return f"https://www.google.com/url?sa=t&url={quote(target, safe='')}&usg={g.text(_B64URL, 28)}"  # noqa: E501
        if roll2 < 0.4:
            return f"https://link.zhihu.com/?target={quote(target, safe='/')}"
        if roll2 < 0.55:
            return f"https://weibo.cn/sinaurl?u={quote(target, safe='')}"
        if roll2 < 0.7:
            return (
                f"https://c.pc.qq.com/middlem.html?pfurl={quote(target, safe='')}"
                f"&pfuin={g.number(9)}&pfsourcename=wx&level=1"
            )
        key = g.pick(("url", "to", "target", "redirect", "u", "goto", "jump"))
        value = target if g.chance(0.5) else quote(target, safe="")
        path = g.pick(("/redirect", "/go.php", "/jump", "/link", "/out", "/r"))
        return f"https://{_long_tail_host(g)}{path}?{key}={value}"
    if roll < 0.90:  # backslashes
        evil = _evil_host(g)
        return g.pick(
            (
                f"https://{evil}\\@{brand}/",
                f"http:\\\\{evil}\\{brand}\\",
                f"https:/\\{evil}/{brand}/",
                f"https://{brand}\\@{evil}/",
                f"https://{evil}\\\\{brand}/item.htm",
            )
        )
    # full-width letters and ideographic dots that fold to the platform's host
    if g.chance(0.5):
        dot = g.pick(("。", "．", "｡"))
        host = brand.replace(".", dot)
    else:
        host = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in brand)
    return f"https://{host}{g.pick(('/', '/item.htm?id=' + g.number(12), ''))}"


_JUNK_OK = _LOWER + _LOWER.upper() + _DIGITS + "-._~!$&'()*+,;=" + "数据乱码链接😀é"
_JUNK_BAD = " <>^|"
_CONTROL = "".join(chr(c) for c in (*range(0x00, 0x09), *range(0x0E, 0x1C), 0x1F, 0x7F))


def _long_junk(g: _Rng) -> str:
    body = list(g.text(_JUNK_OK, g.between(512, 4096)))
    for _ in range(g.between(1, 5)):  # interior, so stripping the ends cannot remove them
        body[g.between(1, len(body) - 2)] = g.pick(_JUNK_BAD)
    return ("http://" if g.chance(0.5) else "") + "".join(body)


def _malformed(g: _Rng) -> str:
    word = g.pick(_WORDS)
    roll = g.below(16)
    if roll == 0:
        return g.pick(("http://", "https://", "http:///", "https:///", "//"))
    if roll == 1:
        return g.pick(("", " ", "   ", ":::", "::", "\x00"))
    if roll == 2:
        return g.pick(("http://[::1", "http://[::1/", "https://[fe80::1", "http://[1:2:3]/"))
    if roll == 3:
        return g.pick(("http://%", "%", "https://%/", f"http://{word}%zz.com/"))
    if roll == 4:
        return g.pick((f"https://{word[:2]} {word[2:]}.com", "http://a b/", f"{word} {word}.cn/"))
    if roll == 5:
        return f"https://exa{g.pick(_CONTROL)}mple.com/"
    if roll == 6:
        return f"http://{word}{g.pick(_CONTROL)}.{_TLDS.draw(g)}/{g.pick(_SEGMENTS)}"
    if roll in (7, 8):
        return _long_junk(g)
    if roll == 9:
        return f"http://{_long_tail_host(g)}:{g.between(65536, 999999)}/"
    if roll == 10:
        return f"http://{g.between(256, 999)}.{_octet(g)}.{_octet(g)}.{_octet(g)}/"
    if roll == 11:
        return f"http://{_dotted(_any_ipv4(g))}.{_octet(g)}/"
    if roll == 12:
        return g.pick((f"http://{word}<{word}>.com/", f"https://ex|{word}.com", "http://^/"))
    if roll == 13:
        return g.pick(("http://:80/", "https://@/", "http://user@/", "http://[::1]x/"))
    if roll == 14:
        return f"https://{_long_tail_host(g)}:{g.text(_LOWER, 4)}/"
    return f"http://{word}.com:{g.between(1, 99)}{g.pick(_LOWER)}/"


_GENERATORS: dict[str, Callable[[_Rng], str]] = {
    PLATFORM: _platform,
    LONG_TAIL: _long_tail,
    DECEPTIVE: _deceptive,
    IDN: _idn,
    IP_HOST: _ip_host,
    MALFORMED: _malformed,
}


# --------------------------------------------------------------------------- public API


def mix_counts(n: int) -> dict[str, int]:
    """Exact number of entries per category in a corpus of ``n`` (see the module docstring)."""
    n = max(n, 0)
    counts = {category: math.floor(n * share) for category, share in MIX.items()}
    counts[PLATFORM] += n - sum(counts.values())
    return counts


def generate_labeled(n: int = DEFAULT_N, *, seed: int = DEFAULT_SEED) -> list[Sample]:
    """The corpus of ``generate`` with the category each entry was generated as."""
    g = _Rng(seed)
    labels = [category for category, count in mix_counts(n).items() for _ in range(count)]
    g.shuffle(labels)
    return [Sample(category, _GENERATORS[category](g)) for category in labels]


def generate(n: int = DEFAULT_N, *, seed: int = DEFAULT_SEED) -> list[str]:
    """``n`` URL strings as they arrive in share traffic; the same seed gives the same list."""
    return [sample.url for sample in generate_labeled(n, seed=seed)]


def zipf(
    urls: Sequence[str], n: int, *, s: float = DEFAULT_ZIPF_S, seed: int = DEFAULT_ZIPF_SEED
) -> list[str]:
    """``n`` draws from ``urls`` where the rank-``k`` entry of a fixed shuffle has weight 1/k**s.

    Real share traffic repeats popular links; this turns a corpus of distinct links into such
    traffic. Raises ``ValueError`` when there is nothing to draw from or ``s`` is not a finite
    non-negative number.
    """
    if n <= 0:
        return []
    if not urls:
        raise ValueError("zipf needs at least one URL to draw from")
    if not (math.isfinite(s) and s >= 0):
        raise ValueError(f"zipf exponent must be finite and non-negative, got {s!r}")
    g = _Rng(seed)
    ranked = list(urls)
    g.shuffle(ranked)
    cumulative = list(accumulate(float(k) ** -s for k in range(1, len(ranked) + 1)))
    total = cumulative[-1]
    last = len(ranked) - 1
    rnd = g.random
    return [ranked[bisect_right(cumulative, rnd() * total, 0, last)] for _ in range(n)]


def main(argv: Sequence[str] | None = None) -> int:
    """Write a corpus, one URL per line (UTF-8); ``--out -`` writes to standard output."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.corpus",
        description="Write linkgate's deterministic benchmark corpus, one URL per line.",
    )
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="number of lines to write")
    parser.add_argument("--out", required=True, help="output file, or - for standard output")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument(
        "--zipf", action="store_true", help="write N Zipf-distributed draws from a corpus of N"
    )
    parser.add_argument("--s", type=float, default=DEFAULT_ZIPF_S, help="Zipf exponent")
    parser.add_argument("--zipf-seed", type=int, default=DEFAULT_ZIPF_SEED, help="Zipf seed")
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("--n must be non-negative")
    urls = generate(args.n, seed=args.seed)
    if args.zipf:
        try:
            urls = zipf(urls, args.n, s=args.s, seed=args.zipf_seed)
        except ValueError as exc:
            parser.error(str(exc))
    data = "".join(url + "\n" for url in urls).encode("utf-8")
    if args.out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        Path(args.out).write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
