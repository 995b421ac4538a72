"""Sticky bucketing: a user stays in or out of a rollout percentage as it ramps."""

from __future__ import annotations

from hashlib import blake2b

BUCKETS = 10_000


def bucket(salt: str, user: str) -> int:
    """A stable bucket in ``[0, BUCKETS)`` for this user under this salt (the phase id).

    Ramping a phase from 10% to 50% keeps everyone who was in at 10%: a user
    is in when ``bucket < percent * 100``.
    """
    digest = blake2b(f"{salt}\x00{user}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def in_percentage(salt: str, user: str | None, percent: float) -> bool:
    """Whether ``user`` falls inside ``percent`` (0–100); without a user only 100% admits."""
    if percent >= 100:
        return True
    if percent <= 0 or user is None:
        return False
    return bucket(salt, user) < percent * (BUCKETS / 100)
