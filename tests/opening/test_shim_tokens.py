"""Link-shim tokens: round trip, refusal codes, time limits, rotation, never an open redirect."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from linkgate.opening.keys import CLOCK_SKEW, MAX_TOKEN_CHARS, ShimKeys, ShimTokenError
from linkgate.opening.shim import PURPOSE, ShimClaims, is_shim_target, sign, sign_link, verify

NOW = 1_700_000_000
DAY = 86_400
SECRET = b"s" * 32
KEYS = ShimKeys({"k1": SECRET}, "k1")
URL = "https://item.taobao.com/item.htm?id=654321"
CLAIMS = ShimClaims(URL, "group_chat", "group-42", NOW, "p:3f9a", "dec-1")


def _code(token: str, keys: ShimKeys = KEYS, now: int = NOW, max_age: int = DAY) -> str:
    with pytest.raises(ShimTokenError) as caught:
        verify(token, keys, now=now, max_age=max_age)
    return caught.value.code


def _forge(payload: object, secret: bytes = SECRET) -> str:
    """A correctly signed shim token around an arbitrary payload."""
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    mac = hmac.new(secret, PURPOSE + b"\n" + body.encode(), hashlib.sha256).digest()
    return body + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def test_round_trip_all_fields() -> None:
    token = sign(CLAIMS, KEYS)
    assert verify(token, KEYS, now=NOW + 60, max_age=DAY) == CLAIMS


def test_sign_link_is_sign_given_field_by_field() -> None:
    # Equal except the sealed group, which is bound to the token's decision id and time:
    # both seal deterministically (AES-SIV), so the tokens are the same text.
    claims = ShimClaims(URL, "group_chat", "group-42", NOW, "p:3f9a", "dec-1", "fraud", "x")
    token = sign_link(
        KEYS,
        URL,
        "group_chat",
        "group-42",
        NOW,
        sender="p:3f9a",
        decision_id="dec-1",
        content="fraud",
        input="x",
    )
    assert token == sign(claims, KEYS)
    assert verify(token, KEYS, now=NOW, max_age=DAY) == claims
    with pytest.raises(ShimTokenError):
        sign_link(KEYS, "javascript:alert(1)", "group_chat", None, NOW)


def test_round_trip_optional_fields_absent() -> None:
    claims = ShimClaims("http://example.com/", "private_chat", None, NOW)
    token = sign(claims, KEYS)
    assert verify(token, KEYS, now=NOW, max_age=DAY) == claims
    assert len(token) < 150


def test_token_is_url_safe() -> None:
    token = sign(CLAIMS, KEYS)
    assert token.count(".") == 1
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_unicode_and_surrogates_in_fields_survive() -> None:
    claims = ShimClaims(URL, "moments", "群\ud800\x00", NOW, "发送者", "\U0001f600")
    assert verify(sign(claims, KEYS), KEYS, now=NOW, max_age=DAY) == claims


def test_age_limits_are_inclusive() -> None:
    token = sign(CLAIMS, KEYS)
    assert verify(token, KEYS, now=NOW + DAY, max_age=DAY) == CLAIMS
    assert _code(token, now=NOW + DAY + 1) == "expired"


def test_clock_skew_allows_small_future() -> None:
    token = sign(CLAIMS, KEYS)
    assert verify(token, KEYS, now=NOW - CLOCK_SKEW, max_age=DAY) == CLAIMS
    assert _code(token, now=NOW - CLOCK_SKEW - 1) == "future"


def test_unknown_key_and_bad_signature() -> None:
    token = sign(CLAIMS, KEYS)
    other_kid = ShimKeys({"k2": SECRET}, "k2")
    assert _code(token, keys=other_kid) == "unknown_key"
    same_kid_other_secret = ShimKeys({"k1": b"t" * 32}, "k1")
    assert _code(token, keys=same_kid_other_secret) == "bad_signature"


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "abc",
        "abc.",
        ".abc",
        "a.b.c",
        "eyJrIjoiazEifQ",
        "%%%.%%%",
        "ｅｙＪｒ.abc",
        "e" * (MAX_TOKEN_CHARS + 1),
        "bnVsbA.AAAA",  # null
        "WzFd.AAAA",  # [1]
        "eyJrIjoxfQ.AAAA",  # {"k":1}
    ],
)
def test_malformed(token: str) -> None:
    assert _code(token) == "malformed"


def test_signed_but_unusable_payloads_are_malformed() -> None:
    base = {"k": "k1", "u": URL, "c": "group_chat", "t": NOW}
    assert verify(_forge(base), KEYS, now=NOW, max_age=DAY).url == URL
    bad_payloads: list[dict[str, object]] = [
        {**base, "u": "javascript:alert(1)"},
        {**base, "u": "ftp://example.com/"},
        {**base, "u": "https://user@evil.example/"},
        {**base, "u": "https://example.com/\r\nSet-Cookie: x=1"},
        {**base, "u": 5},
        {**base, "c": "telegram"},
        {**base, "t": "1700000000"},
        {**base, "t": True},
        {**base, "t": 1.7e9},
        {**base, "g": 3},
        {**base, "s": ["x"]},
        {**base, "d": {}},
        {k: v for k, v in base.items() if k != "u"},
        {k: v for k, v in base.items() if k != "c"},
        {k: v for k, v in base.items() if k != "t"},
    ]
    for payload in bad_payloads:
        assert _code(_forge(payload)) == "malformed", payload


def test_sign_refuses_what_it_could_not_redirect_to() -> None:
    for url in (
        "javascript:alert(1)",
        "data:text/html,hi",
        "//evil.example/",
        "HTTPS://example.com/",
        "https:///evil.example",
        "https://a@b.example/",
        "https://exa mple.com/",
        "https://例子.com/",
        "",
    ):
        with pytest.raises(ShimTokenError) as caught:
            sign(ShimClaims(url, "private_chat", None, NOW), KEYS)
        assert caught.value.code == "malformed", url


def test_sign_refuses_unknown_channel_and_oversized_token() -> None:
    with pytest.raises(ShimTokenError):
        sign(ShimClaims(URL, "telegram", None, NOW), KEYS)  # type: ignore[arg-type]
    with pytest.raises(ShimTokenError):
        sign(ShimClaims(URL + "a" * MAX_TOKEN_CHARS, "private_chat", None, NOW), KEYS)


def test_shim_targets() -> None:
    assert is_shim_target("http://example.com")
    assert is_shim_target("https://example.com:8443/a/b?c=d&e=%20#frag")
    assert is_shim_target("http://[2001:db8::1]/")
    assert is_shim_target("https://medium.com/@user/post")
    assert not is_shim_target("https://example.com\\@evil.example/")
    assert not is_shim_target("http://")
    assert not is_shim_target("https://example.com/\x7f")


def test_rotation_old_key_verifies_until_removed() -> None:
    old = ShimKeys.generate("2024-05")
    token = sign(CLAIMS, old)
    rotated = old.rotated("2024-06")
    assert verify(token, rotated, now=NOW, max_age=DAY) == CLAIMS
    fresh = sign(CLAIMS, rotated)
    assert json.loads(base64.urlsafe_b64decode(fresh.split(".")[0] + "==="))["k"] == "2024-06"
    assert verify(fresh, rotated, now=NOW, max_age=DAY) == CLAIMS
    assert _code(fresh, keys=old) == "unknown_key"
    retired = rotated.without("2024-05")
    assert _code(token, keys=retired) == "unknown_key"
    assert verify(fresh, retired, now=NOW, max_age=DAY) == CLAIMS


def test_every_single_character_change_is_refused() -> None:
    token = sign(CLAIMS, KEYS)
    alphabet = "AQgw_-.0aZ=+/é\x00"
    for index in range(len(token)):
        for ch in alphabet:
            if ch == token[index]:
                continue
            changed = token[:index] + ch + token[index + 1 :]
            with pytest.raises(ShimTokenError):
                verify(changed, KEYS, now=NOW, max_age=DAY)


def _payload(token: str) -> dict[str, object]:
    body = token.partition(".")[0]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return decoded


def test_the_group_travels_sealed() -> None:
    token = sign(CLAIMS, KEYS)
    payload = _payload(token)
    assert "g" not in payload and isinstance(payload["G"], str)
    body = base64.urlsafe_b64decode(token.partition(".")[0] + "==")
    assert b"group-42" not in body
    assert b"group-42" not in base64.urlsafe_b64decode(str(payload["G"]) + "==")
    assert verify(token, KEYS, now=NOW, max_age=DAY).group == "group-42"
    # The same group in another decision's token reads differently: tokens are not linkable.
    other = sign(ShimClaims(URL, "group_chat", "group-42", NOW, None, "dec-2"), KEYS)
    assert _payload(other)["G"] != payload["G"]


def test_a_sealed_group_opens_only_in_its_own_token() -> None:
    sealed = _payload(sign(CLAIMS, KEYS))["G"]
    base = {"k": "k1", "u": URL, "c": "group_chat", "t": NOW, "d": "dec-1"}
    assert verify(_forge({**base, "G": sealed}), KEYS, now=NOW, max_age=DAY).group == "group-42"
    for payload in (
        {**base, "G": sealed, "d": "dec-9"},  # moved to another decision's token
        {**base, "G": sealed, "t": NOW + 1},  # or another issue time
        {**base, "G": sealed, "g": "group-42"},  # sealed and clear at once
        {**base, "G": "bm90LXNlYWxlZA"},  # not sealed by this key
        {**base, "G": "***"},  # not base64url
        {**base, "G": 7},
    ):
        assert _code(_forge(payload)) == "malformed", payload


def test_tokens_with_the_group_in_clear_still_verify() -> None:
    legacy = {"k": "k1", "u": URL, "c": "group_chat", "t": NOW, "g": "group-42"}
    assert verify(_forge(legacy), KEYS, now=NOW, max_age=DAY).group == "group-42"


def test_a_group_sealed_under_a_retired_signing_key_opens_until_the_key_is_removed() -> None:
    old = ShimKeys({"k0": b"o" * 32}, "k0")
    token = sign(CLAIMS, old)
    rotated = old.rotated("k1")
    assert verify(token, rotated, now=NOW, max_age=DAY).group == "group-42"
    assert _code(token, rotated.without("k0")) == "unknown_key"


@pytest.mark.parametrize("group", ["", "g", "群聊\ud800", "x" * 500])
def test_any_group_id_round_trips_sealed(group: str) -> None:
    claims = ShimClaims(URL, "group_chat", group, NOW, None, "dec-1")
    assert verify(sign(claims, KEYS), KEYS, now=NOW, max_age=DAY) == claims
