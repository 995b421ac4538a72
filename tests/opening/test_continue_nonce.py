"""Continue nonces: bound to one shim token, short-lived, each with its own id."""

from __future__ import annotations

import pytest

from linkgate.opening.keys import ShimKeys, ShimTokenError
from linkgate.opening.nonce import NONCE_MAX_AGE, check_nonce, digest_token, issue_nonce
from linkgate.opening.shim import ShimClaims, sign, verify

NOW = 1_700_000_000
KEYS = ShimKeys({"k1": b"n" * 32}, "k1")
TOKEN = sign(ShimClaims("https://example.com/a", "private_chat", None, NOW), KEYS)
DIGEST = digest_token(TOKEN)


def _code(nonce: str, digest: str = DIGEST, keys: ShimKeys = KEYS, now: int = NOW) -> str:
    with pytest.raises(ShimTokenError) as caught:
        check_nonce(nonce, digest, keys, now)
    return caught.value.code


def test_digest_is_stable_and_distinct() -> None:
    assert digest_token(TOKEN) == DIGEST
    assert len(DIGEST) == 43
    assert digest_token(TOKEN + "x") != DIGEST
    assert digest_token("\ud800") != digest_token("\ud801")


def test_issue_and_check() -> None:
    nonce = issue_nonce(DIGEST, KEYS, NOW)
    nonce_id = check_nonce(nonce, DIGEST, KEYS, NOW + 5)
    assert len(nonce_id) == 22
    assert check_nonce(nonce, DIGEST, KEYS, NOW + 6) == nonce_id


def test_each_nonce_has_its_own_id() -> None:
    ids = {check_nonce(issue_nonce(DIGEST, KEYS, NOW), DIGEST, KEYS, NOW) for _ in range(200)}
    assert len(ids) == 200


def test_bound_to_its_shim_token() -> None:
    nonce = issue_nonce(DIGEST, KEYS, NOW)
    assert _code(nonce, digest=digest_token("another-token")) == "mismatch"


def test_expiry_and_future() -> None:
    nonce = issue_nonce(DIGEST, KEYS, NOW)
    assert check_nonce(nonce, DIGEST, KEYS, NOW + NONCE_MAX_AGE)
    assert _code(nonce, now=NOW + NONCE_MAX_AGE + 1) == "expired"
    assert _code(nonce, now=NOW - 301) == "future"
    with pytest.raises(ShimTokenError) as caught:
        check_nonce(nonce, DIGEST, KEYS, NOW + 61, max_age=60)
    assert caught.value.code == "expired"


def test_nonce_and_shim_token_are_not_interchangeable() -> None:
    nonce = issue_nonce(DIGEST, KEYS, NOW)
    with pytest.raises(ShimTokenError) as caught:
        verify(nonce, KEYS, now=NOW, max_age=NONCE_MAX_AGE)
    assert caught.value.code == "bad_signature"
    assert _code(TOKEN) == "bad_signature"


def test_rotation() -> None:
    old = ShimKeys.generate("old")
    nonce = issue_nonce(DIGEST, old, NOW)
    rotated = old.rotated("new")
    assert check_nonce(nonce, DIGEST, rotated, NOW)
    assert _code(nonce, keys=rotated.without("old")) == "unknown_key"


def test_every_single_character_change_is_refused() -> None:
    nonce = issue_nonce(DIGEST, KEYS, NOW)
    for index in range(len(nonce)):
        replacement = "B" if nonce[index] != "B" else "C"
        changed = nonce[:index] + replacement + nonce[index + 1 :]
        with pytest.raises(ShimTokenError):
            check_nonce(changed, DIGEST, KEYS, NOW)
