"""Capability tickets: the short-lived proof of what a ``rich_page`` may use.

When a link opens as a ``rich_page``, linkgate hands the page a ticket naming
exactly the capabilities the decision granted, for that URL, that platform
and that decision. The page's own backend and the app verify it with the key
ring alone (no storage, no call back to linkgate); it expires after
:data:`CAPABILITY_TTL` seconds by default.

Payload members (token format in :mod:`linkgate.opening.keys`)::

    k  kid   d  decision id   u  canonical URL   c  capabilities (list)
    p  platform id   t  issued at   e  expires at (unix s)

Capabilities are written once each, in vocabulary order; a ticket naming a
capability this version does not know is refused as ``malformed`` (fail
closed), as is one whose URL is not a shim target.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from linkgate.opening.keys import (
    ShimKeys,
    ShimTokenError,
    check_window,
    int_field,
    sign_payload,
    str_field,
    verify_payload,
)
from linkgate.opening.shim import is_shim_target
from linkgate.vocabulary import CAPABILITIES, Capability

__all__ = ["CAPABILITY_TTL", "PURPOSE", "CapabilityTicket", "issue", "verify"]

PURPOSE: Final = b"linkgate.capability.v1"

CAPABILITY_TTL: Final = 300
"""Seconds a capability ticket is valid by default."""

_RANK: Final[dict[str, int]] = {cap: i for i, cap in enumerate(CAPABILITIES)}


@dataclass(frozen=True, slots=True)
class CapabilityTicket:
    """A verified capability ticket."""

    decision_id: str
    url: str
    capabilities: tuple[Capability, ...]
    platform_id: str
    expires_at: int


def issue(
    decision_id: str,
    url: str,
    capabilities: Iterable[str],
    platform_id: str,
    keys: ShimKeys,
    now: int,
    ttl: int = CAPABILITY_TTL,
) -> str:
    """A ticket granting ``capabilities`` on ``url``, valid from ``now`` for ``ttl`` seconds.

    Raises ``ShimTokenError("malformed")`` for an unknown capability, a URL
    that is not a shim target, or a ``ttl`` that is not positive.
    """
    if ttl <= 0 or not is_shim_target(url):
        raise ShimTokenError("malformed")
    caps = _ordered(capabilities)
    fields: dict[str, object] = {
        "d": decision_id,
        "u": url,
        "c": list(caps),
        "p": platform_id,
        "t": now,
        "e": now + ttl,
    }
    return sign_payload(PURPOSE, fields, keys)


def verify(ticket: str, keys: ShimKeys, now: int) -> CapabilityTicket:
    """The contents of a genuine, unexpired ticket; otherwise ``ShimTokenError``."""
    payload = verify_payload(PURPOSE, ticket, keys)
    decision_id = str_field(payload, "d")
    url = str_field(payload, "u")
    platform_id = str_field(payload, "p")
    issued_at = int_field(payload, "t")
    expires_at = int_field(payload, "e")
    listed = payload.get("c")
    if not isinstance(listed, list) or not all(isinstance(cap, str) for cap in listed):
        raise ShimTokenError("malformed")
    if not is_shim_target(url):
        raise ShimTokenError("malformed")
    caps = _ordered(listed)
    check_window(issued_at, expires_at, now)
    return CapabilityTicket(decision_id, url, caps, platform_id, expires_at)


def _ordered(capabilities: Iterable[str]) -> tuple[Capability, ...]:
    seen: set[int] = set()
    for cap in capabilities:
        rank = _RANK.get(cap)
        if rank is None:
            raise ShimTokenError("malformed")
        seen.add(rank)
    return tuple(CAPABILITIES[rank] for rank in sorted(seen))
