"""Signed link-shim tokens: what a shared link is rewritten to.

When a link is shared, linkgate replaces it with a shim URL carrying a token
that names the canonical URL and where it was shared. At click time the edge
verifies the token, decides the link again with the current snapshot and
redirects, interstitials or blocks. The shim is never an open redirect: an
unsigned, tampered, unknown-key or expired token is refused, and even a
genuine token only ever carries an ``http``/``https`` URL.

Payload members (see :mod:`linkgate.opening.keys` for the token format)::

    k  kid          u  canonical URL     c  channel        t  issued at (unix s)
    G  group id, sealed                  s  sender pseudonym  d  decision id
    v  content category                  i  the link as typed  (G, s, d, v, i only when set)

The token is signed, not encrypted: whoever holds a shim link can read the
link it carries, as they could the link itself. The group it was shared in is
the exception: a link forwarded out of its group must not name the group, so
``G`` holds the group id sealed with AES-SIV under the signing key
(:meth:`ShimKeys.seal`, bound to the token's decision id and issue time).
Tokens minted before groups were sealed carry ``g``, the group id in clear,
and still verify until they expire.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from linkgate.opening.keys import (
    ShimKeys,
    ShimTokenError,
    b64url_decode,
    b64url_encode,
    check_age,
    int_field,
    optional_str_field,
    sign_plain_payload,
    str_field,
    verify_payload,
)
from linkgate.vocabulary import CHANNELS, Channel

__all__ = [
    "PURPOSE",
    "ShimClaims",
    "ShimKeys",
    "ShimTokenError",
    "is_shim_target",
    "sign",
    "sign_link",
    "verify",
]

PURPOSE: Final = b"linkgate.shim.v1"

_CHANNELS: Final[dict[str, Channel]] = {channel: channel for channel in CHANNELS}
# http(s), an authority without userinfo, then printable ASCII only: what the
# Safe Browsing canonical form looks like, and nothing a Location header or a
# browser could read as another scheme, another host or a second header line.
_TARGET_RE: Final = re.compile(r"https?://[^\x00-\x20\x7f/?#\\@]+(?:[/?#][\x21-\x7e]*)?")


def is_shim_target(url: str) -> bool:
    """Whether ``url`` may be carried by a shim token (and so be redirected to).

    It must start ``http://`` or ``https://`` (lower case), have a non-empty
    host with no userinfo, and hold only printable ASCII — which every
    canonical URL does.
    """
    return url.isascii() and _TARGET_RE.fullmatch(url) is not None


@dataclass(frozen=True, slots=True)
class ShimClaims:
    """What a shim token says: the link, where it was shared, when, by whom."""

    url: str
    channel: Channel
    group: str | None
    issued_at: int
    sender: str | None = None
    decision_id: str | None = None
    content: str | None = None
    """The content category the link's preview was classified as when it was shared."""
    input: str | None = None
    """The link as typed, when it differs in ways the canonical ``url`` hides (userinfo…);
    it is decided again at click time, never redirected to."""


def sign(claims: ShimClaims, keys: ShimKeys) -> str:
    """The shim token for ``claims``, signed with the ring's active key.

    Raises ``ShimTokenError("malformed")`` when the URL is not a shim target,
    the channel is unknown, or the token would exceed the size cap.
    """
    return sign_link(
        keys,
        claims.url,
        claims.channel,
        claims.group,
        claims.issued_at,
        sender=claims.sender,
        decision_id=claims.decision_id,
        content=claims.content,
        input=claims.input,
    )


def sign_link(
    keys: ShimKeys,
    url: str,
    channel: str,
    group: str | None,
    issued_at: int,
    *,
    sender: str | None = None,
    decision_id: str | None = None,
    content: str | None = None,
    input: str | None = None,
) -> str:
    """:func:`sign` for claims given field by field: the token a decision's shim URL carries,
    minted without making a :class:`ShimClaims` first (a frozen dataclass of eight fields
    costs about as much to make as the token's signature)."""
    if not is_shim_target(url) or channel not in _CHANNELS:
        raise ShimTokenError("malformed")
    fields: dict[str, str | int] = {"u": url, "c": channel, "t": issued_at}
    if group is not None:
        sealed = keys.seal(
            keys.active,
            PURPOSE,
            group.encode("utf-8", "surrogatepass"),
            _group_context(decision_id, issued_at),
        )
        fields["G"] = b64url_encode(sealed).decode("ascii")
    if sender is not None:
        fields["s"] = sender
    if decision_id is not None:
        fields["d"] = decision_id
    if content is not None:
        fields["v"] = content
    if input is not None:
        fields["i"] = input
    return sign_plain_payload(PURPOSE, fields, keys)


def verify(token: str, keys: ShimKeys, *, now: int, max_age: int) -> ShimClaims:
    """The claims of a genuine, current shim token; otherwise ``ShimTokenError``.

    ``max_age`` is how long (seconds) a shared link stays openable through its
    shim; a token issued more than ``CLOCK_SKEW`` seconds after ``now`` is
    ``future``. Any string is either verified or refused with a code.
    """
    payload = verify_payload(PURPOSE, token, keys)
    url = str_field(payload, "u")
    channel = str_field(payload, "c")
    issued_at = int_field(payload, "t")
    group = optional_str_field(payload, "g")
    sealed = optional_str_field(payload, "G")
    sender = optional_str_field(payload, "s")
    decision_id = optional_str_field(payload, "d")
    if sealed is not None:
        if group is not None:
            raise ShimTokenError("malformed")
        group = _unseal_group(sealed, payload["k"], keys, decision_id, issued_at)
    content = optional_str_field(payload, "v")
    typed = optional_str_field(payload, "i")
    if not is_shim_target(url):
        raise ShimTokenError("malformed")
    known = _CHANNELS.get(channel)
    if known is None:
        raise ShimTokenError("malformed")
    check_age(issued_at, now, max_age)
    return ShimClaims(url, known, group, issued_at, sender, decision_id, content, typed)


def _group_context(decision_id: str | None, issued_at: int) -> tuple[bytes, bytes]:
    """What a sealed group is bound to: its token's decision id and issue time."""
    return ((decision_id or "").encode("utf-8", "surrogatepass"), str(issued_at).encode("ascii"))


def _unseal_group(
    sealed: str, kid: str, keys: ShimKeys, decision_id: str | None, issued_at: int
) -> str:
    data = b64url_decode(sealed)
    group = (
        keys.unseal(kid, PURPOSE, data, _group_context(decision_id, issued_at))
        if data is not None
        else None
    )
    if group is None:
        raise ShimTokenError("malformed")
    try:
        return group.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        raise ShimTokenError("malformed") from None
