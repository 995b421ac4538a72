"""The key ring and the shared token format: configuration, rotation, wire format."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkgate.errors import LinkgateError
from linkgate.opening.keys import (
    MAX_TOKEN_CHARS,
    KeyConfigError,
    ShimKeys,
    ShimTokenError,
    b64url_decode,
    b64url_encode,
    sign_payload,
    verify_payload,
)

SECRET_A = bytes(range(32))
SECRET_B = bytes(range(100, 132))
PURPOSE = b"linkgate.test.v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _std64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_env_value_with_two_keys_and_active() -> None:
    keys = ShimKeys.from_env_value(f"old:{_std64(SECRET_A)},new:{_b64(SECRET_B)};active=new")
    assert keys.kids == ("old", "new")
    assert keys.active == "new"
    assert keys.keys["old"] == SECRET_A
    assert keys.keys["new"] == SECRET_B


def test_env_value_tolerates_spaces_and_padding_either_alphabet() -> None:
    text = f"  a : {_std64(SECRET_A)} ,  b:{_b64(SECRET_B)}  ; active = a "
    keys = ShimKeys.from_env_value(text)
    assert keys.active == "a"
    assert keys.keys["a"] == SECRET_A
    assert keys.keys["b"] == SECRET_B


def test_env_value_single_key_needs_no_active() -> None:
    keys = ShimKeys.from_env_value(f"only:{_b64(SECRET_A)}")
    assert keys.active == "only"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "not 'kid:secret'"),
        (f"a:{_b64(SECRET_A)},b:{_b64(SECRET_B)}", "active"),
        (f"a:{_b64(SECRET_A)};active=b", "not in the ring"),
        (f"a:{_b64(SECRET_A)},a:{_b64(SECRET_B)};active=a", "twice"),
        (f"a:{_b64(SECRET_A)};active=a;active=a", "more than once"),
        (f"a:{_b64(SECRET_A)};primary=a", "is not 'active=KID'"),
        ("a:c2hvcnQ", "at least 16 bytes"),
        ("a:not base64!", "not base64"),
        ("a:QUJD=A", "not base64"),
        (f"bad kid:{_b64(SECRET_A)}", "key id"),
        (f":{_b64(SECRET_A)}", "key id"),
        (f"{'x' * 33}:{_b64(SECRET_A)}", "key id"),
    ],
)
def test_env_value_errors_name_the_problem(text: str, fragment: str) -> None:
    with pytest.raises(KeyConfigError, match=fragment):
        ShimKeys.from_env_value(text)


@pytest.mark.parametrize(
    "template",
    ["a:{}", "a:{}!", "a:{},b:{};active=b;c:{}", "a:{};b:{}", "a:{},a:{};active=a"],
)
def test_config_errors_never_echo_secrets(template: str) -> None:
    secret_text = _b64(b"0123456789")  # too short where it is read as a secret
    with pytest.raises(KeyConfigError) as caught:
        ShimKeys.from_env_value(template.replace("{}", secret_text))
    assert secret_text not in str(caught.value)
    assert isinstance(caught.value, LinkgateError)


def test_repr_hides_secrets() -> None:
    keys = ShimKeys({"a": SECRET_A}, "a")
    assert "a" in repr(keys)
    assert _b64(SECRET_A) not in repr(keys)
    assert repr(SECRET_A) not in repr(keys)


def test_constructor_validates() -> None:
    with pytest.raises(KeyConfigError):
        ShimKeys({}, "a")
    with pytest.raises(KeyConfigError):
        ShimKeys({"a": b"short"}, "a")
    with pytest.raises(KeyConfigError):
        ShimKeys({"a": SECRET_A}, "b")


def test_keys_are_read_only_copies() -> None:
    source = {"a": SECRET_A}
    keys = ShimKeys(source, "a")
    source["b"] = SECRET_B
    assert keys.kids == ("a",)
    with pytest.raises(TypeError):
        keys.keys["b"] = SECRET_B  # type: ignore[index]


def test_env_value_round_trip() -> None:
    keys = ShimKeys({"a": SECRET_A, "b": SECRET_B}, "a")
    again = ShimKeys.from_env_value(keys.to_env_value())
    assert again.keys == keys.keys
    assert again.active == "a"


def test_generate_makes_distinct_strong_keys() -> None:
    one, two = ShimKeys.generate(), ShimKeys.generate()
    assert len(one.keys[one.active]) == 32
    assert one.keys[one.active] != two.keys[two.active]
    named = ShimKeys.generate("2024-06")
    assert named.kids == ("2024-06",)


def test_rotation_helpers() -> None:
    keys = ShimKeys({"a": SECRET_A}, "a")
    rotated = keys.rotated("b")
    assert rotated.kids == ("a", "b")
    assert rotated.active == "b"
    assert rotated.keys["a"] == SECRET_A
    auto = rotated.rotated()
    assert auto.active not in ("a", "b")
    assert len(auto.kids) == 3
    with pytest.raises(KeyConfigError):
        rotated.rotated("a")
    retired = rotated.without("a")
    assert retired.kids == ("b",)
    with pytest.raises(KeyConfigError, match="active"):
        rotated.without("b")
    with pytest.raises(KeyConfigError):
        rotated.without("zzz")


def test_b64url_round_trip_and_single_spelling() -> None:
    for size in range(0, 40):
        data = bytes(range(size))
        text = b64url_encode(data).decode()
        assert "=" not in text and "+" not in text and "/" not in text
        assert b64url_decode(text) == data
    assert b64url_decode("QQ") == b"A"
    assert b64url_decode("QR") is None  # same bytes, non-zero trailing bits
    assert b64url_decode("QQ==") is None
    assert b64url_decode("+/8") is None
    assert b64url_decode("_-8") == b"\xff\xef"
    assert b64url_decode("Q") is None
    assert b64url_decode("QQ\u00e9") is None


def test_wire_format_matches_an_independent_implementation() -> None:
    keys = ShimKeys({"kid1": SECRET_A}, "kid1")
    token = sign_payload(PURPOSE, {"x": "y", "n": 5}, keys)
    body, mac = token.split(".")
    padded = body + "=" * (-len(body) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded)) == {"k": "kid1", "x": "y", "n": 5}
    expected = hmac.new(SECRET_A, PURPOSE + b"\n" + body.encode(), hashlib.sha256).digest()
    assert mac == _b64(expected)

    forged_body = _b64(json.dumps({"k": "kid1", "x": "z"}).encode())
    forged_mac = _b64(
        hmac.new(SECRET_A, PURPOSE + b"\n" + forged_body.encode(), hashlib.sha256).digest()
    )
    assert verify_payload(PURPOSE, f"{forged_body}.{forged_mac}", keys) == {"k": "kid1", "x": "z"}


@given(
    secret=st.binary(min_size=16, max_size=200),
    purpose=st.binary(max_size=40),
    message=st.binary(max_size=300),
)
def test_mac_is_hmac_sha256_for_any_secret_purpose_and_message(
    secret: bytes, purpose: bytes, message: bytes
) -> None:
    # Secrets longer than SHA-256's 64-byte block are hashed first, shorter ones padded.
    keys = ShimKeys({"kid1": secret}, "kid1")
    expected = hmac.new(secret, purpose + b"\n" + message, hashlib.sha256).digest()
    assert keys.mac("kid1", purpose, message) == expected
    assert keys.mac("kid1", purpose, message) == expected  # from the kept states again


def test_purpose_separates_token_kinds() -> None:
    keys = ShimKeys({"a": SECRET_A}, "a")
    token = sign_payload(PURPOSE, {"x": 1}, keys)
    with pytest.raises(ShimTokenError) as caught:
        verify_payload(b"linkgate.other.v1", token, keys)
    assert caught.value.code == "bad_signature"


def test_mac_is_not_accepted_in_another_spelling() -> None:
    keys = ShimKeys({"a": SECRET_A}, "a")
    token = sign_payload(PURPOSE, {"x": 1}, keys)
    body, mac = token.split(".")
    raw = base64.urlsafe_b64decode(mac + "=")
    for variant in (mac + "=", base64.b64encode(raw).decode().rstrip("="), mac.lower()):
        if variant == mac:
            continue
        with pytest.raises(ShimTokenError):
            verify_payload(PURPOSE, f"{body}.{variant}", keys)


def test_oversized_payload_is_never_minted() -> None:
    keys = ShimKeys({"a": SECRET_A}, "a")
    with pytest.raises(ShimTokenError) as caught:
        sign_payload(PURPOSE, {"x": "a" * MAX_TOKEN_CHARS}, keys)
    assert caught.value.code == "malformed"


def test_deeply_nested_payload_is_malformed_not_a_crash() -> None:
    keys = ShimKeys({"a": SECRET_A}, "a")
    body = _b64(b"[" * 5000)
    with pytest.raises(ShimTokenError) as caught:
        verify_payload(PURPOSE, f"{body}.AAAA", keys)
    assert caught.value.code == "malformed"
