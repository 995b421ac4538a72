"""The links generated traffic shares: URL shapes and titles, per platform.

Each platform family makes links the way its apps share them (item pages,
short links, videos, articles, downloads), in the shapes the bundled
registry's link-kind patterns recognise, with a Chinese title as the link
preview shows it. Bad links are the tricks spammers use against a platform's
name (userinfo, lookalike hosts, the platform's name in another site's host,
raw IP hosts, redirectors carrying another URL), fake red-envelope and
induced-sharing pages, and malformed links.

Every :class:`Link` says what it was made as (``family``, ``kind``, ``bad``,
``content``), so tests can hold the generator to the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, NamedTuple
from urllib.parse import quote

from linkgate.simulator.rng import B36, B58, B62, B64URL, DIGITS, HEX, LOWER, Rng, Weighted

LONG_TAIL: Final = "long_tail"


class Link(NamedTuple):
    """A link as shared, its title, and what it was generated as."""

    url: str
    title: str
    family: str  # the platform id it imitates or belongs to, or "long_tail"
    kind: str  # the link kind it was made as (the registry's word for unknown sites: other)
    bad: str | None = None  # None, or how the link deceives / breaks
    content: str | None = None  # None, or the content category of its title


Factory = Callable[[Rng], Link]

# --------------------------------------------------------------------------- vocabulary

GOODS: Final = (
    "秋冬加厚羽绒服女中长款", "无线蓝牙耳机主动降噪", "坚果零食大礼包", "哑光口红正品",
    "男士透气跑步鞋", "轻薄笔记本电脑", "成猫幼猫粮10斤装", "家用大容量空气炸锅",
    "声波电动牙刷", "薰衣草洗衣液10斤", "儿童益智积木玩具", "青轴机械键盘",
    "中秋月饼礼盒", "阿克苏冰糖心苹果", "五常稻花香大米", "316不锈钢保温杯",
    "整箱抽纸家用", "补水保湿面膜", "手机壳适用iPhone13", "20000毫安充电宝",
)  # fmt: skip
TOPICS: Final = (
    "国庆假期出游攻略", "中秋节习俗", "双十一预售", "高考志愿填报", "考研复习经验",
    "新能源汽车怎么选", "减脂餐一周食谱", "租房避坑指南", "互联网平台互联互通",
    "外链开放", "秋天的第一杯奶茶", "上海周末去哪儿", "成都美食探店", "猫咪日常",
    "健身打卡第30天", "育儿经验分享",
)  # fmt: skip
HEADLINES: Final = (
    "看完这篇就懂了", "终于有人说清楚了", "建议收藏", "一文读懂", "亲测有效",
    "附详细教程", "今天才知道", "值得一看",
)  # fmt: skip
NAMES: Final = (
    "小王同学", "阿杰日常", "吃货小分队", "老张说车", "程序员小李", "旅行的猫",
    "李姐的厨房", "科技宅",
)  # fmt: skip
SHOPS: Final = (
    "海底捞火锅", "喜茶", "肯德基", "老乡鸡", "西贝莜面村", "蜜雪冰城", "太二酸菜鱼", "和府捞面",
)  # fmt: skip
AREAS: Final = ("徐家汇", "三里屯", "春熙路", "天河城", "西湖银泰", "解放碑")
DOCS: Final = ("周报模板", "活动报名表", "会议纪要", "年度预算", "班级通讯录", "旅行计划")
COMPANIES: Final = ("华信科技", "东方传媒", "绿源农业", "星辰教育", "恒达机械", "天和律师事务所")

FAKE_RED_ENVELOPE: Final = (
    "🧧恭喜发财，大吉大利！点击领取红包",
    "好友给你发了一个拼手气红包，点击领取",
    "微信官方红包：您有一笔88.88元现金待领取",
    "新春红包雨来了，立即领取最高888元",
)
INDUCED_SHARING: Final = (
    "转发到3个群即可领取现金红包",
    "分享给5位好友，免费领取价值299元大礼包",
    "集赞38个到店免费领取，转发朋友圈有效",
    "不转不是中国人！看完请转发",
    "关注公众号并分享到朋友圈，即可参与抽奖",
)
PHISHING: Final = (
    "【安全中心】您的账号存在异常登录，请立即验证",
    "您的订单退款已受理，请点击登录办理",
    "ETC认证即将失效，请尽快更新信息",
    "您的白条额度已提升，点击查看",
)
MARKETING: Final = (
    "【内部优惠券】{goods}原价299现在只要9.9，手慢无！",
    "【限时秒杀】{goods}今天最后一天，仅剩{n}件！",
    "兼职日结，在家动动手指每天200+，详情点击",
    "{goods}工厂直销，厂家直供，加微信拿货价",
)

_WORDS: Final = (
    "hua", "xin", "tian", "long", "feng", "yun", "shang", "hai", "jing", "dong", "mei", "kuai",
    "le", "jia", "hao", "sheng", "yuan", "ming", "xing", "cai", "fu", "gui", "an", "kang",
    "tech", "cloud", "news", "shop", "life", "home", "media", "data", "edu", "travel", "food",
)  # fmt: skip
_TLDS: Final = Weighted(
    [("com", 40), ("cn", 18), ("com.cn", 10), ("net", 8), ("org", 3), ("top", 5), ("xyz", 3),
     ("vip", 3), ("cc", 2), ("net.cn", 2), ("org.cn", 2), ("site", 2), ("online", 2)]
)  # fmt: skip
_CHEAP_TLDS: Final = ("top", "xyz", "vip", "club", "icu", "cc", "site", "online", "wang", "ltd")
_LURES: Final = (
    "login-verify", "secure", "account-check", "safe-pay", "refund", "kefu", "service",
    "hongbao", "lingqu", "youhui", "prize", "notice",
)  # fmt: skip
# Hosts the deception tricks borrow, and their registrable labels for lookalikes.
_BRAND_HOSTS: Final = (
    "item.taobao.com", "login.taobao.com", "detail.tmall.com", "item.jd.com", "passport.jd.com",
    "www.douyin.com", "mobile.yangkeduo.com", "mp.weixin.qq.com", "pay.weixin.qq.com",
    "www.alipay.com", "www.meituan.com",
)  # fmt: skip
_LOOKALIKES: Final = (
    ("taobao", "com", "item."), ("tmall", "com", "detail."), ("alipay", "com", "www."),
    ("douyin", "com", "www."), ("jd", "com", "item."), ("pinduoduo", "com", "mobile."),
    ("meituan", "com", "i."),
)  # fmt: skip
_HOMOGLYPHS: Final = {"a": "а", "o": "о", "e": "е", "p": "р", "i": "і", "c": "с", "j": "ј"}
_BRAND_TOKENS: Final = (
    "taobao", "tmall", "jd", "douyin", "pinduoduo", "yangkeduo", "meituan", "dianping",
    "kuaishou", "bilibili", "xiaohongshu", "zhihu", "weibo", "baidu", "weixin", "qq", "alipay",
)  # fmt: skip


def _price(g: Rng) -> str:
    return f"{g.between(9, 899)}.{g.pick(('00', '90', '99', '80'))}"


def _goods_title(g: Rng, template: str) -> str:
    return template.format(goods=g.pick(GOODS), price=_price(g), n=g.between(3, 50))


def _site_name(g: Rng) -> str:
    """Two or three pinyin words that name no platform."""
    while True:
        name = "".join(g.pick(_WORDS) for _ in range(g.pick((2, 2, 3))))
        if not any(token in name for token in _BRAND_TOKENS):
            return name


def _site_host(g: Rng) -> str:
    host = f"{g.pick(('', '', 'www.', 'm.', 'news.'))}{_site_name(g)}.{_TLDS.draw(g)}"
    return host


def _article_path(g: Rng) -> str:
    return g.pick(
        (
            f"/news/2021/{g.between(8, 10):02d}{g.between(1, 28):02d}/{g.number(6)}.html",
            f"/article/{g.number(7)}",
            f"/p/{g.text(B36, 10)}",
            f"/product/{g.number(5)}.html",
            "/",
            f"/index.php?id={g.number(4)}",
        )
    )


# --------------------------------------------------------------------------- platforms


def _tencent(g: Rng) -> Link:
    roll = g.random()
    if roll < 0.55:
        url = f"https://mp.weixin.qq.com/s/{g.text(B64URL, 22)}"
        return Link(url, f"{g.pick(TOPICS)}｜{g.pick(HEADLINES)}", "tencent", "content")
    if roll < 0.70:
        url = (
            f"https://mp.weixin.qq.com/s?__biz=Mz{g.text(B62, 10)}==&mid={g.number(10)}"
            f"&idx={g.between(1, 8)}&sn={g.text(HEX, 32)}#rd"
        )
        return Link(url, f"{g.pick(TOPICS)}，{g.pick(HEADLINES)}", "tencent", "content")
    if roll < 0.80:
        url = f"https://v.qq.com/x/cover/{g.text(B36, 15)}.html"
        return Link(url, f"{g.pick(TOPICS)}_腾讯视频", "tencent", "content")
    if roll < 0.94:
        doc = g.pick(("doc", "sheet", "form"))
        url = f"https://docs.qq.com/{doc}/D{g.text(B62, 11)}"
        return Link(url, f"{g.pick(DOCS)} - 腾讯文档", "tencent", "content")
    if roll < 0.97:
        return Link("https://im.qq.com/download/", "QQ官方下载", "tencent", "app_download")
    return Link(f"http://url.cn/{g.text(B62, 7)}", g.pick(TOPICS), "tencent", "short_link")


def _alibaba(g: Rng) -> Link:
    roll = g.random()
    if roll < 0.33:
        url = f"https://item.taobao.com/item.htm?id={g.number(12)}"
        if g.chance(0.6):
            url += f"&spm=a21n57.1.0.0&pvid={g.text(HEX, 8)}"
        return Link(url, _goods_title(g, "【淘宝】{goods} 券后¥{price}"), "alibaba", "commerce")
    if roll < 0.52:
        host = g.pick(("detail.tmall.com", "detail.tmall.com", "detail.m.tmall.com"))
        url = f"https://{host}/item.htm?id={g.number(12)}&skuId={g.number(13)}"
        return Link(url, _goods_title(g, "{goods}-tmall.com天猫"), "alibaba", "commerce")
    if roll < 0.82:
        url = f"https://m.tb.cn/h.{g.text(B62, 7)}"
        if g.chance(0.7):
            url += f"?tk={g.text(B62, 11)}"
        title = _goods_title(g, "【淘宝】{goods} 点击链接直接打开")
        return Link(url, title, "alibaba", "short_link")
    if roll < 0.87:
        url = f"https://s.taobao.com/search?q={quote(g.pick(GOODS))}"
        return Link(url, f"{g.pick(GOODS)}_淘宝搜索", "alibaba", "other")
    if roll < 0.91:
        url = f"https://www.goofish.com/item?id={g.number(12)}"
        return Link(url, _goods_title(g, "【闲鱼】{goods} 九成新 ¥{price}"), "alibaba", "commerce")
    if roll < 0.94:
        url = f"https://detail.1688.com/offer/{g.number(12)}.html"
        return Link(url, _goods_title(g, "{goods}批发 - 阿里巴巴1688"), "alibaba", "commerce")
    url = f"https://uland.taobao.com/coupon/edetail?e={g.text(B64URL, 32)}"
    return Link(url, _goods_title(g, "【淘宝】{goods} 领券立减{n}元"), "alibaba", "commerce")


def _pinduoduo(g: Rng) -> Link:
    roll = g.random()
    if roll < 0.72:
        url = (
            f"https://mobile.yangkeduo.com/goods.html?goods_id={g.number(11)}"
            f"&page_from={g.pick((23, 35, 39))}&refer_share_channel=message"
        )
        if g.chance(0.15):
            title = _goods_title(g, "帮我砍一刀！{goods}免费拿，就差你了")
            return Link(url, title, "pinduoduo", "commerce", content="induced_sharing")
        title = _goods_title(g, "【拼多多】{goods} 仅需¥{price}，快来一起拼！")
        return Link(url, title, "pinduoduo", "commerce")
    if roll < 0.90:
        url = f"https://p.pinduoduo.com/{g.text(B62, 8)}"
        return Link(url, _goods_title(g, "【拼多多】{goods} 百亿补贴"), "pinduoduo", "short_link")
    if roll < 0.97:
        url = f"https://mobile.yangkeduo.com/mall_page.html?mall_id={g.number(9)}"
        return Link(url, f"{g.pick(SHOPS)}旗舰店 - 拼多多", "pinduoduo", "commerce")
    url = "https://mobile.yangkeduo.com/download/pinduoduo.apk"
    return Link(url, "拼多多APP下载", "pinduoduo", "app_download")


def _jd(g: Rng) -> Link:
    roll = g.random()
    if roll < 0.50:
        url = f"https://item.jd.com/{g.number(12)}.html"
        return Link(url, _goods_title(g, "{goods}【行情 报价 价格 评测】-京东"), "jd", "commerce")
    if roll < 0.70:
        url = f"https://item.m.jd.com/product/{g.number(12)}.html?utm_source=androidapp"
        return Link(url, _goods_title(g, "【京东】{goods} 京东价¥{price}"), "jd", "commerce")
    if roll < 0.90:
        url = f"https://u.jd.com/{g.text(B62, 7)}"
        return Link(url, _goods_title(g, "【京东】{goods} 到手价¥{price}"), "jd", "short_link")
    if roll < 0.95:
        url = f"https://3.cn/{g.text(B62, 3)}-{g.text(B62, 4)}"
        return Link(url, _goods_title(g, "京东好物：{goods}"), "jd", "short_link")
    return Link("https://app.jd.com/", "京东APP下载", "jd", "app_download")


def _bytedance(g: Rng) -> Link:
    roll = g.random()
    if roll < 0.45:
        url = f"https://v.douyin.com/{g.text(B62, 7)}/"
        title = f"{g.pick(NAMES)}发布了一个抖音作品，复制此链接，打开Dou音搜索，直接观看视频！"
        return Link(url, title, "bytedance", "short_link")
    if roll < 0.70:
        url = f"https://www.douyin.com/video/7{g.text(DIGITS, 18)}"
        return Link(url, f"{g.pick(TOPICS)} - 抖音", "bytedance", "content")
    if roll < 0.80:
        url = f"https://www.iesdouyin.com/share/video/7{g.text(DIGITS, 18)}/?region=CN"
        return Link(url, f"{g.pick(NAMES)}的作品 - 抖音", "bytedance", "content")
    if roll < 0.90:
        url = f"https://www.toutiao.com/article/7{g.text(DIGITS, 18)}/"
        title = f"{g.pick(TOPICS)}：{g.pick(HEADLINES)} - 今日头条"
        return Link(url, title, "bytedance", "content")
    if roll < 0.96:
        url = f"https://haohuo.jinritemai.com/views/product/item2?id={g.number(19)}"
        return Link(url, _goods_title(g, "【抖音商城】{goods}"), "bytedance", "commerce")
    url = "https://www.douyin.com/downloadpage"
    return Link(url, "抖音下载 - 抖音官网", "bytedance", "app_download")


def _kuaishou(g: Rng) -> Link:
    roll = g.random()
    if roll < 0.55:
        url = f"https://v.kuaishou.com/{g.text(B62, 6)}"
        return Link(url, f"{g.pick(NAMES)}的快手作品", "kuaishou", "short_link")
    if roll < 0.90:
        url = f"https://www.kuaishou.com/short-video/3x{g.text(B36, 13)}"
        return Link(url, f"{g.pick(NAMES)}：{g.pick(TOPICS)} - 快手", "kuaishou", "content")
    url = f"https://app.kwaixiaodian.com/page/kwaishop-buyer-goods-detail?id={g.number(11)}"
    return Link(url, _goods_title(g, "【快手小店】{goods}"), "kuaishou", "commerce")


def _bilibili(g: Rng) -> Link:
    roll = g.random()
    if roll < 0.60:
        url = f"https://www.bilibili.com/video/BV1{g.text(B58, 9)}?share_source=copy_web"
        title = f"【{g.pick(TOPICS)}】{g.pick(HEADLINES)}_哔哩哔哩_bilibili"
        return Link(url, title, "bilibili", "content")
    if roll < 0.90:
        url = f"https://b23.tv/{g.text(B62, 7)}"
        return Link(url, f"【{g.pick(TOPICS)}】- 哔哩哔哩", "bilibili", "short_link")
    if roll < 0.95:
        url = f"https://live.bilibili.com/{g.number(g.between(5, 8))}"
        return Link(url, f"{g.pick(NAMES)}的直播间 - 哔哩哔哩直播", "bilibili", "content")
    url = f"https://mall.bilibili.com/detail.html?itemsId={g.number(8)}"
    return Link(url, _goods_title(g, "{goods} - 会员购"), "bilibili", "commerce")


def _xiaohongshu(g: Rng) -> Link:
    roll = g.random()
    if roll < 0.50:
        url = f"http://xhslink.com/{g.text(B62, 6)}"
        return Link(url, f"{g.pick(TOPICS)}｜{g.pick(HEADLINES)}", "xiaohongshu", "short_link")
    if roll < 0.90:
        url = f"https://www.xiaohongshu.com/explore/{g.text(HEX, 24)}"
        title = f"{g.pick(TOPICS)}｜{g.pick(HEADLINES)} - 小红书"
        return Link(url, title, "xiaohongshu", "content")
    url = f"https://www.xiaohongshu.com/goods-detail/{g.text(HEX, 24)}"
    return Link(url, _goods_title(g, "{goods} - 小红书商城"), "xiaohongshu", "commerce")


def _weibo(g: Rng) -> Link:
    roll = g.random()
    if roll < 0.40:
        url = f"https://weibo.com/{g.number(10)}/{g.text(B62, 9)}"
        return Link(url, f"#{g.pick(TOPICS)}# {g.pick(HEADLINES)} - 微博", "weibo", "content")
    if roll < 0.70:
        url = f"https://m.weibo.cn/status/4{g.text(DIGITS, 15)}"
        return Link(url, f"#{g.pick(TOPICS)}# - 微博", "weibo", "content")
    if roll < 0.95:
        url = f"http://t.cn/{g.text(B62, 7)}"
        return Link(url, f"{g.pick(TOPICS)} - 微博", "weibo", "short_link")
    url = f"https://s.weibo.com/weibo?q={quote('#' + g.pick(TOPICS) + '#')}"
    return Link(url, f"#{g.pick(TOPICS)}# - 微博搜索", "weibo", "other")


def _zhihu(g: Rng) -> Link:
    roll = g.random()
    if roll < 0.50:
        url = f"https://www.zhihu.com/question/{g.number(9)}/answer/{g.number(10)}"
        return Link(url, f"如何评价{g.pick(TOPICS)}？ - 知乎", "zhihu", "content")
    if roll < 0.90:
        url = f"https://zhuanlan.zhihu.com/p/{g.number(9)}"
        return Link(url, f"{g.pick(TOPICS)}：{g.pick(HEADLINES)} - 知乎", "zhihu", "content")
    url = f"https://www.zhihu.com/search?type=content&q={quote(g.pick(TOPICS))}"
    return Link(url, f"{g.pick(TOPICS)} - 搜索结果 - 知乎", "zhihu", "other")


def _meituan(g: Rng) -> Link:
    shop, area = g.pick(SHOPS), g.pick(AREAS)
    roll = g.random()
    if roll < 0.30:
        url = f"https://m.dianping.com/shopshare/{g.text(B62, 16)}?msource=Appshare2021"
        return Link(url, f"{shop}（{area}店）- 大众点评", "meituan", "commerce")
    if roll < 0.50:
        url = f"https://www.meituan.com/deal/{g.number(9)}.html"
        return Link(url, f"【美团】{shop}双人套餐 ¥{_price(g)}", "meituan", "commerce")
    if roll < 0.70:
        url = f"https://i.meituan.com/poi/{g.number(9)}"
        return Link(url, f"{shop}（{area}店）- 美团", "meituan", "other")
    if roll < 0.85:
        url = f"https://h5.waimai.meituan.com/waimai/mindex/menu?mtShopId={g.number(15)}"
        return Link(url, f"{shop}外卖 - 美团外卖", "meituan", "other")
    return Link(
        f"https://dpurl.cn/{g.text(B62, 7)}", f"{shop}，推荐给你！", "meituan", "short_link"
    )


def _baidu(g: Rng) -> Link:
    roll = g.random()
    if roll < 0.30:
        word = g.pick(("互联网", "长城", "故宫", "人工智能", "二维码", "小程序"))
        return Link(
            f"https://baike.baidu.com/item/{quote(word)}", f"{word}_百度百科", "baidu", "other"
        )
    if roll < 0.60:
        url = f"https://pan.baidu.com/s/1{g.text(B64URL, 22)}?pwd={g.text(B36, 4)}"
        return Link(url, f"{g.pick(DOCS)} - 百度网盘分享", "baidu", "content")
    if roll < 0.80:
        url = f"https://tieba.baidu.com/p/{g.number(10)}"
        return Link(url, f"{g.pick(TOPICS)}_百度贴吧", "baidu", "content")
    if roll < 0.90:
        url = f"https://baijiahao.baidu.com/s?id={g.number(19)}"
        return Link(url, f"{g.pick(TOPICS)}，{g.pick(HEADLINES)} - 百家号", "baidu", "content")
    url = f"https://mobile.baidu.com/item?docid={g.number(10)}"
    return Link(url, "百度APP下载", "baidu", "app_download")


def _alipay(g: Rng) -> Link:
    roll = g.random()
    if roll < 0.50:
        url = f"https://qr.alipay.com/{g.text(B36, 22)}"
        return Link(url, "支付宝扫码付款", "alipay", "short_link")
    if roll < 0.70:
        return Link(
            "https://mobile.alipay.com/index.htm", "支付宝客户端下载", "alipay", "app_download"
        )
    url = f"https://render.alipay.com/p/f/fd-{g.text(B36, 8)}/index.html"
    return Link(url, "支付宝 - 活动", "alipay", "other")


def _long_tail(g: Rng) -> Link:
    host = _site_host(g)
    scheme = "https" if g.chance(0.75) else "http"
    if g.chance(0.03):
        name = host.split(".")[-2]
        url = f"{scheme}://{host}/app/{name}_v{g.between(1, 9)}.{g.between(0, 9)}.apk"
        return Link(url, f"{name} 安卓版下载", LONG_TAIL, "other")
    title = g.pick(
        (
            f"{g.pick(COMPANIES)}官网",
            f"{g.pick(TOPICS)}，{g.pick(HEADLINES)}",
            f"{g.pick(HEADLINES)}：{g.pick(TOPICS)}",
        )
    )
    return Link(f"{scheme}://{host}{_article_path(g)}", title, LONG_TAIL, "other")


#: Link makers by platform; the tiers come from the registry.
PLATFORM_LINKS: Final[dict[str, Factory]] = {
    "tencent": _tencent,
    "alibaba": _alibaba,
    "pinduoduo": _pinduoduo,
    "jd": _jd,
    "bytedance": _bytedance,
    "kuaishou": _kuaishou,
    "bilibili": _bilibili,
    "xiaohongshu": _xiaohongshu,
    "weibo": _weibo,
    "zhihu": _zhihu,
    "meituan": _meituan,
    "baidu": _baidu,
    "alipay": _alipay,
    LONG_TAIL: _long_tail,
}

#: Shares of link traffic by platform: WeChat's own articles and documents,
#: then the commerce apps (Taobao/Tmall, Pinduoduo, JD), short video
#: (Douyin, Kuaishou, Bilibili), the content communities and a long tail of
#: sites no registry knows. Percentages of the shares that are not bad links.
PLATFORM_MIX: Final[dict[str, float]] = {
    "tencent": 20.0,
    "alibaba": 16.0,
    "pinduoduo": 10.0,
    "bytedance": 10.0,
    "jd": 8.0,
    LONG_TAIL: 7.0,
    "kuaishou": 5.0,
    "bilibili": 5.0,
    "xiaohongshu": 5.0,
    "meituan": 4.0,
    "weibo": 3.0,
    "zhihu": 3.0,
    "baidu": 2.0,
    "alipay": 2.0,
}

# --------------------------------------------------------------------------- bad links


def _evil_host(g: Rng) -> str:
    return f"{g.pick(_LURES)}-{_site_name(g)}.{g.pick(_CHEAP_TLDS)}"


def _bad_title(g: Rng) -> tuple[str, str | None]:
    roll = g.random()
    if roll < 0.45:
        return g.pick(PHISHING), None
    if roll < 0.75:
        return g.pick(FAKE_RED_ENVELOPE), "fake_red_envelope"
    return g.pick(INDUCED_SHARING), "induced_sharing"


def _userinfo(g: Rng) -> Link:
    title, content = _bad_title(g)
    url = f"https://{g.pick(_BRAND_HOSTS)}@{_evil_host(g)}/{g.pick(('', 'login', 'hb.html'))}"
    return Link(url, title, LONG_TAIL, "other", "userinfo", content)


def _lookalike(g: Rng) -> Link:
    brand, suffix, prefix = g.pick(_LOOKALIKES)
    positions = [i for i, c in enumerate(brand) if c in _HOMOGLYPHS]
    chars = list(brand)
    i = g.pick(positions)
    chars[i] = _HOMOGLYPHS[chars[i]]
    url = f"https://{prefix}{''.join(chars)}.{suffix}/item.htm?id={g.number(12)}"
    title, content = _bad_title(g)
    return Link(url, title, LONG_TAIL, "other", "lookalike", content)


def _platform_in_subdomain(g: Rng) -> Link:
    host = f"{g.pick(_BRAND_HOSTS)}.{g.pick(_LURES)}.{g.pick(_CHEAP_TLDS)}"
    title, content = _bad_title(g)
    return Link(f"https://{host}/", title, LONG_TAIL, "other", "platform_in_subdomain", content)


def _ip_host(g: Rng) -> Link:
    ip = f"{g.between(36, 223)}.{g.below(256)}.{g.below(256)}.{g.between(1, 254)}"
    port = g.pick(("", "", ":8080", ":8888"))
    url = f"http://{ip}{port}/{g.pick(('hb/lingqu.html', 'index.html', 'm/item.htm', ''))}"
    title, content = _bad_title(g)
    return Link(url, title, LONG_TAIL, "other", "ip_host", content)


def _redirector(g: Rng) -> Link:
    target = f"https://{_evil_host(g)}/{g.pick(('', 'lingqu', 'login'))}"
    key = g.pick(("url", "target", "redirect", "goto"))
    url = f"https://{_site_host(g)}/jump?{key}={quote(target, safe='')}"
    title, content = _bad_title(g)
    return Link(url, title, LONG_TAIL, "other", "embedded_url", content)


def _red_envelope_page(g: Rng) -> Link:
    url = f"https://hb{g.between(1, 99)}.{_site_name(g)}.{g.pick(_CHEAP_TLDS)}/lingqu.html"
    return Link(url, g.pick(FAKE_RED_ENVELOPE), LONG_TAIL, "other", None, "fake_red_envelope")


def _induced_page(g: Rng) -> Link:
    url = f"https://{_site_host(g)}/activity/{g.text(B36, 8)}.html"
    return Link(url, g.pick(INDUCED_SHARING), LONG_TAIL, "other", None, "induced_sharing")


def _malformed(g: Rng) -> Link:
    word = _site_name(g)
    url = g.pick(
        (
            "http://[::1",
            f"https://{word[:3]} {word[3:]}.top/lingqu",
            "http://",
            f"http://{word}.com:{g.between(65536, 99999)}/",
            f"https://{word}%zz.cn/",
            f"http://{g.between(256, 999)}.{g.below(256)}.{g.below(256)}.{g.below(256)}/",
        )
    )
    return Link(url, g.pick(FAKE_RED_ENVELOPE), LONG_TAIL, "other", "malformed", None)


#: Bad links by trick; weights are their shares among bad links.
BAD_LINKS: Final[Weighted[Factory]] = Weighted(
    [
        (_userinfo, 12),
        (_lookalike, 10),
        (_platform_in_subdomain, 18),
        (_ip_host, 12),
        (_redirector, 10),
        (_red_envelope_page, 20),
        (_induced_page, 10),
        (_malformed, 8),
    ]
)


def marketing_link(g: Rng) -> Link:
    """A fresh affiliate link with a promotional title, as link spammers blast them."""
    roll = g.random()
    title = _goods_title(g, g.pick(MARKETING))
    if roll < 0.45:
        url = f"https://uland.taobao.com/coupon/edetail?e={g.text(B64URL, 32)}"
        return Link(url, title, "alibaba", "commerce", None, "marketing")
    if roll < 0.70:
        url = f"https://m.tb.cn/h.{g.text(B62, 7)}?tk={g.text(B62, 11)}"
        return Link(url, title, "alibaba", "short_link", None, "marketing")
    if roll < 0.90:
        url = f"https://p.pinduoduo.com/{g.text(B62, 8)}"
        return Link(url, title, "pinduoduo", "short_link", None, "marketing")
    url = f"https://{_site_name(g)}.{g.pick(_CHEAP_TLDS)}/{g.text(LOWER, 6)}"
    return Link(url, title, LONG_TAIL, "other", None, "marketing")
