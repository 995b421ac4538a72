"""Properties of every link-opening token: any string is verified or refused with a code,
never another exception; genuine tokens round-trip; any single-character change is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate.opening import capability_ticket, jsapi, nonce, shim
from linkgate.opening.keys import (
    ShimKeys,
    ShimTokenError,
    payload_bytes,
    payload_json,
    sign_payload,
    sign_plain_payload,
)
from linkgate.vocabulary import CAPABILITIES, CHANNELS, Channel

NOW = 1_700_000_000
SECRET = b"p" * 32
KEYS = ShimKeys({"k1": SECRET, "k0": b"q" * 32}, "k1")
DIGEST = nonce.digest_token("some-shim-token")

Verifier = Callable[[str], object]

VERIFIERS: dict[bytes, Verifier] = {
    shim.PURPOSE: lambda t: shim.verify(t, KEYS, now=NOW, max_age=86_400),
    nonce.PURPOSE: lambda t: nonce.check_nonce(t, DIGEST, KEYS, NOW),
    jsapi.PURPOSE: lambda t: jsapi.verify_ticket(t, KEYS, NOW),
    capability_ticket.PURPOSE: lambda t: capability_ticket.verify(t, KEYS, NOW),
}

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

any_text = st.text() | st.binary().map(lambda b: b.decode("latin-1"))
token_like = st.text(alphabet=B64 + ".=+/", max_size=300)

json_scalar = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=12,
)
payload_member = st.sampled_from(["k", "u", "c", "t", "g", "s", "d", "i", "h", "p", "e", "x"])
field_value = (
    json_value
    | st.sampled_from(["k1", "k0", "zz", *CHANNELS, *CAPABILITIES, DIGEST])
    | st.sampled_from(["https://example.com/", "javascript:x", "http://a@b/"])
    | st.integers(NOW - 100_000, NOW + 100_000)
    | st.lists(st.sampled_from([*CAPABILITIES, "nope"]), max_size=4)
)
payloads = st.dictionaries(payload_member, field_value) | json_value

target_urls = st.builds(
    lambda scheme, host, rest: f"{scheme}://{host}{rest}",
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z0-9.\-]{1,30}(:[0-9]{1,5})?", fullmatch=True),
    st.from_regex(r"([/?#][\x21-\x7e]{0,60})?", fullmatch=True),
)
optional_text = st.none() | st.text()
claims = st.builds(
    shim.ShimClaims,
    url=target_urls,
    channel=st.sampled_from(CHANNELS),
    group=optional_text,
    issued_at=st.integers(NOW - 86_400, NOW + 300),
    sender=optional_text,
    decision_id=optional_text,
)


def _refused_or_accepted(verifier: Verifier, token: str) -> None:
    try:
        verifier(token)
    except ShimTokenError as error:
        assert error.code in {
            "malformed",
            "unknown_key",
            "bad_signature",
            "expired",
            "future",
            "mismatch",
        }


def _forge(purpose: bytes, payload: object) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    mac = hmac.new(SECRET, purpose + b"\n" + body.encode(), hashlib.sha256).digest()
    return body + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


@given(any_text | token_like)
def test_any_string_is_verified_or_refused(token: str) -> None:
    for verifier in VERIFIERS.values():
        _refused_or_accepted(verifier, token)


@given(st.sampled_from(sorted(VERIFIERS)), payloads)
def test_any_signed_payload_is_verified_or_refused(purpose: bytes, payload: object) -> None:
    if isinstance(payload, dict) and "k" in payload and payload["k"] not in ("k1", "k0"):
        payload["k"] = "k1"
    _refused_or_accepted(VERIFIERS[purpose], _forge(purpose, payload))


@given(claims)
def test_shim_round_trip(value: shim.ShimClaims) -> None:
    assert shim.verify(shim.sign(value, KEYS), KEYS, now=NOW, max_age=86_400) == value


@given(any_text, st.sampled_from(CHANNELS))
def test_shim_sign_never_raises_another_exception(url: str, channel: Channel) -> None:
    try:
        token = shim.sign(shim.ShimClaims(url, channel, None, NOW), KEYS)
    except ShimTokenError as error:
        assert error.code == "malformed"
        assert not shim.is_shim_target(url) or len(url) > 6000
    else:
        assert shim.verify(token, KEYS, now=NOW, max_age=1).url == url


def other_than(original: str, drawn: str) -> str:
    """``drawn``, or a neighbour of it when it is ``original``: the draw must not depend on
    the token (some tokens hold random nonces), or hypothesis cannot replay it."""
    return drawn if drawn != original else chr(ord(drawn) ^ 1)


@settings(max_examples=300)
@given(claims, st.data())
def test_any_single_character_change_of_a_shim_token_is_refused(
    value: shim.ShimClaims, data: st.DataObject
) -> None:
    token = shim.sign(value, KEYS)
    index = data.draw(st.integers(0, len(token) - 1))
    replacement = other_than(token[index], data.draw(st.characters()))
    changed = token[:index] + replacement + token[index + 1 :]
    try:
        shim.verify(changed, KEYS, now=NOW, max_age=86_400)
    except ShimTokenError:
        return
    raise AssertionError(f"changed token accepted: {changed!r}")


@given(st.data())
def test_any_single_character_change_of_other_tokens_is_refused(data: st.DataObject) -> None:
    caps = data.draw(st.lists(st.sampled_from(CAPABILITIES)))
    tokens: dict[bytes, str] = {
        nonce.PURPOSE: nonce.issue_nonce(DIGEST, KEYS, NOW),
        jsapi.PURPOSE: jsapi.issue_ticket(data.draw(st.text()), KEYS, NOW).value,
        capability_ticket.PURPOSE: capability_ticket.issue(
            data.draw(st.text()), "https://a.example/", caps, data.draw(st.text()), KEYS, NOW
        ),
    }
    for purpose, token in tokens.items():
        VERIFIERS[purpose](token)
        index = data.draw(st.integers(0, len(token) - 1))
        replacement = other_than(token[index], data.draw(st.characters()))
        changed = token[:index] + replacement + token[index + 1 :]
        try:
            VERIFIERS[purpose](changed)
        except ShimTokenError:
            continue
        raise AssertionError(f"changed token accepted: {changed!r}")


@given(claims, st.booleans())
def test_rotation_keeps_old_tokens_until_the_key_is_removed(
    value: shim.ShimClaims, remove: bool
) -> None:
    old = ShimKeys({"old": SECRET}, "old")
    token = shim.sign(value, old)
    ring = old.rotated("new")
    if remove:
        ring = ring.without("old")
    try:
        result = shim.verify(token, ring, now=NOW, max_age=86_400)
    except ShimTokenError as error:
        assert remove
        assert error.code == "unknown_key"
    else:
        assert not remove
        assert result == value


@given(any_text, st.lists(any_text, max_size=4))
def test_safe_domain_check_never_raises(url: str, safe: list[str]) -> None:
    assert url_in_safe(url, safe) in (True, False)


def url_in_safe(url: str, safe: list[str]) -> bool:
    return jsapi.url_in_safe_domains(url, safe)


@given(any_text, any_text, st.integers(), any_text)
def test_js_signature_is_always_forty_hex_digits(
    ticket: str, noncestr: str, timestamp: int, url: str
) -> None:
    digest = jsapi.signature(ticket, noncestr, timestamp, url)
    assert len(digest) == 40
    assert int(digest, 16) >= 0
    assert digest == digest.lower()


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.text(max_size=8),
        st.text() | st.integers() | json_value,
        max_size=8,
    )
)
def test_a_payload_is_written_exactly_as_the_json_module_writes_it(
    fields: dict[str, object],
) -> None:
    # Tokens minted before and after the payload writer must be the same bytes.
    expected = json.dumps(fields, separators=(",", ":"), ensure_ascii=True)
    assert payload_json(fields) == expected


@settings(max_examples=500)
@given(
    st.dictionaries(
        st.text(max_size=8),
        st.text() | st.integers() | st.sampled_from(["\x7f", "\ud800", "é", '\x00\x1f"\\']),
        max_size=8,
    )
)
def test_plain_payloads_are_the_same_bytes_by_either_writer(fields: dict[str, str | int]) -> None:
    # orjson writes them where it writes what the JSON module would; the rest goes the
    # JSON module's way: a token's bytes do not depend on which wrote it.
    assert payload_bytes(fields) == payload_json(fields).encode("ascii")
    keys = ShimKeys({"k1": b"s" * 32}, "k1")
    assert sign_plain_payload(b"p", fields, keys) == sign_payload(b"p", fields, keys)
