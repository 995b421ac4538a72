"""The JS-SDK-style open API: tickets, ``wx.config``-style signatures, API lists.

A platform's backend obtains a **ticket** (valid :data:`TICKET_TTL` seconds,
meant to be cached), then configures each page with
``appId, timestamp, nonceStr, signature, jsApiList`` where ``signature`` is
the lowercase hex SHA-1 of::

    jsapi_ticket=TICKET&noncestr=NONCESTR&timestamp=TIMESTAMP&url=URL

(members sorted by name, values raw — not URL-encoded — and the URL cut at
``#``), exactly as H5 developers know it from the WeChat JS-SDK. Tickets are
signed tokens (:mod:`linkgate.opening.keys`), so any replica verifies one
without storage. ``jsApiList`` holds only the APIs the link's current
decision grants (:data:`JSAPI_BY_CAPABILITY`).

A page may be configured only on a URL inside the platform's JS-API safe
domains (:func:`url_in_safe_domains`).
"""

from __future__ import annotations

import hashlib
import secrets
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, TypedDict

from linkgate.opening.keys import (
    ShimKeys,
    ShimTokenError,
    check_window,
    int_field,
    sign_payload,
    str_field,
    verify_payload,
)
from linkgate.urls.model import ParsedUrl
from linkgate.urls.parse import parse_whatwg
from linkgate.vocabulary import CAPABILITIES, Capability

__all__ = [
    "JSAPI_BY_CAPABILITY",
    "PURPOSE",
    "TICKET_TTL",
    "JsConfig",
    "Ticket",
    "build_config",
    "issue_ticket",
    "jsapis_for",
    "new_noncestr",
    "signature",
    "url_in_safe_domains",
    "verify_ticket",
]

PURPOSE: Final = b"linkgate.jsapi_ticket.v1"

TICKET_TTL: Final = 7200
"""Seconds a JS-API ticket is valid by default (platform backends cache it)."""

JSAPI_BY_CAPABILITY: Final[Mapping[Capability, tuple[str, ...]]] = MappingProxyType(
    {
        # wx.login's name: a short-lived code the page's backend exchanges for an
        # opaque per-platform account id. No profile, no friends.
        "login": ("login",),
        # The user's profile and relation chain: getUserProfile (nickname, avatar)
        # and getFriendCloudStorage (friends' data), the names mini-game and
        # mini-program developers know for the social graph.
        "social_graph": ("getUserProfile", "getFriendCloudStorage"),
        "share": ("updateAppMessageShareData", "updateTimelineShareData"),
        # No JS-SDK equivalent: linkgate's own API names, namespaced.
        "like": ("linkgate.like",),
        "add_to_cart": ("linkgate.addToCart",),
        "open_app": ("launchApplication",),
        "payment": ("chooseWXPay",),
        "qr_code": ("scanQRCode",),
        "mini_program": ("navigateToMiniProgram",),
        "mall": ("linkgate.openMall",),
    }
)
"""The JS-API names each capability unlocks, in the order ``jsApiList`` lists them."""

_ORDERED_APIS: Final = tuple((cap, JSAPI_BY_CAPABILITY[cap]) for cap in CAPABILITIES)
_NONCE_ALPHABET: Final = string.ascii_letters + string.digits
_WEB_SCHEMES: Final = frozenset({"http", "https"})


class JsConfig(TypedDict):
    """What a page passes to its config call."""

    appId: str
    timestamp: int
    nonceStr: str
    signature: str
    jsApiList: list[str]


@dataclass(frozen=True, slots=True)
class Ticket:
    """A JS-API ticket and when it stops being valid (unix s)."""

    value: str
    expires_at: int


def signature(ticket: str, noncestr: str, timestamp: int, url: str) -> str:
    """Lowercase hex SHA-1 of the sorted ``jsapi_ticket/noncestr/timestamp/url`` string."""
    page = url.partition("#")[0]
    text = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={page}"
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def new_noncestr(length: int = 16) -> str:
    """A random ``nonceStr`` of letters and digits."""
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(length))


