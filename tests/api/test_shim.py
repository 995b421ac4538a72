"""The link shim: signed tokens, time-of-click decisions, interstitials, one-time continue."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest

from linkgate.opening.keys import ShimKeys
from linkgate.opening.shim import ShimClaims, sign
from tests.api.conftest import Api

JD = "https://item.jd.com/100012043978.html"
TAOBAO = "https://item.taobao.com/item.htm?id=6543210987"
UNKNOWN = "https://www.example.com/page"


def shim(api: Api, url: str, channel: str = "private_chat", **extra: object) -> str:
    response = api.client.post(
        "/v1/decisions",
        json={"url": url, "channel": channel, **extra},
        headers=api.headers("integrator"),
    )
    assert response.status_code == 200, response.text
    shim_url = response.json()["shim_url"]
    assert shim_url.startswith("http://testserver/l/")
    return urlsplit(shim_url).path


def test_openable_link_redirects_to_the_target(api: Api) -> None:
    response = api.client.get(shim(api, UNKNOWN), follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == UNKNOWN
    assert response.headers["cache-control"] == "no-store"


def test_rich_page_carries_a_capability_ticket(api: Api) -> None:
    from linkgate.opening import capability_ticket

    response = api.client.get(shim(api, JD), follow_redirects=False)
    assert response.status_code == 302
    target, _, fragment = response.headers["location"].partition("#linkgate_ticket=")
    assert target == JD
    ticket = capability_ticket.verify(fragment, api.runtime.keys, int(time.time()))
    assert ticket.platform_id == "jd" and "add_to_cart" in ticket.capabilities


def test_competitor_link_shows_the_warning_then_continues_once(api: Api) -> None:
    path = shim(api, TAOBAO)
    page = api.client.get(path, follow_redirects=False)
    assert page.status_code == 200
    assert "将要访问" in page.text and "非官方网页，请确认是否继续访问。" in page.text
    assert "继续访问" in page.text
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
    assert nonce is not None
    go = api.client.post(f"{path}/continue", data={"nonce": nonce.group(1)}, follow_redirects=False)
    assert go.status_code == 303 and go.headers["location"] == TAOBAO
    again = api.client.post(
        f"{path}/continue", data={"nonce": nonce.group(1)}, follow_redirects=False
    )
    assert again.status_code >= 400 and "location" not in again.headers


def test_english_pages_by_accept_language(api: Api) -> None:
    page = api.client.get(shim(api, TAOBAO), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "This is not an official page" in page.text and 'lang="en"' in page.text
    zh = api.client.get(shim(api, TAOBAO), headers={"Accept-Language": "zh-CN,en;q=0.5"})
    assert 'lang="zh-CN"' in zh.text


def test_copy_only_and_blocked_pages(api: Api) -> None:
    api.client.put(
        "/v1/groups/g-deny/link-settings",
        json={"setting": "deny"},
        headers=api.headers("integrator"),
    )
    copy = api.client.get(shim(api, JD, "group_chat", group="g-deny"), follow_redirects=False)
    assert copy.status_code == 200
    assert "如需浏览，请长按网址复制后使用浏览器访问" in copy.text and JD in copy.text
    blocked = api.client.get(shim(api, JD, "moments"), follow_redirects=False)
    assert "已停止访问该网页" in blocked.text and "朋友圈不支持分享商品链接" in blocked.text
    assert "location" not in blocked.headers


def test_time_of_click_uses_the_current_group_setting(api: Api) -> None:
    path = shim(api, JD, "group_chat", group="g-click")
    assert api.client.get(path, follow_redirects=False).status_code == 302
    api.client.put(
        "/v1/groups/g-click/link-settings",
        json={"setting": "deny"},
        headers=api.headers("integrator"),
    )
    later = api.client.get(path, follow_redirects=False)
    assert later.status_code == 200 and "location" not in later.headers
    assert "如需浏览" in later.text


@pytest.mark.parametrize("how", ["tampered", "unsigned", "other-key", "expired", "garbage"])
def test_bad_tokens_never_redirect(api: Api, how: str) -> None:
    token = shim(api, UNKNOWN).removeprefix("/l/")
    if how == "tampered":
        payload, _, mac = token.partition(".")
        token = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + mac
    elif how == "unsigned":
        token = token.partition(".")[0]
    elif how == "other-key":
        claims = ShimClaims("https://evil.top/", "private_chat", None, int(time.time()))
        token = sign(claims, ShimKeys.generate("k1"))
    elif how == "expired":
        old = ShimClaims(UNKNOWN, "private_chat", None, int(time.time()) - 200 * 86_400)
        token = sign(old, api.runtime.keys)
    else:
        token = "not-a-token"
    response = api.client.get(f"/l/{token}", follow_redirects=False)
    assert 400 <= response.status_code < 500
    assert "location" not in response.headers
    if how == "expired":
        assert response.status_code == 410


def test_preview_fetchers_never_reach_the_target_or_count(api: Api) -> None:
    path = shim(api, UNKNOWN)
    before = api.runtime.metrics.decisions.count("plain_page", "open")
    head = api.client.head(path, follow_redirects=False)
    assert head.status_code == 200 and "location" not in head.headers
    bot = api.client.get(
        path, headers={"User-Agent": "TelegramBot (like TwitterBot)"}, follow_redirects=False
    )
    assert bot.status_code == 200 and "location" not in bot.headers
    prefetch = api.client.get(path, headers={"Sec-Purpose": "prefetch"}, follow_redirects=False)
    assert "location" not in prefetch.headers
    after = api.runtime.metrics.decisions.count("plain_page", "open")
    assert after == before
    person = api.client.get(path, follow_redirects=False)
    assert person.status_code == 302
    assert api.runtime.metrics.decisions.count("plain_page", "open") == before + 1


def test_continue_needs_a_nonce_for_this_token(api: Api) -> None:
    first = shim(api, TAOBAO)
    second = shim(api, TAOBAO + "&x=1")
    page = api.client.get(first)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    wrong = api.client.post(f"{second}/continue", data={"nonce": nonce}, follow_redirects=False)
    assert wrong.status_code >= 400 and "location" not in wrong.headers
    missing = api.client.post(f"{first}/continue", data={}, follow_redirects=False)
    assert missing.status_code >= 400 and "location" not in missing.headers


def test_invalid_urls_get_no_shim(api: Api) -> None:
    response = api.client.post(
        "/v1/decisions",
        json={"url": "http://", "channel": "moments"},
        headers=api.headers("integrator"),
    )
    body = response.json()
    assert body["treatment"] == "blocked" and body["reasons"] == ["invalid_url"]
    assert body["shim_url"] is None


def test_a_userinfo_trick_stays_caught_at_click_time(api: Api) -> None:
    tricky = "https://taobao.com@evil.top/login"
    shared = api.client.post(
        "/v1/decisions",
        json={"url": tricky, "channel": "private_chat"},
        headers=api.headers("integrator"),
    ).json()
    assert "userinfo" in shared["reasons"]
    opened = api.client.get(
        shared["shim_url"].replace("http://testserver", ""), follow_redirects=False
    )
    assert opened.status_code != 302, "the shim must not send users to evil.top unwarned"
    assert "evil.top" not in opened.headers.get("location", "")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://item.taobao.com/item.htm?id=1", "'self' https://item.taobao.com"),
        ("http://shop.example:8080/a", "'self' http://shop.example:8080"),
        ("http://[2001:db8::1]/", "'self' http://[2001:db8::1]"),
        ("https://x.example;script-src *", "'self' http: https:"),
        ("https://x.example:99999/", "'self' http: https:"),
    ],
)
def test_continue_policy_admits_exactly_the_target_origin(url: str, allowed: str) -> None:
    from linkgate.api.routes.shim import continue_policy

    policy = continue_policy(url)
    assert f"form-action {allowed};" in policy or policy.endswith(f"form-action {allowed}")
    assert "default-src 'self'" in policy


def test_warning_page_lets_its_form_reach_the_target(api: Api) -> None:
    page = api.client.get(shim(api, TAOBAO))
    assert "form-action 'self' https://item.taobao.com" in page.headers["content-security-policy"]
    assert ">复制链接<" in page.text and "built-in method" not in page.text


def test_blocked_page_names_the_stage_and_gives_a_reference(api: Api) -> None:
    blocked = api.client.get(shim(api, JD, "moments"))
    assert "类别：<strong>分享渠道限制</strong>" in blocked.text
    assert "申诉编号" in blocked.text
    homograph = api.client.get(
        shim(api, "https://tаobao.com/item"), headers={"Accept-Language": "en"}
    )
    assert "Category: <strong>Deceptive address</strong>" in homograph.text
    assert "Reference: <code" in homograph.text
    assert "：" not in homograph.text  # English pages use an ASCII colon
    assert "imitating another site" in homograph.text


@pytest.mark.parametrize(
    ("url", "zh", "en"),
    [
        ("http://192.168.1.1/admin", "内部网络", "private network"),
        ("https://taobao.com@evil.top/x", "账号信息", "hides a user name"),
        ("https://www.taobao.com.evil.top/", "知名平台的域名", "well-known platform"),
        ("https://example.com/?next=https%3A%2F%2Fevil.top%2F", "另一个网址", "another address"),
    ],
)
def test_deceptive_link_pages_say_what_the_address_does(
    api: Api, url: str, zh: str, en: str
) -> None:
    token = shim(api, url)
    chinese = api.client.get(token)
    english = api.client.get(token, headers={"Accept-Language": "en"})
    assert zh in chinese.text and "冒充" not in chinese.text
    assert en in english.text and "imitating" not in english.text
