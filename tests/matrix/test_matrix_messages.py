"""Finding links in Matrix message content and writing it back as decided."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate.domains.registry import Registry
from linkgate.matrix.messages import MessageLinks, Rendering, shim_target
from linkgate.matrix.module import extractor_for
from linkgate.opening.keys import ShimKeys
from linkgate.opening.shim import ShimClaims, sign

PREFIX = "https://l.example/l/"
LINKS = MessageLinks(extractor_for(Registry.default()), PREFIX, ["matrix.to"])
KEYS = ShimKeys.from_env_value("k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY;active=k1")
ZHIHU = "https://www.zhihu.com/question/1"
OPEN = Rendering("open", "https://l.example/l/TOKEN")


def test_links_in_body_html_and_edits_are_found_once() -> None:
    content = {
        "msgtype": "m.text",
        "body": f"* see {ZHIHU} and jd.com",
        "format": "org.matrix.custom.html",
        "formatted_body": f'* see <a href="{ZHIHU}">this</a> and jd.com',
        "m.new_content": {"msgtype": "m.text", "body": "see www.bilibili.com/video/BV1"},
    }
    found = [(link.kind, link.text, link.target) for link in LINKS.find(content)]
    assert found == [
        ("url", ZHIHU, ZHIHU),
        ("url", "jd.com", "http://jd.com/"),
        ("href", ZHIHU, ZHIHU),
        ("url", "www.bilibili.com/video/BV1", "http://www.bilibili.com/video/BV1"),
    ]


def test_pass_codes_mentions_and_non_links_are_told_apart() -> None:
    content = {
        "body": "复制这条信息￥AbC123dEf45￥后打开👉手机淘宝👈 @bob",
        "format": "org.matrix.custom.html",
        "formatted_body": (
            '<a href="https://matrix.to/#/@bob:x">bob</a> <a href="mailto:a@b.c">mail</a> '
            '<a href="#top">top</a> <img src="mxc://x/y">'
        ),
    }
    found = LINKS.find(content)
    assert [(link.kind, link.text, link.platform) for link in found] == [
        ("passcode", "￥AbC123dEf45￥", "alibaba")
    ]


def test_a_shim_url_is_decided_by_its_target() -> None:
    token = sign(ShimClaims("https://item.jd.com/1.html", "group_chat", "g", 1), KEYS)
    shim = f"{PREFIX}{token}"
    assert shim_target(shim, PREFIX) == "https://item.jd.com/1.html"
    assert shim_target(f"{PREFIX}not-a-token", PREFIX) is None
    assert shim_target(ZHIHU, PREFIX) is None
    [link] = LINKS.find({"body": f"fwd {shim}"})
    assert link.text == shim and link.target == "https://item.jd.com/1.html"


def test_open_links_point_at_the_shim_and_keep_their_text() -> None:
    content = {"msgtype": "m.text", "body": f"1 < 2 & see {ZHIHU}."}
    out = LINKS.rewrite(content, {("url", ZHIHU): OPEN})
    assert out["body"] == f"1 < 2 & see {OPEN.shim_url}."
    assert out["format"] == "org.matrix.custom.html"
    assert out["formatted_body"] == f'1 &lt; 2 &amp; see <a href="{OPEN.shim_url}">{ZHIHU}</a>.'
    assert content == {"msgtype": "m.text", "body": f"1 < 2 & see {ZHIHU}."}  # not mutated


def test_copy_only_links_are_code_with_the_notice() -> None:
    content = {
        "body": f"see {ZHIHU}\nand <this>",
        "format": "org.matrix.custom.html",
        "formatted_body": (
            f'<p>see <a href="{ZHIHU}" title="t">the page</a><br/>and &lt;this&gt;</p>'
        ),
    }
    renderings = {("url", ZHIHU): Rendering("copy_only"), ("href", ZHIHU): Rendering("copy_only")}
    out = LINKS.rewrite(content, renderings, ["notice one", "notice <two>"])
    assert out["body"] == f"see {ZHIHU}\nand <this>\n\nnotice one\nnotice <two>"
    assert out["formatted_body"] == (
        f"<p>see <code>the page</code> <code>{ZHIHU}</code><br/>and &lt;this&gt;</p>"
        "<br><br><em>notice one</em><br><em>notice &lt;two&gt;</em>"
    )
    plain = LINKS.rewrite({"body": f"{ZHIHU}"}, {("url", ZHIHU): Rendering("copy_only")}, ["n"])
    assert plain["formatted_body"] == f"<code>{ZHIHU}</code><br><br><em>n</em>"


def test_text_in_code_and_anchors_is_not_rewritten() -> None:
    content = {
        "body": ZHIHU,
        "format": "org.matrix.custom.html",
        "formatted_body": f'<pre><code>{ZHIHU}</code></pre><a href="https://matrix.to/#/x">{ZHIHU}</a>',
    }
    out = LINKS.rewrite(content, {("url", ZHIHU): OPEN})
    assert out["formatted_body"] == content["formatted_body"]
    assert out["body"] == OPEN.shim_url


def test_an_edit_is_rewritten_in_both_parts() -> None:
    content = {
        "body": f"* {ZHIHU}",
        "m.new_content": {"body": ZHIHU, "msgtype": "m.text"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": "$e"},
    }
    out = LINKS.rewrite(content, {("url", ZHIHU): OPEN})
    assert out["body"] == f"* {OPEN.shim_url}"
    assert out["m.new_content"]["body"] == OPEN.shim_url
    assert out["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$e"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


words = st.sampled_from(
    [ZHIHU, "jd.com", "a", "&", "<", ">", '"', " ", "\n", "链接", "https://x.top/p?q=1&r=2", "."]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(words, max_size=12).map("".join))
def test_rewriting_keeps_what_the_reader_sees(text: str) -> None:
    """With every link opened through the shim, the HTML still reads as the text typed,
    and the plain text is the typed text with each link replaced by its shim URL."""
    content = {"msgtype": "m.text", "body": text}
    links = LINKS.find(content)
    renderings = {link.key: Rendering("open", f"{PREFIX}T{i}x") for i, link in enumerate(links)}
    out = LINKS.rewrite(content, renderings)
    if not links:
        assert out == content
        return
    assert visible_text(out["formatted_body"].replace("<br>", "\n")) == text
    anchors = re.findall(r'<a href="([^"]*)">', out["formatted_body"])
    assert [html.unescape(a) for a in anchors] == [
        renderings[link.key].shim_url for link in LINKS.text_links(text)
    ]
    restored = out["body"]
    for link in LINKS.text_links(text):
        restored = restored.replace(renderings[link.key].shim_url or "", link.text, 1)
    assert restored == text
    json.dumps(out)  # plain JSON, ready to be an event's content
