"""The key ring and the signed-token format every link-opening token shares.

Shim tokens, continue nonces, JS-API tickets and capability tickets are all
the same compact, URL-safe string::

    base64url(JSON payload) "." base64url(HMAC-SHA256(secret, purpose "\\n" payload_part))

Base64url is unpadded. The JSON payload is an object whose ``"k"`` member
names the key (the *kid*) it was signed with. ``purpose`` is a fixed byte
string per token kind (``linkgate.shim.v1``, ``linkgate.nonce.v1`` …) mixed
into the MAC, so a token of one kind never verifies as another. The MAC
covers the payload part exactly as written, and is compared in constant time.

Key rotation: a :class:`ShimKeys` ring holds every configured key by kid and
names the *active* one. Tokens are signed with the active key; any key still
in the ring verifies. To rotate, add a new key and make it active, keep the
old one for as long as tokens signed with it should stay valid, then remove it.

Configuration text (:meth:`ShimKeys.from_env_value`)::

    kid1:BASE64SECRET,kid2:BASE64SECRET;active=kid2

- entries are ``kid:secret`` separated by commas; spaces around entries are ignored;
- a kid is 1–32 characters of ``A-Z a-z 0-9 _ -``;
- a secret is base64, standard (``+/``) or URL-safe (``-_``), padding optional,
  and decodes to at least 16 bytes (:meth:`ShimKeys.generate` makes 32);
- ``;active=KID`` names the signing key; it may be left out when there is one key.

Errors::

    LinkgateError
    ├── ShimTokenError   a token is refused; ``code`` says why (stable codes below)
    └── KeyConfigError   a key ring is misconfigured (never echoes a secret)

Token error codes: ``malformed`` (not a token of this kind, too long, bad
payload, or — when signing — a value that cannot be carried), ``unknown_key``
(signed with a kid the ring does not hold), ``bad_signature``, ``expired``,
``future`` (issued more than :data:`CLOCK_SKEW` seconds ahead of ``now``) and
``mismatch`` (a continue nonce presented with a different shim token).
"""

from __future__ import annotations

import binascii
import hmac
import json
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from json.encoder import encode_basestring_ascii
from types import MappingProxyType
from typing import Any, Final, Literal

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from linkgate.errors import LinkgateError
from linkgate.hmacs import KeyedSha256

__all__ = [
    "CLOCK_SKEW",
    "MAX_TOKEN_CHARS",
    "MIN_SECRET_BYTES",
    "KeyConfigError",
    "ShimKeys",
    "ShimTokenError",
    "TokenErrorCode",
    "b64url_decode",
    "b64url_encode",
    "check_age",
    "check_window",
    "int_field",
    "optional_str_field",
    "payload_bytes",
    "payload_json",
    "sign_payload",
    "sign_plain_payload",
    "str_field",
    "verify_payload",
]

TokenErrorCode = Literal[
    "malformed", "unknown_key", "bad_signature", "expired", "future", "mismatch"
]

MAX_TOKEN_CHARS: Final = 8192
"""Longest token accepted (and minted): longer text is ``malformed`` unread."""

CLOCK_SKEW: Final = 300
"""Seconds a token's issue time may lie ahead of the verifier's clock."""

MIN_SECRET_BYTES: Final = 16
"""Shortest secret a key ring accepts."""

_GENERATED_SECRET_BYTES: Final = 32
_KID_RE: Final = re.compile(r"[A-Za-z0-9_\-]{1,32}")
_SECRET_RE: Final = re.compile(r"[A-Za-z0-9+/\-_]+={0,2}")
_TO_URLSAFE: Final = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE: Final = bytes.maketrans(b"-_", b"+/")
_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True)
_quote: Final = encode_basestring_ascii
_int_text: Final = int.__repr__
_b2a: Final = binascii.b2a_base64
_a2b: Final = binascii.a2b_base64
_compare: Final = hmac.compare_digest
_loads: Final = json.loads
_orjson_dumps: Final = orjson.dumps


class ShimTokenError(LinkgateError, ValueError):
    """A link-opening token is refused; ``code`` is a stable :data:`TokenErrorCode`."""

    def __init__(self, code: TokenErrorCode) -> None:
        super().__init__(code)
        self.code: TokenErrorCode = code


class KeyConfigError(LinkgateError, ValueError):
    """A key ring cannot be built from its configuration."""


