"""The pages people see when they open a shared link, in a real Chromium at 375 px."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import MOBILE, Linkgate, Target, requests_of, screenshot

TAOBAO = "http://item.taobao.com/item.htm?id=6543210987"
JD = "http://item.jd.com/100012043978.html"
PLAIN = "http://www.example.com/page?from=chat"
DECEPTIVE = "https://tаobao.com/item"  # a Cyrillic а: a homograph of taobao.com
LONG = "http://item.taobao.com/item.htm?id=1&spm=" + "a1z10.3-c-s.w4002-" * 60


def only_linkgate(requests: list[str], linkgate: Linkgate) -> None:
    """Every request the page made went to linkgate itself: no third-party assets."""
    assert requests, "the page made no request at all"
    strangers = [url for url in requests if not url.startswith(linkgate.url + "/")]
    assert strangers == []


def fits(page: Any, width: int = MOBILE["width"]) -> None:
    """No horizontal scrolling on a phone-sized screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("document.body.scrollWidth") <= width


def test_warning_page_then_continue_lands_on_the_target(
    linkgate: Linkgate, target: Target, context: Any
) -> None:
    shim = linkgate.share(TAOBAO)
    page = context.new_page()
    requests = requests_of(page)
    page.goto(shim)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "将要访问"
    assert "非官方网页，请确认是否继续访问。" in page.locator("main").inner_text()
    assert page.locator("#target-url").inner_text() == TAOBAO
    assert page.locator("#continue").inner_text() == "继续访问"
    only_linkgate(requests, linkgate)
    fits(page)
    screenshot(page, "shim-warn-zh")
    before = len(target.paths("item.taobao.com"))
    with page.expect_navigation():
        page.locator("#continue").click()
    assert page.url == TAOBAO
    assert page.locator("#target").inner_text().endswith("item.taobao.com/item.htm?id=6543210987")
    arrived = target.paths("item.taobao.com")[before:]
    assert arrived.count("/item.htm?id=6543210987") == 1
    continues = [u for u in requests if u.endswith("/continue")]
    assert len(continues) == 1 and continues[0] == shim + "/continue"


def test_continuing_twice_with_the_same_page_is_refused(
    linkgate: Linkgate, target: Target, context: Any
) -> None:
    shim = linkgate.share(TAOBAO + "&twice=1")
    page = context.new_page()
    page.goto(shim)
    nonce = page.locator("input[name=nonce]").input_value()
    with page.expect_navigation():
        page.locator("#continue").click()
    assert urlsplit(page.url).netloc == "item.taobao.com"
    again = context.request.post(shim + "/continue", form={"nonce": nonce}, max_redirects=0)
    assert again.status >= 400 and "location" not in again.headers


def test_copy_button_puts_the_address_on_the_clipboard(linkgate: Linkgate, context: Any) -> None:
    linkgate.api("PUT", "/v1/groups/g-deny/link-settings", json={"setting": "deny"})
    shim = linkgate.share(JD, "group_chat", group="g-deny")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=linkgate.url)
    page = context.new_page()
    requests = requests_of(page)
    page.goto(shim)
    assert page.locator("h1").inner_text() == "无法直接打开"
    text = page.locator("main").inner_text()
    assert "如需浏览，请长按网址复制后使用浏览器访问" in text
    assert "群主已关闭外部链接" in page.locator("#reason").inner_text()
    assert page.locator("#continue").count() == 0
    assert page.locator("#copy").inner_text() == "复制链接"
    page.evaluate("navigator.clipboard.writeText('something else')")
    page.locator("#copy").click()
    page.wait_for_function("document.getElementById('copy').textContent === '已复制'")
    assert page.evaluate("navigator.clipboard.readText()") == JD
    only_linkgate(requests, linkgate)
    fits(page)
    screenshot(page, "shim-copy-only-zh")


def test_copy_on_the_warning_page_too(linkgate: Linkgate, context: Any) -> None:
    shim = linkgate.share(TAOBAO + "&copy=1")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=linkgate.url)
    page = context.new_page()
    page.goto(shim)
    page.locator("#copy").click()
    page.wait_for_function("document.getElementById('copy').textContent === '已复制'")
    assert page.evaluate("navigator.clipboard.readText()") == TAOBAO + "&copy=1"


