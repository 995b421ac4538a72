"""One-time "continue" nonces for the interstitial's POST.

The warning interstitial's 继续访问 (continue) button posts back a nonce
issued with the page. The nonce is signed (no storage needed to check it),
short-lived, bound to the shim token the page was served for (by that
token's :func:`digest_token`), and carries a random id. :func:`check_nonce`
returns the id; the caller records it as used until it would expire anyway
(``max_age`` seconds), which makes the nonce single-use.

Payload members: ``k`` kid, ``i`` random id (16 bytes, base64url),
``h`` the shim token's digest, ``t`` issued at (unix s).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from linkgate.opening.keys import (
    ShimKeys,
    ShimTokenError,
    b64url_encode,
    check_age,
    int_field,
    sign_payload,
    str_field,
    verify_payload,
)

__all__ = ["NONCE_MAX_AGE", "PURPOSE", "check_nonce", "digest_token", "issue_nonce"]

PURPOSE: Final = b"linkgate.nonce.v1"

NONCE_MAX_AGE: Final = 600
"""Seconds a continue nonce stays usable by default."""

_ID_BYTES: Final = 16


def digest_token(token: str) -> str:
    """The digest a nonce is bound to: unpadded base64url SHA-256 of the shim token."""
    data = token.encode("utf-8", "surrogatepass")
    return b64url_encode(hashlib.sha256(data).digest()).decode("ascii")


def issue_nonce(token_digest: str, keys: ShimKeys, now: int) -> str:
    """A fresh continue nonce for the shim token whose digest is ``token_digest``."""
    nonce_id = b64url_encode(secrets.token_bytes(_ID_BYTES)).decode("ascii")
    return sign_payload(PURPOSE, {"i": nonce_id, "h": token_digest, "t": now}, keys)


def check_nonce(
    nonce: str, token_digest: str, keys: ShimKeys, now: int, max_age: int = NONCE_MAX_AGE
) -> str:
    """The id of a genuine, current nonce issued for ``token_digest``; else ``ShimTokenError``.

    ``mismatch`` means the nonce is genuine but was issued for another shim
    token. The caller must still refuse an id it has already seen.
    """
    payload = verify_payload(PURPOSE, nonce, keys)
    nonce_id = str_field(payload, "i")
    bound = str_field(payload, "h")
    issued_at = int_field(payload, "t")
    check_age(issued_at, now, max_age)
    expected = token_digest.encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(bound.encode("utf-8", "surrogatepass"), expected):
        raise ShimTokenError("mismatch")
    return nonce_id