def issue_ticket(platform_id: str, keys: ShimKeys, now: int, ttl: int = TICKET_TTL) -> Ticket:
    """A ticket for ``platform_id``, valid from ``now`` for ``ttl`` seconds.

    Raises ``ShimTokenError("malformed")`` when ``ttl`` is not positive.
    """
    if ttl <= 0:
        raise ShimTokenError("malformed")
    expires_at = now + ttl
    value = sign_payload(PURPOSE, {"p": platform_id, "t": now, "e": expires_at}, keys)
    return Ticket(value, expires_at)


def verify_ticket(value: str, keys: ShimKeys, now: int) -> str:
    """The platform id of a genuine, unexpired ticket; otherwise ``ShimTokenError``."""
    payload = verify_payload(PURPOSE, value, keys)
    platform_id = str_field(payload, "p")
    check_window(int_field(payload, "t"), int_field(payload, "e"), now)
    return platform_id


def jsapis_for(capabilities: Iterable[str]) -> tuple[str, ...]:
    """The JS-API names ``capabilities`` allow, in a stable order (unknown names give none)."""
    granted = frozenset(capabilities)
    return tuple(api for cap, apis in _ORDERED_APIS if cap in granted for api in apis)


def build_config(
    app_id: str,
    url: str,
    ticket: str,
    granted_capabilities: Iterable[str],
    requested: Sequence[str] | None,
    now: int,
    noncestr: str,
) -> JsConfig:
    """The page config for ``url``: signed, with ``jsApiList`` cut to what is granted.

    ``jsApiList`` holds the APIs the granted capabilities allow, intersected
    with ``requested`` when given, in :data:`JSAPI_BY_CAPABILITY` order
    whatever the order of either input.
    """
    allowed = jsapis_for(granted_capabilities)
    if requested is not None:
        wanted = frozenset(requested)
        allowed = tuple(api for api in allowed if api in wanted)
    return {
        "appId": app_id,
        "timestamp": now,
        "nonceStr": noncestr,
        "signature": signature(ticket, noncestr, now, url),
        "jsApiList": list(allowed),
    }


def url_in_safe_domains(url: str, safe_domains: Iterable[str]) -> bool:
    """Whether ``url`` is an ``http(s)`` page on a safe domain or one of its subdomains.

    The URL is read as a browser reads it (WHATWG); a URL with userinfo is
    refused. Safe domains may be written in Unicode or punycode, any case, with
    or without a trailing dot; the port is not part of the match. An entry that
    is not a bare host (has a scheme, path, port or userinfo) matches nothing,
    and an IP address matches only itself.
    """
    parsed = parse_whatwg(url)
    if (
        not isinstance(parsed, ParsedUrl)
        or parsed.scheme not in _WEB_SCHEMES
        or parsed.username
        or parsed.password
        or parsed.host_type == "none"
    ):
        return False
    host = parsed.hostname.rstrip(".")
    if not host:
        return False
    for entry in safe_domains:
        safe = _safe_host(entry)
        if safe is None:
            continue
        safe_host, is_domain = safe
        if host == safe_host or (is_domain and host.endswith("." + safe_host)):
            return True
    return False


def _safe_host(entry: str) -> tuple[str, bool] | None:
    text = entry.strip()
    if not text:
        return None
    parsed = parse_whatwg(f"http://{text}")
    if (
        not isinstance(parsed, ParsedUrl)
        or parsed.port
        or parsed.pathname != "/"
        or parsed.search
        or parsed.hash
        or parsed.username
        or parsed.password
        or parsed.host_type in ("none", "opaque")
    ):
        return None
    host = parsed.hostname.rstrip(".")
    if not host:
        return None
    return host, parsed.host_type == "domain"
