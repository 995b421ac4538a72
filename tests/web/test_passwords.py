"""Console passwords: argon2id, verified in constant work, never accepted for no user."""

from __future__ import annotations

import pytest

from linkgate.web.console.passwords import (
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)


def test_hash_then_verify() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")
    assert not needs_rehash(stored)


def test_no_user_never_verifies() -> None:
    assert not verify_password(None, "linkgate: no such user")
    assert not verify_password(None, "anything at all")


def test_garbage_hash_never_verifies() -> None:
    assert not verify_password("not a hash", "x" * 20)


def test_salted_hashes_differ() -> None:
    assert hash_password("same password here") != hash_password("same password here")


@pytest.mark.parametrize("bad", ["", "x" * (MIN_LENGTH - 1), "x" * 1025])
def test_unusable_passwords_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="password"):
        hash_password(bad)


def test_weaker_parameters_are_rehashed() -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash("correct horse battery")
    assert verify_password(weak, "correct horse battery") and needs_rehash(weak)
