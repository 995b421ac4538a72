"""Link opening: the signed tokens and signatures behind a click. Pure, no I/O.

- :mod:`~linkgate.opening.keys` — the key ring (rotation by kid) and the one
  token format every module here uses;
- :mod:`~linkgate.opening.shim` — link-shim tokens that shared links are rewritten to;
- :mod:`~linkgate.opening.nonce` — single-use "continue" nonces for the interstitial;
- :mod:`~linkgate.opening.jsapi` — JS-API tickets, ``wx.config``-style signatures,
  capability → API names, safe-domain checks;
- :mod:`~linkgate.opening.capability_ticket` — what a ``rich_page`` may use, signed.

Each refused token raises :class:`ShimTokenError` with a stable ``code``.
"""

from linkgate.opening.capability_ticket import CapabilityTicket
from linkgate.opening.jsapi import JSAPI_BY_CAPABILITY, JsConfig, Ticket
from linkgate.opening.keys import KeyConfigError, ShimKeys, ShimTokenError, TokenErrorCode
from linkgate.opening.shim import ShimClaims

__all__ = [
    "JSAPI_BY_CAPABILITY",
    "CapabilityTicket",
    "JsConfig",
    "KeyConfigError",
    "ShimClaims",
    "ShimKeys",
    "ShimTokenError",
    "Ticket",
    "TokenErrorCode",
]
