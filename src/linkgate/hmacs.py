"""HMAC-SHA256 under one key, for the hot paths that sign or pseudonymise per request.

HMAC (RFC 2104) is two SHA-256 passes: an inner one over ``key ^ ipad`` and the
message, an outer one over ``key ^ opad`` and the inner digest. :class:`KeyedSha256`
hashes the padded key (and a fixed prefix of every message) once, and each message
then costs two copies of those states and their updates, all in the hash library:
about half the time of the ``hmac`` module's ``copy``, ``update`` and ``digest``,
which are Python methods around the same calls.
"""

from __future__ import annotations

import hashlib
from typing import Final

_BLOCK: Final = 64
"""SHA-256's block size: longer keys are hashed first, shorter ones padded with zeros."""
_IPAD: Final = bytes.maketrans(bytes(range(256)), bytes(b ^ 0x36 for b in range(256)))
_OPAD: Final = bytes.maketrans(bytes(range(256)), bytes(b ^ 0x5C for b in range(256)))


class KeyedSha256:
    """``digest(message)`` is ``hmac.new(key, prefix + message, sha256).digest()``."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes, prefix: bytes = b"") -> None:
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        block = key.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(block.translate(_IPAD))
        self._inner.update(prefix)
        self._outer = hashlib.sha256(block.translate(_OPAD))

    def digest(self, message: bytes) -> bytes:
        return self._done(message).digest()

    def hexdigest(self, message: bytes) -> str:
        return self._done(message).hexdigest()

    def _done(self, message: bytes) -> hashlib._Hash:
        """The outer hash over the inner digest of ``message``: HMAC, ready to read."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer
