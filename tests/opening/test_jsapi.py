"""JS-SDK-style open API: published signature vectors, tickets, API lists, safe domains."""

from __future__ import annotations

import hashlib

import pytest

from linkgate.opening.jsapi import (
    JSAPI_BY_CAPABILITY,
    TICKET_TTL,
    build_config,
    issue_ticket,
    jsapis_for,
    new_noncestr,
    signature,
    url_in_safe_domains,
    verify_ticket,
)
from linkgate.opening.keys import ShimKeys, ShimTokenError
from linkgate.vocabulary import CAPABILITIES

TICKET = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
NONCESTR = "Wm3WZYTPz0wzccnW"
TIMESTAMP = 1414587457
NOW = 1_700_000_000
KEYS = ShimKeys({"k1": b"j" * 32}, "k1")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://mp.weixin.qq.com", "f4d90daf4b3bca3078ab155816175ba34c443a7b"),
        ("http://mp.weixin.qq.com?params=value", "0f9de62fce790f9a083d5c99e95740ceb90c27ed"),
    ],
)
def test_published_signature_vectors(url: str, expected: str) -> None:
    assert signature(TICKET, NONCESTR, TIMESTAMP, url) == expected


def test_signature_ignores_the_fragment_only() -> None:
    base = signature(TICKET, NONCESTR, TIMESTAMP, "http://mp.weixin.qq.com?params=value")
    assert signature(TICKET, NONCESTR, TIMESTAMP, "http://mp.weixin.qq.com?params=value#x") == base
    assert signature(TICKET, NONCESTR, TIMESTAMP, "http://mp.weixin.qq.com?params=valuE") != base
    assert signature(TICKET, NONCESTR, TIMESTAMP + 1, "http://mp.weixin.qq.com") != (
        "f4d90daf4b3bca3078ab155816175ba34c443a7b"
    )


def test_signature_uses_raw_values() -> None:
    url = "https://例子.com/a b?q=1&r=%20"
    text = f"jsapi_ticket=t&noncestr=n&timestamp=1&url={url}"
    assert signature("t", "n", 1, url + "#frag") == hashlib.sha1(text.encode()).hexdigest()
    assert (
        signature("\ud800", "", 0, "")
        == hashlib.sha1(
            "jsapi_ticket=\ud800&noncestr=&timestamp=0&url=".encode("utf-8", "surrogatepass")
        ).hexdigest()
    )


def test_ticket_round_trip_and_expiry() -> None:
    ticket = issue_ticket("taobao", KEYS, NOW)
    assert ticket.expires_at == NOW + TICKET_TTL
    assert verify_ticket(ticket.value, KEYS, NOW) == "taobao"
    assert verify_ticket(ticket.value, KEYS, ticket.expires_at - 1) == "taobao"
    with pytest.raises(ShimTokenError) as caught:
        verify_ticket(ticket.value, KEYS, ticket.expires_at)
    assert caught.value.code == "expired"
    with pytest.raises(ShimTokenError) as caught:
        verify_ticket(ticket.value, KEYS, NOW - 301)
    assert caught.value.code == "future"


def test_ticket_with_custom_ttl_and_bad_ttl() -> None:
    assert issue_ticket("jd", KEYS, NOW, ttl=60).expires_at == NOW + 60
    with pytest.raises(ShimTokenError):
        issue_ticket("jd", KEYS, NOW, ttl=0)


def test_ticket_rotation_and_tamper() -> None:
    old = ShimKeys.generate("old")
    ticket = issue_ticket("taobao", old, NOW)
    rotated = old.rotated("new")
    assert verify_ticket(ticket.value, rotated, NOW) == "taobao"
    with pytest.raises(ShimTokenError) as caught:
        verify_ticket(ticket.value, rotated.without("old"), NOW)
    assert caught.value.code == "unknown_key"
    for index in range(len(ticket.value)):
        replacement = "x" if ticket.value[index] != "x" else "y"
        changed = ticket.value[:index] + replacement + ticket.value[index + 1 :]
        with pytest.raises(ShimTokenError):
            verify_ticket(changed, old, NOW)


def test_ticket_is_not_another_token_kind() -> None:
    from linkgate.opening import capability_ticket

    cap = capability_ticket.issue("d", "https://a.example/", ["share"], "p", KEYS, NOW)
    with pytest.raises(ShimTokenError) as caught:
        verify_ticket(cap, KEYS, NOW)
    assert caught.value.code == "bad_signature"