def b64url_encode(data: bytes) -> bytes:
    """Unpadded base64url of ``data``."""
    return _b2a(data, newline=False).rstrip(b"=").translate(_TO_URLSAFE)


def b64url_decode(text: str) -> bytes | None:
    """Decode unpadded base64url; ``None`` unless ``text`` is exactly what
    :func:`b64url_encode` would write for some bytes (one spelling per value)."""
    if not text.isascii() or len(text) % 4 == 1:
        return None
    encoded = text.encode("ascii")
    try:
        data = _a2b(encoded.translate(_FROM_URLSAFE) + b"=" * (-len(text) % 4), strict_mode=True)
    except binascii.Error:
        return None
    if b64url_encode(data) != encoded:
        return None
    return data


class ShimKeys:
    """A ring of HMAC keys by kid, one of them active for signing.

    Immutable; its ``repr`` names the kids, never the secrets.
    """

    __slots__ = ("_active", "_bases", "_keys", "_sealers")

    def __init__(self, keys: Mapping[str, bytes], active: str) -> None:
        if not keys:
            raise KeyConfigError("a key ring needs at least one key")
        copied: dict[str, bytes] = {}
        for kid, secret in keys.items():
            if not isinstance(kid, str) or _KID_RE.fullmatch(kid) is None:
                raise KeyConfigError(f"key id {kid!r} must be 1-32 characters of A-Z a-z 0-9 _ -")
            if not isinstance(secret, bytes | bytearray) or len(secret) < MIN_SECRET_BYTES:
                raise KeyConfigError(
                    f"key {kid!r}: the secret must be at least {MIN_SECRET_BYTES} bytes"
                )
            copied[kid] = bytes(secret)
        if active not in copied:
            raise KeyConfigError(f"active key {active!r} is not in the ring")
        self._keys: Mapping[str, bytes] = MappingProxyType(copied)
        self._active = active
        # (kid, purpose) -> HMAC under the kid's secret after "purpose\n".
        self._bases: dict[tuple[str, bytes], KeyedSha256] = {}
        # (kid, purpose) -> the AES-SIV cipher for fields a token carries unreadable.
        self._sealers: dict[tuple[str, bytes], AESSIV] = {}

    @property
    def keys(self) -> Mapping[str, bytes]:
        """Every configured secret by kid (read-only)."""
        return self._keys

    @property
    def active(self) -> str:
        """The kid new tokens are signed with."""
        return self._active

    @property
    def kids(self) -> tuple[str, ...]:
        """The configured kids, in configuration order."""
        return tuple(self._keys)

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __repr__(self) -> str:
        return f"ShimKeys(kids={list(self._keys)!r}, active={self._active!r})"

    @classmethod
    def from_env_value(cls, value: str) -> ShimKeys:
        """Build a ring from ``kid:secret,kid:secret;active=kid`` (see the module docs)."""
        keys_part, *options = value.split(";")
        active: str | None = None
        for position, option in enumerate(options, start=1):
            name, sep, setting = option.partition("=")
            if name.strip() != "active" or not sep:
                # The text is not echoed: a misplaced separator may put a secret here.
                raise KeyConfigError(f"option {position} after ';' is not 'active=KID'")
            if active is not None:
                raise KeyConfigError("'active=' is given more than once")
            active = setting.strip()
        keys: dict[str, bytes] = {}
        for position, entry in enumerate(keys_part.split(","), start=1):
            kid, sep, secret_text = entry.partition(":")
            kid = kid.strip()
            if not sep:
                raise KeyConfigError(f"entry {position} is not 'kid:secret'")
            if kid in keys:
                raise KeyConfigError(f"key id {kid!r} is configured twice")
            keys[kid] = _decode_secret(kid, secret_text.strip())
        if active is None:
            if len(keys) != 1:
                raise KeyConfigError("several keys are configured: name one with ';active=KID'")
            active = next(iter(keys))
        return cls(keys, active)

    def to_env_value(self) -> str:
        """The configuration text for this ring (secrets in unpadded base64url)."""
        entries = ",".join(
            f"{kid}:{b64url_encode(secret).decode('ascii')}" for kid, secret in self._keys.items()
        )
        return f"{entries};active={self._active}"

    @classmethod
    def generate(cls, kid: str | None = None) -> ShimKeys:
        """A ring of one fresh random 32-byte key (kid ``k`` + 8 hex digits unless given)."""
        new_kid = kid if kid is not None else f"k{secrets.token_hex(4)}"
        return cls({new_kid: secrets.token_bytes(_GENERATED_SECRET_BYTES)}, new_kid)

    def rotated(self, kid: str | None = None) -> ShimKeys:
        """This ring plus a fresh random key, which becomes the active one."""
        if kid is not None and kid in self._keys:
            raise KeyConfigError(f"key id {kid!r} is already in the ring")
        new_kid = kid
        while new_kid is None or new_kid in self._keys:
            new_kid = f"k{secrets.token_hex(4)}"
        keys = dict(self._keys)
        keys[new_kid] = secrets.token_bytes(_GENERATED_SECRET_BYTES)
        return ShimKeys(keys, new_kid)

    def without(self, kid: str) -> ShimKeys:
        """This ring with ``kid`` retired: tokens signed with it stop verifying."""
        if kid not in self._keys:
            raise KeyConfigError(f"key id {kid!r} is not in the ring")
        if kid == self._active:
            raise KeyConfigError(f"key {kid!r} is active: activate another key before removing it")
        return ShimKeys({k: s for k, s in self._keys.items() if k != kid}, self._active)

    def mac(self, kid: str, purpose: bytes, message: bytes) -> bytes:
        """HMAC-SHA256 of ``purpose "\\n" message`` under the key ``kid`` (which must exist).

        The key's hash states are made once per purpose (:class:`~linkgate.hmacs.KeyedSha256`).
        """
        base = self._bases.get((kid, purpose))
        if base is None:
            base = self._bases[(kid, purpose)] = KeyedSha256(self._keys[kid], purpose + b"\n")
        return base.digest(message)

    def seal(self, kid: str, purpose: bytes, data: bytes, context: Sequence[bytes]) -> bytes:
        """``data`` encrypted under the key ``kid`` for tokens of kind ``purpose``.

        AES-SIV (RFC 5297) with a key derived from the secret (HMAC-SHA512 of
        ``purpose "\\nseal"``): deterministic for the same ``data`` and
        ``context``, so no random nonce is drawn per token; ``context`` (the
        token's own decision id and issue time) makes each token's text differ.
        """
        return self._sealer(kid, purpose).encrypt(data, list(context))

    def unseal(
        self, kid: str, purpose: bytes, sealed: bytes, context: Sequence[bytes]
    ) -> bytes | None:
        """What :meth:`seal` sealed, or ``None`` if ``sealed`` is not genuine for ``context``."""
        try:
            return self._sealer(kid, purpose).decrypt(sealed, list(context))
        except (InvalidTag, ValueError):
            return None

    def _sealer(self, kid: str, purpose: bytes) -> AESSIV:
        found = self._sealers.get((kid, purpose))
        if found is None:
            material = hmac.digest(self._keys[kid], purpose + b"\nseal", "sha512")
            found = self._sealers[(kid, purpose)] = AESSIV(material)
        return found


