"""Console passwords: argon2id hashes (argon2-cffi), checked in constant time.

A sign-in for a user that does not exist still runs one argon2 check, against
a fixed hash, so the answer takes as long as for a real user. A stored hash
made with weaker parameters than today's is replaced at the next sign-in.
"""

from __future__ import annotations

from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH: Final = 10
MAX_LENGTH: Final = 1024

_hasher = PasswordHasher()
_NOBODY: Final = _hasher.hash("linkgate: no such user")


def check_new_password(password: str) -> None:
    """ValueError when ``password`` may not be used (too short or too long)."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password has at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"a password has at most {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    check_new_password(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; None (no such user) is checked against a dummy hash."""
    if len(password) > MAX_LENGTH:
        password = password[:MAX_LENGTH]
    try:
        return _hasher.verify(password_hash or _NOBODY, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