def test_every_capability_has_api_names() -> None:
    assert set(JSAPI_BY_CAPABILITY) == set(CAPABILITIES)
    every = [api for apis in JSAPI_BY_CAPABILITY.values() for api in apis]
    assert len(every) == len(set(every))
    assert JSAPI_BY_CAPABILITY["share"] == ("updateAppMessageShareData", "updateTimelineShareData")
    assert JSAPI_BY_CAPABILITY["qr_code"] == ("scanQRCode",)
    assert JSAPI_BY_CAPABILITY["payment"] == ("chooseWXPay",)
    assert JSAPI_BY_CAPABILITY["open_app"] == ("launchApplication",)
    assert JSAPI_BY_CAPABILITY["mini_program"] == ("navigateToMiniProgram",)
    for cap in ("like", "add_to_cart", "mall"):
        assert all(api.startswith("linkgate.") for api in JSAPI_BY_CAPABILITY[cap])


def test_jsapis_for_is_ordered_and_ignores_unknown() -> None:
    assert jsapis_for(["qr_code", "share", "teleport"]) == (
        "updateAppMessageShareData",
        "updateTimelineShareData",
        "scanQRCode",
    )
    assert jsapis_for([]) == ()


def test_build_config_cuts_the_api_list() -> None:
    url = "http://mp.weixin.qq.com?params=value#section"
    config = build_config("wx123", url, TICKET, ["payment", "share"], None, TIMESTAMP, NONCESTR)
    assert config == {
        "appId": "wx123",
        "timestamp": TIMESTAMP,
        "nonceStr": NONCESTR,
        "signature": "0f9de62fce790f9a083d5c99e95740ceb90c27ed",
        "jsApiList": ["updateAppMessageShareData", "updateTimelineShareData", "chooseWXPay"],
    }


def test_build_config_intersects_requested_in_stable_order() -> None:
    requested = ["chooseWXPay", "scanQRCode", "updateTimelineShareData", "getLocation"]
    config = build_config("wx1", "https://a.example/", "t", ("share", "payment"), requested, 1, "n")
    assert config["jsApiList"] == ["updateTimelineShareData", "chooseWXPay"]
    none_granted = build_config("wx1", "https://a.example/", "t", (), requested, 1, "n")
    assert none_granted["jsApiList"] == []
    nothing_requested = build_config("wx1", "https://a.example/", "t", ("share",), [], 1, "n")
    assert nothing_requested["jsApiList"] == []


def test_new_noncestr() -> None:
    one, two = new_noncestr(), new_noncestr()
    assert len(one) == 16 and one.isalnum() and one.isascii()
    assert one != two
    assert len(new_noncestr(32)) == 32


SAFE = ["taobao.com", "m.tmall.com", "例子.cn", "Shop.Example.ORG.", "203.0.113.7"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://taobao.com/", True),
        ("https://item.taobao.com/item.htm?id=1", True),
        ("http://a.b.taobao.com:8080/x", True),
        ("https://TAOBAO.COM./", True),
        ("https://m.tmall.com/", True),
        ("https://x.m.tmall.com/", True),
        ("https://tmall.com/", False),
        ("https://www.tmall.com/", False),
        ("https://eviltaobao.com/", False),
        ("https://taobao.com.evil.example/", False),
        ("https://user@taobao.com/", False),
        ("https://user:pw@taobao.com/", False),
        ("https://taobao.com@evil.example/", False),
        ("ftp://taobao.com/", False),
        ("javascript:alert(1)//taobao.com", False),
        ("taobao.com/x", False),
        ("https://xn--fsqu00a.cn/", True),
        ("https://www.例子.cn/", True),
        ("https://shop.example.org/", True),
        ("https://203.0.113.7/", True),
        ("https://0xcb.0.113.7/", True),
        ("https://1.203.0.113.7/", False),
        ("https://[2001:db8::1]/", False),
        ("", False),
    ],
)
def test_url_in_safe_domains(url: str, expected: bool) -> None:
    assert url_in_safe_domains(url, SAFE) is expected


@pytest.mark.parametrize(
    "entry",
    ["", " ", ".", "https://taobao.com", "taobao.com/path", "taobao.com:8080", "u@taobao.com"],
)
def test_safe_domain_entries_that_are_not_bare_hosts_match_nothing(entry: str) -> None:
    assert not url_in_safe_domains("https://taobao.com/", [entry])
    assert not url_in_safe_domains("https://a.b/", [entry])


def test_safe_domain_entry_allows_surrounding_space_and_trailing_slash() -> None:
    assert url_in_safe_domains("https://a.taobao.com/", [" taobao.com/ "])
    assert not url_in_safe_domains("https://taobao.com/", [])