def _decode_secret(kid: str, text: str) -> bytes:
    if _SECRET_RE.fullmatch(text) is None:
        raise KeyConfigError(f"key {kid!r}: the secret is not base64")
    bare = text.rstrip("=").encode("ascii").translate(_FROM_URLSAFE)
    try:
        return _a2b(bare + b"=" * (-len(bare) % 4), strict_mode=True)
    except binascii.Error:
        raise KeyConfigError(f"key {kid!r}: the secret is not base64") from None


def payload_json(fields: Mapping[str, object]) -> str:
    """``fields`` as compact ASCII JSON, exactly as :data:`_ENCODER` writes them.

    A token's payload is a flat object of strings and integers: written here
    field by field with the JSON module's own string escaper (its C
    implementation), without building an encoder per call, which cost a signed
    shim link more than its HMAC. Any other value goes through the encoder.
    """
    parts = []
    for name, value in fields.items():
        kind = type(value)
        if kind is str:
            text = _quote(value)  # type: ignore[arg-type]
        elif kind is int:
            text = _int_text(value)
        else:
            return _ENCODER.encode(fields)
        parts.append(f"{_quote(name)}:{text}")
    return "{" + ",".join(parts) + "}"


def payload_bytes(fields: Mapping[str, str | int]) -> bytes:
    """``payload_json(fields)`` as bytes, for fields whose values are strings and integers.

    Written by orjson, in a third of the time, wherever its bytes are the JSON module's:
    ASCII without DEL (which the JSON module escapes and orjson does not) and integers
    within 64 bits; anything else by :func:`payload_json`.
    """
    try:
        raw = _orjson_dumps(fields, option=orjson.OPT_PASSTHROUGH_SUBCLASS)
    except orjson.JSONEncodeError:  # a lone surrogate, an integer beyond 64 bits, a subclass
        return payload_json(fields).encode("ascii")
    if raw.isascii() and b"\x7f" not in raw:
        return raw
    return payload_json(fields).encode("ascii")


