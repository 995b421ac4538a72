"""Seed inputs per target: the shapes each parser meets, for the fuzzer to mutate."""

from __future__ import annotations

from importlib import resources
from typing import Final

URLS: Final = (
    "https://item.taobao.com/item.htm?id=1",
    "http://host/%25%32%35",
    "HTTP://www.GOOgle.com/../a/./b/",
    "http://3279880203/blah",
    "http://0x7f.1/",
    "http://0177.0.0.1:8080/x",
    "http://[::ffff:127.0.0.1]/",
    "http://[::1]:80/a?b#c",
    "https://taobao.com@evil.top/x",
    "https://xn--tobao-0ua.com/",
    "https://tаobao.com/",
    "m.tb.cn/h.abc",
    "localhost:3000",
    "//host/x",
    "weixin://dl/business/?t=x",
    "mailto:a@b.c",
    "javascript:alert(1)",
    "data:text/html,<script>",
    "http://a.b/%zz%%41\\..\\c",
    "https://jd.com/?u=https%3A%2F%2Fevil.top%2F",
    " \u200bhttps://t.cn/abc\ufeff ",
    "http://.../",
    "ftp://user:pw@host:21/p;type=a",
    "https://例子.测试/路径?查询=值#片段",
)

MESSAGES: Final = (
    "看看这个 https://item.taobao.com/item.htm?id=1 很便宜",
    "【京东】￥N5Ab7Cd9Ef2￥ 打开手机京东",
    "复制这段描述$AbCdEf123456$后到👉淘宝👈",
    "go to m.tb.cn/h.abc, or www.jd.com!",
    "mail me at a@b.com or see https://[2001:db8::1]:8443/x).",
    "(https://example.com/a_(b)) and http://x.y/z?q=1#f.",
    "dy.link/abc 抖音 🎵 Ab12Cd34 🎵",
    "",
)

POLICIES: Final = (
    "preset: compromise\nrollout: {closed: {treatment: copy_only}, phases: []}\n"
    "groups: {denied: {treatment: copy_only}, viewer_opt_out: {treatment: copy_only},"
    " settings: {allow: {}}}\n",
    "preset: open\n",
    "preset: nope\nttl_seconds: -1\n",
    "a: &x [*x]\n",
    "{",
    "- 1\n- 2\n",
    "preset: selective\nrollout:\n  closed: {treatment: blocked}\n  phases:\n"
    "  - {id: p1, from: 2021-09-17, channels: [private_chat], platforms: {tiers: [partner]}}\n",
)


def _bundled_policies() -> list[bytes]:
    data = resources.files("linkgate") / "data"
    out = []
    for folder in ("policies", "presets"):
        for entry in sorted((data / folder).iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".yaml"):
                out.append(entry.read_bytes())
    return out


def seeds(target: str) -> list[bytes]:
    """The seed inputs of ``target`` (the decision target's first byte picks the channel)."""
    if target == "urls":
        return [u.encode("utf-8") for u in URLS]
    if target == "decide":
        return [bytes([i % 5]) + u.encode("utf-8") for i, u in enumerate(URLS)]
    if target == "extract":
        return [m.encode("utf-8") for m in MESSAGES]
    if target == "policy":
        return [p.encode("utf-8") for p in POLICIES] + _bundled_policies()
    raise KeyError(target)