def test_blocked_page_names_the_category_and_the_appeal_route(
    linkgate: Linkgate, context: Any
) -> None:
    shim = linkgate.share(JD, "moments")
    page = context.new_page()
    requests = requests_of(page)
    response = page.goto(shim)
    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text() == "已停止访问该网页"
    assert page.locator("#reason").inner_text() == "朋友圈不支持分享商品链接"
    assert page.locator("#category").inner_text() == "类别：分享渠道限制"
    appeal = page.locator("#appeal").inner_text()
    assert "网页的所有者" in appeal and "申诉" in appeal
    assert re.fullmatch(r"[0-9a-zA-Z_-]{8,64}", page.locator("#reference").inner_text())
    assert page.locator("#continue").count() == 0 and page.locator("#copy").count() == 0
    assert JD not in page.content()
    only_linkgate(requests, linkgate)
    fits(page)
    screenshot(page, "shim-blocked-zh")


def test_deceptive_link_is_blocked_with_its_category_in_english(
    linkgate: Linkgate, browser: Any
) -> None:
    shim = linkgate.share(DECEPTIVE)
    context = browser.new_context(viewport=MOBILE, locale="en-US")
    try:
        page = context.new_page()
        page.goto(shim)
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("h1").inner_text() == "This page has been blocked"
        assert page.locator("#category").inner_text() == "Category: Deceptive address"
        assert "imitating another site" in page.locator("#reason").inner_text()
        assert "If you own this page, appeal" in page.locator("#appeal").inner_text()
        fits(page)
        screenshot(page, "shim-blocked-deceptive-en")
    finally:
        context.close()


def test_english_warning_page(linkgate: Linkgate, browser: Any) -> None:
    shim = linkgate.share(TAOBAO + "&lang=en")
    context = browser.new_context(viewport=MOBILE, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(shim)
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("h1").inner_text() == "You are about to leave"
        assert page.locator("#continue").inner_text() == "Continue"
        assert page.locator("#copy").inner_text() == "Copy link"
        fits(page)
        screenshot(page, "shim-warn-en")
    finally:
        context.close()


def test_openable_link_goes_straight_to_the_target(
    linkgate: Linkgate, target: Target, context: Any
) -> None:
    page = context.new_page()
    page.goto(linkgate.share(PLAIN))
    assert page.url == PLAIN
    assert page.locator("#target").is_visible()
    assert "/page?from=chat" in target.paths("www.example.com")


def test_tampered_link_is_refused_without_a_redirect(
    linkgate: Linkgate, target: Target, context: Any
) -> None:
    shim = linkgate.share(PLAIN + "&tampered=1")
    payload, _, mac = shim.rpartition("/")[2].partition(".")
    forged = f"{linkgate.url}/l/{payload}.{mac[:-2]}{'AA' if mac[-2:] != 'AA' else 'BB'}"
    page = context.new_page()
    requests = requests_of(page)
    response = page.goto(forged)
    assert response is not None and response.status == 403
    assert page.url == forged
    assert "该链接无效或已被篡改，无法打开。" in page.locator("main").inner_text()
    assert not any("tampered=1" in path for path in target.paths("www.example.com"))
    only_linkgate(requests, linkgate)
    fits(page)
    screenshot(page, "shim-invalid-zh")


@pytest.mark.parametrize(
    ("url", "channel", "state"),
    [
        (LONG, "private_chat", "warn"),
        (LONG, "moments", "blocked"),
        (LONG.replace("taobao", "jd"), "group_chat", "copy_only"),
    ],
)
def test_long_addresses_fit_a_375px_screen(
    linkgate: Linkgate, context: Any, url: str, channel: str, state: str
) -> None:
    linkgate.api("PUT", "/v1/groups/g-deny/link-settings", json={"setting": "deny"})
    extra = {"group": "g-deny"} if channel == "group_chat" else {}
    page = context.new_page()
    page.goto(linkgate.share(url, channel, **extra))
    assert page.locator("body").get_attribute("class") == f"state-{state}"
    fits(page)
    if state != "blocked":
        box = page.locator("#target-url").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= MOBILE["width"]
    screenshot(page, f"shim-{state}-long-url-375px")