def sign_payload(purpose: bytes, fields: Mapping[str, object], keys: ShimKeys) -> str:
    """A token of kind ``purpose`` carrying ``fields`` (JSON values), signed with the active key.

    Raises ``ShimTokenError("malformed")`` when the token would be longer than
    :data:`MAX_TOKEN_CHARS`, so nothing is minted that verification refuses.
    """
    kid = keys.active
    return _signed(purpose, payload_json({"k": kid, **fields}).encode("ascii"), kid, keys)


def sign_plain_payload(purpose: bytes, fields: Mapping[str, str | int], keys: ShimKeys) -> str:
    """:func:`sign_payload` for fields of strings and integers only (see :func:`payload_bytes`):
    the same token, sooner."""
    kid = keys.active
    return _signed(purpose, payload_bytes({"k": kid, **fields}), kid, keys)


def _signed(purpose: bytes, payload: bytes, kid: str, keys: ShimKeys) -> str:
    body = b64url_encode(payload)
    token = body + b"." + b64url_encode(keys.mac(kid, purpose, body))
    if len(token) > MAX_TOKEN_CHARS:
        raise ShimTokenError("malformed")
    return token.decode("ascii")


def verify_payload(purpose: bytes, token: str, keys: ShimKeys) -> dict[str, Any]:
    """The payload of a genuine token of kind ``purpose``, or ``ShimTokenError``.

    Checks shape, kid and signature only; each token kind checks its own
    fields and times.
    """
    if len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise ShimTokenError("malformed")
    body, sep, mac_text = token.partition(".")
    if not sep:
        raise ShimTokenError("malformed")
    raw = b64url_decode(body)
    if raw is None:
        raise ShimTokenError("malformed")
    try:
        payload = _loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise ShimTokenError("malformed") from None
    if not isinstance(payload, dict):
        raise ShimTokenError("malformed")
    kid = payload.get("k")
    if not isinstance(kid, str):
        raise ShimTokenError("malformed")
    if kid not in keys:
        raise ShimTokenError("unknown_key")
    expected = b64url_encode(keys.mac(kid, purpose, body.encode("ascii")))
    if not _compare(expected, mac_text.encode("ascii")):
        raise ShimTokenError("bad_signature")
    return payload


def str_field(payload: Mapping[str, Any], name: str) -> str:
    """A required string member of a verified payload."""
    value = payload.get(name)
    if not isinstance(value, str):
        raise ShimTokenError("malformed")
    return value


def optional_str_field(payload: Mapping[str, Any], name: str) -> str | None:
    """An optional string member (absent or ``null`` → ``None``)."""
    value = payload.get(name)
    if value is None or isinstance(value, str):
        return value
    raise ShimTokenError("malformed")


def int_field(payload: Mapping[str, Any], name: str) -> int:
    """A required integer member (booleans are not integers here)."""
    value = payload.get(name)
    if type(value) is not int:
        raise ShimTokenError("malformed")
    return value


def check_age(issued_at: int, now: int, max_age: int) -> None:
    """Refuse a token issued more than ``max_age`` seconds ago, or too far in the future."""
    if issued_at - now > CLOCK_SKEW:
        raise ShimTokenError("future")
    if now - issued_at > max_age:
        raise ShimTokenError("expired")


def check_window(issued_at: int, expires_at: int, now: int) -> None:
    """Refuse a token outside ``[issued_at - CLOCK_SKEW, expires_at)``."""
    if expires_at < issued_at:
        raise ShimTokenError("malformed")
    if issued_at - now > CLOCK_SKEW:
        raise ShimTokenError("future")
    if now >= expires_at:
        raise ShimTokenError("expired")
