"""KeyedSha256 is HMAC-SHA256, for any key length, prefix and message."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from linkgate.hmacs import KeyedSha256


@given(
    key=st.binary(max_size=200),
    prefix=st.binary(max_size=40),
    messages=st.lists(st.binary(max_size=300), min_size=1, max_size=3),
)
def test_keyed_sha256_is_hmac_sha256(key: bytes, prefix: bytes, messages: list[bytes]) -> None:
    # Keys longer than SHA-256's 64-byte block are hashed first, shorter ones padded; the
    # kept states are copied, never spent, so every message hashes alike.
    keyed = KeyedSha256(key, prefix)
    for message in messages:
        expected = hmac.new(key, prefix + message, hashlib.sha256)
        assert keyed.digest(message) == expected.digest()
        assert keyed.hexdigest(message) == expected.hexdigest()


def test_keys_at_the_block_boundary() -> None:
    for size in (63, 64, 65):
        key = bytes(range(size))
        assert KeyedSha256(key).digest(b"m") == hmac.digest(key, b"m", "sha256")
