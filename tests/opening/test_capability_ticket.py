"""Capability tickets: exactly the granted capabilities, short-lived, verifiable without storage."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from linkgate.opening.capability_ticket import (
    CAPABILITY_TTL,
    PURPOSE,
    CapabilityTicket,
    issue,
    verify,
)
from linkgate.opening.keys import ShimKeys, ShimTokenError
from linkgate.opening.shim import ShimClaims
from linkgate.opening.shim import sign as sign_shim

NOW = 1_700_000_000
SECRET = b"c" * 32
KEYS = ShimKeys({"k1": SECRET}, "k1")
URL = "https://item.taobao.com/item.htm?id=1"


def _code(ticket: str, keys: ShimKeys = KEYS, now: int = NOW) -> str:
    with pytest.raises(ShimTokenError) as caught:
        verify(ticket, keys, now)
    return caught.value.code


def _forge(payload: dict[str, object]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    mac = hmac.new(SECRET, PURPOSE + b"\n" + body.encode(), hashlib.sha256).digest()
    return body + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def test_round_trip() -> None:
    ticket = issue("dec-9", URL, ["share", "login"], "taobao", KEYS, NOW)
    assert verify(ticket, KEYS, NOW + 10) == CapabilityTicket(
        "dec-9", URL, ("login", "share"), "taobao", NOW + CAPABILITY_TTL
    )


def test_capabilities_are_deduplicated_in_vocabulary_order() -> None:
    ticket = issue("d", URL, ["mall", "share", "mall", "login", "payment"], "p", KEYS, NOW)
    assert verify(ticket, KEYS, NOW).capabilities == ("login", "share", "payment", "mall")
    empty = issue("d", URL, [], "p", KEYS, NOW)
    assert verify(empty, KEYS, NOW).capabilities == ()


def test_issue_refuses_unknown_capability_bad_url_and_bad_ttl() -> None:
    for args in (
        (URL, ["share", "teleport"], CAPABILITY_TTL),
        ("javascript:alert(1)", ["share"], CAPABILITY_TTL),
        (URL, ["share"], 0),
        (URL, ["share"], -5),
    ):
        url, caps, ttl = args
        with pytest.raises(ShimTokenError) as caught:
            issue("d", url, caps, "p", KEYS, NOW, ttl=ttl)
        assert caught.value.code == "malformed"


def test_expiry_window() -> None:
    ticket = issue("d", URL, ["share"], "p", KEYS, NOW, ttl=30)
    assert verify(ticket, KEYS, NOW + 29).expires_at == NOW + 30
    assert _code(ticket, now=NOW + 30) == "expired"
    assert verify(ticket, KEYS, NOW - 300).decision_id == "d"
    assert _code(ticket, now=NOW - 301) == "future"


def test_rotation() -> None:
    old = ShimKeys.generate("old")
    ticket = issue("d", URL, ["share"], "p", old, NOW)
    rotated = old.rotated("new")
    assert verify(ticket, rotated, NOW).capabilities == ("share",)
    assert _code(ticket, keys=rotated.without("old")) == "unknown_key"


def test_shim_token_is_not_a_capability_ticket() -> None:
    shim_token = sign_shim(ShimClaims(URL, "private_chat", None, NOW), KEYS)
    assert _code(shim_token) == "bad_signature"


def test_signed_but_unusable_payloads_are_malformed() -> None:
    base: dict[str, object] = {
        "k": "k1",
        "d": "d",
        "u": URL,
        "c": ["share"],
        "p": "p",
        "t": NOW,
        "e": NOW + 60,
    }
    assert verify(_forge(base), KEYS, NOW).capabilities == ("share",)
    for change in (
        {"c": ["share", "teleport"]},
        {"c": "share"},
        {"c": [1]},
        {"c": None},
        {"u": "data:text/html,x"},
        {"d": 1},
        {"p": None},
        {"e": "soon"},
        {"t": NOW + 100, "e": NOW + 50},
    ):
        assert _code(_forge({**base, **change})) == "malformed", change


def test_every_single_character_change_is_refused() -> None:
    ticket = issue("d", URL, ["share", "payment"], "p", KEYS, NOW)
    for index in range(len(ticket)):
        replacement = "Q" if ticket[index] != "Q" else "R"
        changed = ticket[:index] + replacement + ticket[index + 1 :]
        with pytest.raises(ShimTokenError):
            verify(changed, KEYS, NOW)
